/**
 * sluice as a user runs it, against a real 3-node Apache Kafka (the newest 4.x line) and s3rver:
 * while it drains a replicated topic in many small batches, one partition's leader is moved
 * (reassignment + preferred election) and another partition's leader broker is killed with
 * kill -9 and started again. Every produced record must land exactly once (through
 * _spark_metadata and through a plain listing): batches in flight complete or are re-run.
 * On the same cluster: a partition leader paused (SIGSTOP) past kafka.request.timeout.ms, and
 * records of several MB above the fetch size limits (KIP-74).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import kafkajs from 'kafkajs'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { OutputReader } from '../helpers/output-reader.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle, startS3rver } from '../helpers/s3rver.js'
import { logLines, readTopicWithKcat, runCli, spawnCli } from '../helpers/sluice-process.js'

const TOPIC = 'moves'
const PAUSED = 'paused'
const HUGE = 'huge'
let kafka: KafkaReal
let s3: S3rverHandle
let dir: string
let env: Record<string, string>

before(async () => {
  ;[kafka, s3] = await Promise.all([
    startKafkaReal({ brokers: 3, topics: [{ name: TOPIC, partitions: 4, replication: 3 }, { name: PAUSED, partitions: 2, replication: 3 }, { name: HUGE, partitions: 1, replication: 3, config: { 'max.message.bytes': String(12 << 20) } }] }),
    startS3rver({ buckets: ['moves-test'] }),
  ])
  dir = await mkdtemp(join(tmpdir(), 'sluice-moves-'))
  env = {
    KAFKA_BOOTSTRAP: kafka.bootstrap,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
  }
})
after(async () => {
  await Promise.allSettled([kafka?.stop(), s3?.stop()])
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Every record of `topic` exactly once under `prefix`, through _spark_metadata and a plain listing. */
async function assertExactlyOnce(topic: string, prefix: string, count: number): Promise<{ message: string; pad?: string }[]> {
  const produced = (await readTopicWithKcat(kafka.bootstrap, topic)).map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.equal(produced.length, count)
  const reader = new OutputReader({ endpoint: s3.endpoint, bucket: 'moves-test', prefix })
  try {
    let landed: { message: string; pad?: string }[] = []
    for (const [via, rows] of [
      ['_spark_metadata', await reader.viaSparkMetadata()],
      ['plain listing', await reader.viaListing()],
    ] as const) {
      landed = rows.map((r) => JSON.parse(r.line) as { message: string; pad?: string })
      const got = landed.map((r) => r.message)
      const counts = new Map<string, number>()
      for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1)
      const dup = [...counts].filter(([, n]) => n > 1)
      const missing = produced.filter((m) => !counts.has(m))
      assert.deepEqual(dup.slice(0, 5), [], `${via}: ${dup.length} records duplicated`)
      assert.deepEqual(missing.slice(0, 5), [], `${via}: ${missing.length} records missing`)
      assert.equal(got.length, produced.length, `${via}: row count`)
    }
    return landed
  } finally {
    reader.close()
  }
}

const JOB = `
name: moves
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${TOPIC}
  startingOffsets: earliest
  maxOffsetsPerTrigger: 400
schema: message STRING
select:
  - json_data.*
  - date_format(timestamp, 'yyyy-MM-dd') AS dt
sink:
  path: s3a://moves-test/out/
  checkpointLocation: s3a://moves-test/checkpoint/
  partitionBy: [dt]
  coalesce: 2
  trigger: 200 ms
conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: 2
metrics:
  port: 0
`

/** 75 batches of 400: the faults land in the middle of the drain, not after it. */
const MOVES_RECORDS = 30_000

