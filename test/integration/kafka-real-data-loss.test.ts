/**
 * failOnDataLoss on a real Apache Kafka broker (one node), through the CLI, with Spark 3.5's
 * semantics (KafkaOffsetReaderAdmin.getOffsetRangesFromResolvedOffsets; spark-compat.md §4):
 *
 * - offsets aged out while sluice is stopped (DeleteRecords moves the log start offset, what
 *   retention does): true → SLUICE_KAFKA_DATA_LOSS naming the partition, nothing committed;
 *   false → "Skip missing records", the skipped offsets counted in the batch's progress, every
 *   record still in Kafka landed exactly once.
 * - a topic deleted (and re-created) under `subscribe` and under `assign`: true →
 *   SLUICE_KAFKA_DATA_LOSS ("is gone"), not SLUICE_KAFKA_TOPIC_NOT_FOUND; false → the query goes
 *   on, warns, and reads the re-created topic from its start (before: TOPIC_NOT_FOUND either way).
 * - a batch whose partition is gone before its re-run: true → SLUICE_KAFKA_PARTITION_GONE;
 *   false → the range is skipped and counted (before: PARTITION_GONE either way).
 *
 * file:// sink and checkpoint (one service per file: the broker).
 */
import assert from 'node:assert/strict'
import { readdir, rm, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { assertExactlyOnce, CliProcess, fileJob, LocalOutputReader, messagesOfLines, produceLines, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { logLines, runCli } from '../helpers/sluice-process.js'

let kafka: KafkaReal
let dir: string
let env: Record<string, string>

before(async () => {
  kafka = await startKafkaReal({ brokers: 1 })
  dir = await tempDir('sluice-kr-loss-')
  env = { KAFKA_BOOTSTRAP: kafka.bootstrap, S3_ENDPOINT: '' }
})
after(async () => {
  await kafka?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const lines = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => JSON.stringify({ message: `${prefix}-${from + i}` }))
const messages = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`)

/** Job file `<name>-<variant>`; the variants of one name share the output and the checkpoint. */
function job(name: string, variant: string, source: Record<string, unknown>): Promise<string> {
  return writeJob(dir, `${name}-${variant}`, fileJob({ name, dir: join(dir, name), source: { ...source, 'kafka.request.timeout.ms': 10_000 } }))
}

async function landed(name: string): Promise<{ meta: string[]; listing: string[] }> {
  const reader = new LocalOutputReader(join(dir, name, 'out'))
  return {
    meta: messagesOfLines((await reader.viaSparkMetadata()).map((r) => r.line)),
    listing: messagesOfLines((await reader.viaListing()).map((r) => r.line)),
  }
}

const skipped = (stdout: string) => logLines(stdout).filter((l) => l.msg === 'Skip missing records: offsets are no longer in Kafka (failOnDataLoss: false)')
const lost = (stdout: string) =>
  logLines(stdout)
    .filter((l) => l.msg === 'batch committed')
    .reduce((n, l) => n + Number((l.progress as { sluice: { lostOffsets: number } }).sluice.lostOffsets), 0)

test('offsets aged out while sluice is stopped: failOnDataLoss true stops naming the partition, false skips, counts and lands the rest exactly once', { timeout: 240_000 }, async () => {
  await kafka.createTopic({ name: 'aged', partitions: 1 })
  await produceLines(kafka.bootstrap, 'aged', lines('a', 0, 100), 0)
  const strict = await job('aged', 'strict', { subscribe: 'aged' })
  const first = await runCli(['run', strict, '--trigger', 'availableNow'], env)
  assert.equal(first.code, 0, first.stderr)
  // sluice is stopped; 100 more arrive and retention takes the log up to offset 150.
  await produceLines(kafka.bootstrap, 'aged', lines('a', 100, 200), 0)
  await kafka.deleteRecords('aged', 0, 150)

  const failed = await runCli(['run', strict, '--trigger', 'availableNow'], env)
  assert.equal(failed.code, 1, failed.stdout.slice(-2000))
  assert.match(failed.stderr, /SLUICE_KAFKA_DATA_LOSS/)
  assert.match(failed.stderr, /aged-0: offsets 100 to 149 \(50 records\) are not available/)

  const lenient = await job('aged', 'lenient', { subscribe: 'aged', failOnDataLoss: false })
  const ok = await runCli(['run', lenient, '--trigger', 'availableNow'], env)
  assert.equal(ok.code, 0, ok.stderr)
  assert.equal(skipped(ok.stdout).length, 1, 'one "Skip missing records" warning')
  assert.equal(lost(ok.stdout), 50, 'the 50 aged-out offsets are counted in the progress (sluice.lostOffsets)')
  const got = await landed('aged')
  const want = [...messages('a', 0, 100), ...messages('a', 150, 200)]
  assertExactlyOnce(got.meta, want, 'via _spark_metadata')
  assertExactlyOnce(got.listing, want, 'via listing')
})

test('subscribe: a topic deleted and re-created is data loss, not TOPIC_NOT_FOUND; with failOnDataLoss false the re-created topic is read from its start', { timeout: 240_000 }, async () => {
  await kafka.createTopic({ name: 'gone-s', partitions: 2 })
  await produceLines(kafka.bootstrap, 'gone-s', lines('s', 0, 60), 0)
  await produceLines(kafka.bootstrap, 'gone-s', lines('s', 60, 100), 1)
  const strict = await job('gone-s', 'strict', { subscribe: 'gone-s' })
  const lenient = await job('gone-s', 'lenient', { subscribe: 'gone-s', failOnDataLoss: false })
  const first = await runCli(['run', strict, '--trigger', 'availableNow'], env)
  assert.equal(first.code, 0, first.stderr)

  await kafka.deleteTopic('gone-s')
  const failed = await runCli(['run', strict, '--trigger', 'availableNow'], env)
  assert.equal(failed.code, 1, failed.stdout.slice(-2000))
  assert.match(failed.stderr, /SLUICE_KAFKA_DATA_LOSS/)
  assert.doesNotMatch(failed.stderr, /SLUICE_KAFKA_TOPIC_NOT_FOUND/)
  assert.match(failed.stderr, /Partition gone-s-0 is gone/)

  const gone = await runCli(['run', lenient, '--trigger', 'availableNow'], env)
  assert.equal(gone.code, 0, gone.stderr)
  assert.equal(skipped(gone.stdout).length, 2, 'a warning per partition gone')

  // Re-created with fewer records than the old offsets (60 and 40): offsets went backwards.
  await kafka.createTopic({ name: 'gone-s', partitions: 2 })
  await produceLines(kafka.bootstrap, 'gone-s', lines('t', 0, 10), 0)
  await produceLines(kafka.bootstrap, 'gone-s', lines('t', 10, 20), 1)
  const again = await runCli(['run', lenient, '--trigger', 'availableNow'], env)
  assert.equal(again.code, 0, again.stderr)
  const got = await landed('gone-s')
  const want = [...messages('s', 0, 100), ...messages('t', 0, 20)]
  assertExactlyOnce(got.meta, want, 'via _spark_metadata')
  assertExactlyOnce(got.listing, want, 'via listing')
})

test('assign: a topic deleted and re-created while the query runs (failOnDataLoss false): it warns, goes on, and lands both topics exactly once', { timeout: 240_000 }, async () => {
  await kafka.createTopic({ name: 'gone-a', partitions: 2 })
  await produceLines(kafka.bootstrap, 'gone-a', lines('u', 0, 30), 0)
  await produceLines(kafka.bootstrap, 'gone-a', lines('u', 30, 60), 1)
  const lenient = await job('gone-a', 'lenient', { assign: '{"gone-a":[0,1]}', failOnDataLoss: false })
  const q = new CliProcess(['run', lenient], { ...env, SLUICE_LOG_LEVEL: 'info' })
  try {
    const rows = () => q.committed().reduce((n, l) => n + Number(l.rows), 0)
    await q.waitFor('the first 60 rows', () => rows() === 60)
    await kafka.deleteTopic('gone-a')
    await q.waitFor('the "Skip missing records" warnings', () => skipped(q.stdout).length >= 2)
    await kafka.createTopic({ name: 'gone-a', partitions: 2 })
    await produceLines(kafka.bootstrap, 'gone-a', lines('v', 0, 25), 0)
    await produceLines(kafka.bootstrap, 'gone-a', lines('v', 25, 50), 1)
    await q.waitFor('the re-created topic\'s 50 rows', () => rows() === 110)
    assert.ok(!q.logs().some((l) => l.msg === 'query failed'), q.tail())
  } finally {
    const r = await q.stop()
    assert.equal(r.code, 0, q.tail())
  }
  const got = await landed('gone-a')
  const want = [...messages('u', 0, 60), ...messages('v', 0, 50)]
  assertExactlyOnce(got.meta, want, 'via _spark_metadata')
  assertExactlyOnce(got.listing, want, 'via listing')
})

test('a batch planned but not committed whose topic is gone before the re-run: PARTITION_GONE with failOnDataLoss true; skipped and counted with false', { timeout: 240_000 }, async () => {
  await kafka.createTopic({ name: 'gone-r', partitions: 1 })
  await produceLines(kafka.bootstrap, 'gone-r', lines('r', 0, 40), 0)
  const strict = await job('gone-r', 'strict', { subscribe: 'gone-r' })
  const first = await runCli(['run', strict, '--trigger', 'availableNow'], env)
  assert.equal(first.code, 0, first.stderr)
  // Make batch 0 uncommitted (as after a kill between offsets/0 and commits/0): drop commits/0
  // and the sink log entry, then delete the topic.
  const cp = join(dir, 'gone-r', 'checkpoint')
  await unlink(join(cp, 'commits', '0'))
  for (const f of await readdir(join(dir, 'gone-r', 'out', '_spark_metadata'))) await unlink(join(dir, 'gone-r', 'out', '_spark_metadata', f))
  await kafka.deleteTopic('gone-r')

  const failed = await runCli(['run', strict, '--trigger', 'availableNow'], env)
  assert.equal(failed.code, 1, failed.stdout.slice(-2000))
  assert.match(failed.stderr, /SLUICE_KAFKA_PARTITION_GONE/)

  const lenient = await job('gone-r', 'lenient', { subscribe: 'gone-r', failOnDataLoss: false })
  const ok = await runCli(['run', lenient, '--trigger', 'availableNow'], env)
  assert.equal(ok.code, 0, ok.stderr)
  // By the re-run (its range) and by the next trigger's planning (the partition), as Spark does.
  assert.ok(skipped(ok.stdout).length >= 1, 'the gone range is reported')
  assert.equal(lost(ok.stdout), 40, 'and counted')
  const got = await landed('gone-r')
  assertExactlyOnce(got.meta, [], 'via _spark_metadata: the re-run batch is committed empty')
})
