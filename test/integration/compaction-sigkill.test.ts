/**
 * SIGKILL of a real `sluice run` at every step of a compaction batch (issue 16), each kill
 * restarted on the checkpoint the previous one left, with the commit-protocol crash harness
 * (test/helpers/crash-harness.ts: the S3 fault proxy kills the process from a hook at an exact
 * request). A first run without compaction lands 4 batches of small files in two directories
 * (`p=a`, `p=b`); then every run has `sink.compaction` on and the kills come at:
 *
 *   the plan written (sluice/compactions/<id>.json) → merged file 1 completed → merged file 2
 *   completed → the plan given its batch id (offsets/N not yet written) → offsets/N written
 *   (N.compact not yet) → _spark_metadata/N.compact written (commits/N not yet) → the replaced
 *   files deleted (the _SUCCESS markers not yet) → the first _SUCCESS written (the plan not yet
 *   removed) → a last run that finishes the removal and is stopped.
 *
 * After every kill: the sink log (`_spark_metadata`, as Spark 3.5 reads it) has every record
 * exactly once and a plain listing misses none; at the end a plain listing has every record
 * exactly once, each directory one file and a `_SUCCESS`, and no plan is left.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { type CrashPoint, runAndKillAt } from '../helpers/crash-harness.js'
import { OutputReader } from '../helpers/output-reader.js'
import { assertExactlyOnce, CliProcess, messagesOfLines, produceLines, s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { type S3FaultProxy, startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'compaction-kill'
const TOPIC = 'compaction-kill'
const PREFIX = 'q'
const RECORDS = 200
let stack: Stack
let proxy: S3FaultProxy
let dir: string
const messages: string[] = []

before(async () => {
  stack = await startStack({ buckets: [BUCKET], s3InChildProcess: true, topics: [{ name: TOPIC, partitions: 1 }] })
  proxy = await startS3FaultProxy({ upstream: stack.s3.endpoint })
  dir = await tempDir('sluice-compaction-kill-')
  const lines: string[] = []
  for (let i = 0; i < RECORDS; i++) {
    messages.push(`m${i}`)
    lines.push(JSON.stringify({ message: `m${i}`, p: i % 2 === 0 ? 'a' : 'b' }))
  }
  await produceLines(stack.kafka.bootstrap, TOPIC, lines, 0)
})
after(async () => {
  await proxy?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const re = (s: string): RegExp => new RegExp(s)
const cp = `${PREFIX}/checkpoint`
const out = `${PREFIX}/out`
const merged = re(`^${out}/p=[ab]/part-`)
const completes = (r: { method: string; query: string }): boolean =>
  (r.method === 'PUT' && !r.query.includes('uploadId')) || (r.method === 'POST' && r.query.includes('uploadId'))
const plan = re(`^${cp}/sluice/compactions/[^/]+\\.json$`)

/** The steps of one compaction batch, in the order a run reaches them. */
const CHAIN: CrashPoint[] = [
  { name: 'after the plan (the intent of the merged files)', match: { method: 'PUT', key: plan }, when: 'after' },
  { name: 'after merged file 1', match: { key: merged, filter: completes }, when: 'after' },
  { name: 'after merged file 2', match: { key: merged, filter: completes }, nth: 2, when: 'after' },
  { name: 'after the plan got its batch id (offsets/N not yet)', match: { method: 'PUT', key: plan }, accept: (r) => /"batchId":\d/.test(r.body!.toString()), when: 'after' },
  // The runs after the setup write one .compact only: the compaction's (the empty batch before it is not a compaction id).
  { name: 'after offsets/N (N.compact not yet)', match: { method: 'PUT', key: re(`^${out}/_spark_metadata/\\d+\\.compact$`) }, when: 'before' },
  { name: 'after _spark_metadata/N.compact (commits/N not yet)', match: { method: 'PUT', key: re(`^${out}/_spark_metadata/\\d+\\.compact$`) }, when: 'after' },
  { name: 'after the replaced files are deleted (no _SUCCESS yet)', match: { method: 'POST', query: /delete/ }, accept: (r) => r.body!.toString().includes(`${out}/p=`), when: 'after' },
  { name: 'after the first _SUCCESS (the plan not yet removed)', match: { method: 'PUT', key: re(`^${out}/p=[ab]/_SUCCESS$`) }, when: 'after' },
]

async function views(): Promise<{ spark: string[]; listing: string[]; keys: string[] }> {
  const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: `${out}/` })
  try {
    return {
      spark: messagesOfLines((await reader.viaSparkMetadata()).map((r) => r.line)),
      listing: messagesOfLines((await reader.viaListing()).map((r) => r.line)),
      keys: (await reader.list(`${PREFIX}/`)).map((o) => o.key),
    }
  } finally {
    reader.close()
  }
}

test('SIGKILL at every step of a compaction batch, restart each time: exactly once via _spark_metadata throughout, via a listing after removal', { timeout: 300_000 }, async (t) => {
  const job = (compaction: boolean) =>
    s3Job({
      name: 'compaction-kill',
      bucket: BUCKET,
      prefix: PREFIX,
      topic: TOPIC,
      source: { maxOffsetsPerTrigger: RECORDS / 4 },
      sink: {
        partitionBy: ['p'],
        attemptCleanupDelay: 0,
        ...(compaction ? { compaction: true, compactionIdleTime: 1, compactionRemoveDelay: 0 } : {}),
      },
      extra: { schema: 'message STRING, p STRING', conf: { 'spark.sql.session.timeZone': 'UTC', 'spark.sql.streaming.fileSink.log.compactInterval': 3 } },
    })
  const setup = await runCli(['run', await writeJob(dir, 'setup', job(false)), '--trigger', 'availableNow'], stack.env)
  assert.equal(setup.code, 0, `the setup run: ${setup.stderr}`)
  const before = await views()
  assertExactlyOnce(before.spark, messages, 'before compaction: via _spark_metadata')
  assert.equal(before.keys.filter((k) => merged.test(k)).length, 8, 'four small files per directory')

  const args = ['run', await writeJob(dir, 'compact', job(true))]
  for (const point of CHAIN) {
    const r = await runAndKillAt(proxy, stack.env, args, point)
    t.diagnostic(`killed ${point.name}: ${r.killedAt.method} ${r.killedAt.key}`)
    const v = await views()
    assertExactlyOnce(v.spark, messages, `after a kill ${point.name}: via _spark_metadata`)
    assert.deepEqual([...new Set(v.listing)].sort(), [...messages].sort(), `after a kill ${point.name}: a listing misses no record`)
  }
  const last = new CliProcess(args, stack.env)
  await last.waitFor('the removal of the replaced files', () => last.logs().some((l) => l.msg === 'compaction: replaced files removed, _SUCCESS written'))
  const end = await last.stop()
  assert.equal(end.code, 0, `the last run stops cleanly\n${last.tail()}`)
  const v = await views()
  assertExactlyOnce(v.spark, messages, 'after the removal: via _spark_metadata')
  assertExactlyOnce(v.listing, messages, 'after the removal: via a plain listing')
  assert.deepEqual(v.keys.filter((k) => merged.test(k)).length, 2, `one file per directory: ${v.keys.join(' ')}`)
  assert.ok(v.keys.includes(`${out}/p=a/_SUCCESS`) && v.keys.includes(`${out}/p=b/_SUCCESS`), 'a _SUCCESS marker in each compacted directory')
  assert.deepEqual(v.keys.filter((k) => plan.test(k)), [], 'no compaction plan left')
})