test('leader moved and leader broker killed mid-drain: every record lands exactly once', { timeout: 600_000 }, async () => {
  const jobFile = join(dir, 'moves.yaml')
  await writeFile(jobFile, JOB)
  const gen = await runCli(['loadgen', '--bootstrap', kafka.bootstrap, '--topic', TOPIC, '--partitions', '4', '--rate', '0', '--count', String(MOVES_RECORDS)], env, 300_000)
  assert.equal(gen.code, 0, gen.stderr)

  const child = spawnCli(['run', jobFile], env)
  let out = ''
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const rows = () => logLines(out).filter((l) => l.msg === 'batch committed').reduce((n, l) => n + Number(l.rows), 0)
  const batches = () => logLines(out).filter((l) => l.msg === 'batch committed').length
  // Wait until a few batches are done, then move a leader and kill another, mid-drain.
  const t0 = Date.now()
  while (batches() < 3 && Date.now() - t0 < 120_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
  const leader0 = await kafka.leaderOf(TOPIC, 0)
  await kafka.moveLeader(TOPIC, 0, leader0 === 1 ? 2 : 1)
  const leader1 = await kafka.leaderOf(TOPIC, 1)
  const rowsAtKill = rows()
  await kafka.killBroker(leader1)
  await new Promise((r) => setTimeout(r, 3000))
  await kafka.startBroker(leader1)
  // The faults hit the drain in the middle, and the same process went on reading after them.
  assert.ok(rowsAtKill < MOVES_RECORDS, `the drain was over before the broker was killed (${rowsAtKill} rows)`)
  const t1 = Date.now()
  while (rows() <= rowsAtKill && Date.now() - t1 < 120_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
  assert.ok(rows() > rowsAtKill, `no batch committed after the kill: ${out.slice(-3000)}`)
  assert.equal(child.exitCode, null, `sluice stopped on its own during the faults: ${out.slice(-3000)}`)
  child.kill('SIGTERM')
  await exited
  assert.ok(!logLines(out).some((l) => l.msg === 'query failed'), out.slice(-3000))

  // The rest drained in a few large batches (a cap changed between runs applies to new batches,
  // as in Spark; a batch left in offsets/N is re-run with its recorded range).
  const drainFile = join(dir, 'moves-drain.yaml')
  await writeFile(drainFile, JOB.replace('maxOffsetsPerTrigger: 400', 'maxOffsetsPerTrigger: 10000'))
  const final = await runCli(['run', drainFile, '--trigger', 'availableNow'], env, 300_000)
  assert.equal(final.code, 0, final.stderr)

  await assertExactlyOnce(TOPIC, 'out/', MOVES_RECORDS)
})

const PAUSED_JOB = JOB.replace('name: moves', 'name: paused')
  .replace(`subscribe: ${TOPIC}`, `subscribe: ${PAUSED}\n  kafka.request.timeout.ms: 2000`)
  .replace('maxOffsetsPerTrigger: 400', 'maxOffsetsPerTrigger: 150')
  .replace('s3a://moves-test/out/', 's3a://moves-test/paused-out/')
  .replace('s3a://moves-test/checkpoint/', 's3a://moves-test/paused-checkpoint/')

test('partition leader unreachable past kafka.request.timeout.ms (SIGSTOP): the trigger is retried, then every record lands exactly once', { timeout: 300_000 }, async () => {
  const jobFile = join(dir, 'paused.yaml')
  await writeFile(jobFile, PAUSED_JOB)
  const gen = await runCli(['loadgen', '--bootstrap', kafka.bootstrap, '--topic', PAUSED, '--partitions', '2', '--rate', '0', '--count', '3000'], env, 300_000)
  assert.equal(gen.code, 0, gen.stderr)

  const child = spawnCli(['run', jobFile], env)
  let out = ''
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const committed = () => logLines(out).filter((l) => l.msg === 'batch committed')
  const rows = () => committed().reduce((n, l) => n + Number(l.rows), 0)
  const retries = () => logLines(out).filter((l) => l.msg === 'trigger failed with a retriable error; resuming from the checkpoint after a pause')
  const waitFor = async (what: string, ok: () => boolean, ms = 120_000): Promise<void> => {
    const t0 = Date.now()
    while (!ok() && child.exitCode === null) {
      if (Date.now() - t0 > ms) {
        const notes = logLines(out).filter((l) => l.msg !== 'batch committed').map((l) => JSON.stringify(l).slice(0, 600))
        assert.fail(`${what} did not happen within ${ms} ms (${committed().length} batches committed); other log lines:\n${notes.join('\n').slice(-6000)}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.equal(child.exitCode, null, `sluice stopped on its own while waiting until ${what}: ${out.slice(-3000)}`)
  }
  await waitFor('two batches committed', () => committed().length >= 2)
  const leader = await kafka.leaderOf(PAUSED, 0)
  const rowsAtPause = rows()
  // The JVM stays, its sockets stay open, nothing answers: only the request timeout notices. The
  // first request to hit it is usually the coordinator's (ListOffsets or Metadata, kafkajs's
  // requestTimeout), sometimes a read task's Fetch (sluice's own client); both are retriable.
  const timedOut = (l: Record<string, unknown>): boolean => /timed out/.test(String((l.err as { message?: string }).message))
  kafka.pauseBroker(leader)
  try {
    await waitFor('a trigger failed on a request timeout', () => retries().some(timedOut), 60_000)
  } finally {
    kafka.resumeBroker(leader)
  }
  assert.ok(rowsAtPause < 3000, `the drain was over before the broker was paused (${rowsAtPause} rows)`)
  const retry = retries().find(timedOut)!
  const err = retry.err as { code: string; message: string }
  assert.ok(['SLUICE_KAFKA_METADATA', 'SLUICE_KAFKA_FETCH'].includes(err.code), JSON.stringify(retry))
  assert.match(err.message, /Request (ListOffsets|Metadata)\(key: \d+, version: \d+\) timed out|request \(ApiKey 1\) timed out after 2000 ms/)
  assert.equal(retry.attempt, 1)
  await waitFor('records landed after the pause', () => rows() > rowsAtPause)
  child.kill('SIGTERM')
  await exited
  assert.ok(!logLines(out).some((l) => l.msg === 'query failed'), out.slice(-3000))

  const final = await runCli(['run', jobFile, '--trigger', 'availableNow'], env, 300_000)
  assert.equal(final.code, 0, final.stderr)
  await assertExactlyOnce(PAUSED, 'paused-out/', 3000)
})

test('records of several MB, larger than kafka.max.partition.fetch.bytes and kafka.fetch.max.bytes, land whole (KIP-74)', { timeout: 300_000 }, async () => {
  // One record batch per send: small ones around a 6 MB and a 3 MB value, on one partition.
  const pads = Array.from({ length: 9 }, (_, i) => (i === 2 ? 'a6'.repeat(3 << 20) : i === 6 ? 'b3'.repeat(3 << 19) : `small-${i}`))
  const producer = new kafkajs.Kafka({ brokers: kafka.brokers, clientId: 'huge', logLevel: kafkajs.logLevel.NOTHING }).producer()
  await producer.connect()
  try {
    for (const [i, pad] of pads.entries()) await producer.send({ topic: HUGE, acks: -1, messages: [{ value: JSON.stringify({ message: `huge-${i}`, pad }) }] })
  } finally {
    await producer.disconnect()
  }
  const jobFile = join(dir, 'huge.yaml')
  await writeFile(
    jobFile,
    JOB.replace('name: moves', 'name: huge')
      .replace(`subscribe: ${TOPIC}`, `subscribe: ${HUGE}\n  kafka.max.partition.fetch.bytes: 1048576\n  kafka.fetch.max.bytes: 1048576`)
      .replace('schema: message STRING', 'schema: message STRING, pad STRING')
      .replace('s3a://moves-test/out/', 's3a://moves-test/huge-out/')
      .replace('s3a://moves-test/checkpoint/', 's3a://moves-test/huge-checkpoint/'),
  )
  const run = await runCli(['run', jobFile, '--trigger', 'availableNow'], env, 300_000)
  assert.equal(run.code, 0, run.stderr.slice(-3000))
  const landed = await assertExactlyOnce(HUGE, 'huge-out/', pads.length)
  for (const [i, pad] of pads.entries()) {
    const row = landed.find((r) => r.message === `huge-${i}`)
    assert.equal(row?.pad?.length, pad.length, `huge-${i}: the value's length`)
    assert.ok(row.pad === pad, `huge-${i}: the value, byte for byte`)
  }
})
