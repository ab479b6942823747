/**
 * Triggers through the real CLI (spark-compat.md §5): `once` drains everything in one batch,
 * a processing-time trigger without new data writes no batch, `availableNow` honours
 * maxOffsetsPerTrigger over several batches and stops, and SIGTERM stops cleanly with a
 * checkpoint that a later run resumes exactly once.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { OutputReader } from '../helpers/output-reader.js'
import {
  assertExactlyOnce,
  CliProcess,
  loadgen,
  messagesOfLines,
  producedMessages,
  s3Job,
  s3LogIds,
  tempDir,
  writeJob,
} from '../helpers/query-fixtures.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'query-triggers'
let stack: Stack
let dir: string
let reader: OutputReader
const live: CliProcess[] = []

before(async () => {
  stack = await startStack({ buckets: [BUCKET] })
  dir = await tempDir('sluice-q-triggers-')
  reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: '' })
})
after(async () => {
  for (const p of live) p.kill()
  reader?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function outputOf(prefix: string): OutputReader {
  return new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: `${prefix}/out/` })
}

async function checkOutput(prefix: string, topic: string, listing = true): Promise<void> {
  const { messages } = await producedMessages(stack.kafka.bootstrap, topic)
  const out = outputOf(prefix)
  try {
    assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, `${prefix} via _spark_metadata`)
    if (listing) assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, `${prefix} via listing`)
  } finally {
    out.close()
  }
}

test('--trigger once reads everything in one batch (maxOffsetsPerTrigger ignored); a processing-time trigger without new data writes no batch', { timeout: 120_000 }, async () => {
  await loadgen(stack, 'trig-once', 3, 3000)
  const job = await writeJob(dir, 'once', s3Job({ name: 'once', bucket: BUCKET, prefix: 'once', topic: 'trig-once', source: { maxOffsetsPerTrigger: 500 } }))

  const run = await runCli(['run', job, '--trigger', 'once'], stack.env)
  assert.equal(run.code, 0, run.stderr)
  const batches = logLines(run.stdout).filter((l) => l.msg === 'batch committed')
  assert.deepEqual(batches.map((b) => [b.batchId, b.rows]), [[0, 3000]], 'one batch with every record')
  assert.deepEqual(await s3LogIds(reader, 'once/checkpoint/offsets/'), [0])
  assert.deepEqual(await s3LogIds(reader, 'once/checkpoint/commits/'), [0])
  await checkOutput('once', 'trig-once')

  // Same checkpoint, everything consumed, a 200 ms processing-time trigger for ~2 s: no batch.
  const idle = new CliProcess(['run', job], stack.env)
  live.push(idle)
  await idle.waitFor('query started', () => idle.logs().some((l) => l.msg === 'query started'))
  await sleep(2000)
  const end = await idle.stop()
  assert.equal(end.code, 0, idle.tail())
  assert.ok(idle.logs().some((l) => l.msg === 'query terminated'), 'query terminated logged')
  assert.equal(idle.committed().length, 0, 'no batch without new data')
  assert.deepEqual(await s3LogIds(reader, 'once/checkpoint/offsets/'), [0], 'no new offsets/N')
  assert.deepEqual(await s3LogIds(reader, 'once/out/_spark_metadata/'), [0], 'no new _spark_metadata/N')
})

test('availableNow with maxOffsetsPerTrigger runs several capped batches, then exits 0', { timeout: 120_000 }, async () => {
  await loadgen(stack, 'trig-an', 3, 3000)
  const job = await writeJob(dir, 'an', s3Job({ name: 'an', bucket: BUCKET, prefix: 'an', topic: 'trig-an', source: { maxOffsetsPerTrigger: 1000 } }))
  const run = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
  assert.equal(run.code, 0, run.stderr)
  const batches = logLines(run.stdout).filter((l) => l.msg === 'batch committed')
  assert.ok(batches.length >= 3, `${batches.length} batches for 3000 records at 1000 per trigger`)
  for (const b of batches) assert.ok((b.rows as number) <= 1000, `batch ${b.batchId} has ${b.rows} rows`)
  assert.equal(batches.reduce((n, b) => n + (b.rows as number), 0), 3000)
  assert.deepEqual(batches.map((b) => b.batchId), batches.map((_, i) => i), 'batch ids 0, 1, 2, …')
  assert.deepEqual(await s3LogIds(reader, 'an/checkpoint/offsets/'), batches.map((_, i) => i))
  await checkOutput('an', 'trig-an')
})

test('SIGTERM during a processing-time run exits 0 with a consistent checkpoint that availableNow resumes exactly once', { timeout: 180_000 }, async () => {
  await stack.kafka.createTopic('trig-term', 3)
  const gen = new CliProcess(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'trig-term', '--partitions', '3', '--rate', '2000', '--count', '8000'],
    stack.env,
  )
  live.push(gen)
  const job = await writeJob(dir, 'term', s3Job({ name: 'term', bucket: BUCKET, prefix: 'term', topic: 'trig-term', source: { maxOffsetsPerTrigger: 300 } }))
  const q = new CliProcess(['run', job], stack.env)
  live.push(q)
  await q.waitFor('two committed batches', () => q.committed().length >= 2)
  const end = await q.stop()
  assert.equal(end.code, 0, q.tail())
  assert.ok(q.logs().some((l) => l.msg === 'query terminated'), 'query terminated logged')
  assert.equal(q.logs().filter((l) => l.msg === 'query failed').length, 0, q.tail())

  // Consistent: the batch in flight was committed before the exit (offsets == commits == sink log).
  const offsets = await s3LogIds(reader, 'term/checkpoint/offsets/')
  const commits = await s3LogIds(reader, 'term/checkpoint/commits/')
  const sink = await s3LogIds(reader, 'term/out/_spark_metadata/')
  assert.ok(offsets.length > 0)
  assert.equal(commits.at(-1), offsets.at(-1), `latest commits/N equals latest offsets/N (${commits} vs ${offsets})`)
  assert.equal(sink.at(-1), offsets.at(-1), `_spark_metadata ends at the last batch (${sink})`)

  assert.equal((await gen.exited).code, 0, gen.tail())
  const rest = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
  assert.equal(rest.code, 0, rest.stderr)
  const resumed = logLines(rest.stdout).filter((l) => l.msg === 'batch committed')
  assert.ok(resumed.length > 0, 'records produced after the stop are read by the next run')
  assert.equal(resumed[0]!.batchId, offsets.at(-1)! + 1, 'the next run continues after the last committed batch')
  await checkOutput('term', 'trig-term')
})
