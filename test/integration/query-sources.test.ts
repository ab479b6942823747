/**
 * Kafka source options through the real CLI (spark-compat.md §4): subscribePattern discovers a
 * topic created while the query runs and reads it from earliest; assign reads only the listed
 * partitions; startingOffsets latest / per-partition JSON start where told; a JSON spec that
 * omits a partition is refused before anything is written.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import {
  assertExactlyOnce,
  CliProcess,
  eventually,
  loadgen,
  messagesOfLines,
  producedMessages,
  produceLines,
  s3Job,
  tempDir,
  writeJob,
} from '../helpers/query-fixtures.js'
import { runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'query-sources'
let stack: Stack
let dir: string
let reader: OutputReader
const live: CliProcess[] = []

before(async () => {
  stack = await startStack({ buckets: [BUCKET] })
  dir = await tempDir('sluice-q-sources-')
  reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: '' })
})
after(async () => {
  for (const p of live) p.kill()
  reader?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function outputMessages(prefix: string, via: 'meta' | 'list' = 'meta'): Promise<string[]> {
  const out = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: `${prefix}/out/` })
  try {
    return messagesOfLines((await (via === 'meta' ? out.viaSparkMetadata() : out.viaListing())).map((r) => r.line))
  } finally {
    out.close()
  }
}

async function hasInitialOffsets(prefix: string): Promise<boolean> {
  return (await reader.list(`${prefix}/checkpoint/sources/0/0`)).length > 0
}

test('subscribePattern picks up a topic created while the query runs and reads it from earliest', { timeout: 120_000 }, async () => {
  await loadgen(stack, 'pat-a', 2, 300)
  const job = await writeJob(
    dir,
    'pattern',
    s3Job({
      name: 'pattern',
      bucket: BUCKET,
      prefix: 'pattern',
      source: { subscribePattern: 'pat-.*', startingOffsets: 'earliest', 'kafka.metadata.max.age.ms': 1000 },
    }),
  )
  const q = new CliProcess(['run', job], stack.env)
  live.push(q)
  await q.waitFor('pat-a read', () => q.committed().reduce((n, b) => n + (b.rows as number), 0) >= 300)

  // Created and filled after the query started (kcat writes all 1000 at once): the first
  // trigger that sees records in it must read them from offset 0 (Spark: partitions discovered
  // later start at earliest), not from the latest offset at discovery.
  await stack.kafka.createTopic('pat-b', 2)
  await produceLines(stack.kafka.bootstrap, 'pat-b', Array.from({ length: 1000 }, (_, i) => JSON.stringify({ message: `pat-b-${i}` })))
  await q.waitFor('pat-b read', () => q.committed().reduce((n, b) => n + (b.rows as number), 0) >= 1300)
  const end = await q.stop()
  assert.equal(end.code, 0, q.tail())

  const a = (await producedMessages(stack.kafka.bootstrap, 'pat-a')).messages
  const b = (await producedMessages(stack.kafka.bootstrap, 'pat-b')).messages
  assertExactlyOnce(await outputMessages('pattern'), [...a, ...b], 'pattern via _spark_metadata')
  assertExactlyOnce(await outputMessages('pattern', 'list'), [...a, ...b], 'pattern via listing')
})

test('assign reads only the listed partitions', { timeout: 60_000 }, async () => {
  await loadgen(stack, 'asg', 4, 2000)
  const job = await writeJob(dir, 'assign', s3Job({ name: 'assign', bucket: BUCKET, prefix: 'assign', source: { assign: '{"asg":[1,3]}' } }))
  const run = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
  assert.equal(run.code, 0, run.stderr)
  const { records } = await producedMessages(stack.kafka.bootstrap, 'asg')
  const want = records.filter((r) => r.partition === 1 || r.partition === 3).map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.ok(want.length > 0 && want.length < records.length)
  assertExactlyOnce(await outputMessages('assign'), want, 'assign')
})

test('startingOffsets: latest skips what was in the topic before the query started', { timeout: 120_000 }, async () => {
  await loadgen(stack, 'lat', 2, 500, ['--seed', '1'])
  const before = new Set((await producedMessages(stack.kafka.bootstrap, 'lat')).messages)
  const job = await writeJob(dir, 'latest', s3Job({ name: 'latest', bucket: BUCKET, prefix: 'latest', topic: 'lat', source: { startingOffsets: 'latest' } }))
  const q = new CliProcess(['run', job], stack.env)
  live.push(q)
  // The starting offsets are resolved at the first trigger and stored in sources/0/0.
  await eventually('sources/0/0 written', () => hasInitialOffsets('latest'))
  await loadgen(stack, 'lat', 2, 300, ['--seed', '2'], false)
  await q.waitFor('the new records', () => q.committed().reduce((n, b) => n + (b.rows as number), 0) >= 300)
  const end = await q.stop()
  assert.equal(end.code, 0, q.tail())
  const after = (await producedMessages(stack.kafka.bootstrap, 'lat')).messages.filter((m) => !before.has(m))
  assert.equal(after.length, 300)
  assertExactlyOnce(await outputMessages('latest'), after, 'latest')
})

test('per-partition JSON startingOffsets: -2 earliest, -1 latest, an explicit offset', { timeout: 60_000 }, async () => {
  await loadgen(stack, 'js', 3, 900)
  const job = await writeJob(
    dir,
    'json',
    s3Job({ name: 'json', bucket: BUCKET, prefix: 'json', topic: 'js', source: { startingOffsets: '{"js":{"0":-2,"1":-1,"2":100}}' } }),
  )
  const run = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
  assert.equal(run.code, 0, run.stderr)
  const { records } = await producedMessages(stack.kafka.bootstrap, 'js')
  const want = records
    .filter((r) => r.partition === 0 || (r.partition === 2 && r.offset >= 100))
    .map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.equal(want.length, 300 + 200)
  assertExactlyOnce(await outputMessages('json'), want, 'json startingOffsets')
})

test('per-partition JSON startingOffsets that omits a partition fails with SLUICE_CONFIG_STARTING_OFFSETS', { timeout: 60_000 }, async () => {
  // Topic js exists from the previous test (3 partitions); create it if run alone.
  await stack.kafka.createTopic('js', 3).catch(() => {})
  const job = await writeJob(
    dir,
    'json-missing',
    s3Job({ name: 'json-missing', bucket: BUCKET, prefix: 'json-missing', topic: 'js', source: { startingOffsets: '{"js":{"0":-2,"1":-1}}' } }),
  )
  const run = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
  assert.notEqual(run.code, 0)
  assert.match(run.stderr, /SLUICE_CONFIG_STARTING_OFFSETS/)
  assert.match(run.stderr, /js-2/, 'names the missing partition')
  assert.deepEqual(await reader.list('json-missing/out/'), [], 'nothing written to the output')
  assert.deepEqual(
    (await reader.list('json-missing/checkpoint/')).map((o) => o.key).filter((k) => /\/(offsets|commits)\//.test(k)),
    [],
    'no batch in the checkpoint',
  )
})
