/**
 * failOnDataLoss through the real CLI (spark-compat.md §4). The mock broker keeps about 5 MB per
 * partition: ~8 MB of ~1 KB records into one partition ages the first records out, exactly like
 * Kafka retention. A query told to start at offset 0 then either stops with
 * SLUICE_KAFKA_DATA_LOSS naming the partition (default), or, with failOnDataLoss: false, logs
 * "Skip missing records" and reads everything still there, exactly once.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import { assertExactlyOnce, loadgen, messagesOfLines, producedMessages, s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'query-data-loss'
const TOPIC = 'loss'
let stack: Stack
let dir: string

before(async () => {
  stack = await startStack({ buckets: [BUCKET] })
  dir = await tempDir('sluice-q-loss-')
  await loadgen(stack, TOPIC, 1, 8000, ['--record-bytes', '1000'])
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function job(name: string, source: Record<string, unknown>): Promise<string> {
  return writeJob(
    dir,
    name,
    s3Job({ name, bucket: BUCKET, prefix: name, topic: TOPIC, source: { startingOffsets: `{"${TOPIC}":{"0":0}}`, maxOffsetsPerTrigger: 2000, ...source } }),
  )
}

test('the mock aged the first records out (precondition)', async () => {
  const { records } = await producedMessages(stack.kafka.bootstrap, TOPIC)
  assert.ok(records.length > 0 && records.length < 8000, `${records.length} of 8000 records still in the topic`)
  assert.ok(records[0]!.offset > 0, `low watermark ${records[0]!.offset} > 0`)
})

test('failOnDataLoss (default true): starting below the low watermark fails with SLUICE_KAFKA_DATA_LOSS naming the partition', { timeout: 120_000 }, async () => {
  const run = await runCli(['run', await job('strict', {}), '--trigger', 'availableNow'], stack.env)
  assert.notEqual(run.code, 0, 'exits non-zero')
  assert.match(run.stderr, /SLUICE_KAFKA_DATA_LOSS/)
  assert.match(run.stderr, /\bloss[-:]0\b/, `names the partition: ${run.stderr}`)
  assert.equal(logLines(run.stdout).filter((l) => l.msg === 'batch committed').length, 0, 'no batch committed')
  const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: 'strict/out/' })
  try {
    assert.deepEqual(await reader.viaSparkMetadata(), [], 'nothing committed to the sink')
  } finally {
    reader.close()
  }
})

test('failOnDataLoss: false logs "Skip missing records" and reads every record still in Kafka exactly once', { timeout: 120_000 }, async () => {
  const run = await runCli(['run', await job('lenient', { failOnDataLoss: false }), '--trigger', 'availableNow'], stack.env)
  assert.equal(run.code, 0, run.stderr)
  const lines = logLines(run.stdout)
  assert.ok(
    lines.some((l) => typeof l.msg === 'string' && l.msg.includes('Skip missing records')),
    'the "Skip missing records" warning is logged',
  )
  const { messages } = await producedMessages(stack.kafka.bootstrap, TOPIC)
  const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: 'lenient/out/' })
  try {
    assertExactlyOnce(messagesOfLines((await reader.viaSparkMetadata()).map((r) => r.line)), messages, 'via _spark_metadata')
    assertExactlyOnce(messagesOfLines((await reader.viaListing()).map((r) => r.line)), messages, 'via listing')
  } finally {
    reader.close()
  }
})
