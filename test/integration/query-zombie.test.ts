/**
 * Zombie writer: a second process started on the same job and checkpoint takes it over; the
 * first stops at its next commit with SLUICE_CHECKPOINT_TAKEN_OVER instead of writing, and
 * nothing is lost or duplicated (s3rver does not enforce If-None-Match, so this exercises the
 * owner-lease fencing).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import { logLines } from '../helpers/sluice-process.js'
import { assertExactlyOnce, CliProcess, messagesOfLines, producedMessages, runCli, s3Job, useStack, writeJob } from '../helpers/toolkit.js'

const BUCKET = 'query-zombie'
const TOPIC = 'zombie'
const COUNT = 8000
const ctx = useStack({ topics: [{ name: TOPIC, partitions: 3 }], buckets: [BUCKET], tempPrefix: 'sluice-q-zombie-' })

test('a second process takes the checkpoint over: the first stops with SLUICE_CHECKPOINT_TAKEN_OVER, every record lands exactly once', { timeout: 180_000 }, async () => {
  const { stack, dir } = ctx
  const file = await writeJob(
    dir,
    'zombie',
    s3Job({ name: 'zombie', bucket: BUCKET, prefix: 'zombie', topic: TOPIC, source: { maxOffsetsPerTrigger: 300 }, sink: { trigger: '200 ms', coalesce: 2 } }),
  )
  const gen = new CliProcess(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', TOPIC, '--partitions', '3', '--rate', '1000', '--count', String(COUNT)],
    stack.env,
  )
  ctx.track(gen)

  const a = new CliProcess(['run', file], stack.env)
  ctx.track(a)
  await a.waitFor('A commits a batch', () => a.committed().length >= 1)
  const b = new CliProcess(['run', file], stack.env)
  ctx.track(b)

  const aEnd = await a.exited
  assert.notEqual(aEnd.code, 0, `A must stop with an error once B took over:\n${a.tail()}`)
  assert.match(a.stderr, /SLUICE_CHECKPOINT_TAKEN_OVER/, a.tail())

  // B must carry on as the owner. Checked last, so that the exactly-once checks below run (and
  // report) even when B failed.
  await b.waitFor('B commits a batch', () => b.committed().length >= 1).catch(() => {})
  const bEnd = await b.stop()
  const bHealthy = (): void => {
    assert.ok(!logLines(b.stdout).some((l) => l.msg === 'query failed'), `B, the new owner, failed:\n${b.tail()}`)
    assert.equal(bEnd.code, 0, b.tail())
    assert.ok(b.committed().length >= 1, 'B committed batches')
  }

  assert.equal((await gen.exited).code, 0, gen.tail())
  const final = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
  assert.equal(final.code, 0, final.stderr)

  const { messages } = await producedMessages(stack.kafka.bootstrap, TOPIC)
  assert.equal(messages.length, COUNT)
  const out = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: 'zombie/out/' })
  try {
    assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, 'via _spark_metadata')
    assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, 'via plain listing')
  } finally {
    out.close()
  }
  bHealthy()
})
