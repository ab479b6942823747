/**
 * sluice as a user runs it, against a real 3-node Apache Kafka (the newest 4.x line) and s3rver:
 * while it drains a replicated topic in many small batches, one partition's leader is moved
 * (reassignment + preferred election) and another partition's leader broker is killed with
 * kill -9 and started again. Every produced record must land exactly once (through
 * _spark_metadata and through a plain listing): batches in flight complete or are re-run.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { OutputReader } from '../helpers/output-reader.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle, startS3rver } from '../helpers/s3rver.js'
import { logLines, readTopicWithKcat, runCli, spawnCli } from '../helpers/sluice-process.js'

const TOPIC = 'moves'
let kafka: KafkaReal
let s3: S3rverHandle
let dir: string
let env: Record<string, string>

before(async () => {
  ;[kafka, s3] = await Promise.all([
    startKafkaReal({ brokers: 3, topics: [{ name: TOPIC, partitions: 4, replication: 3 }] }),
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

test('leader moved and leader broker killed mid-drain: every record lands exactly once', { timeout: 600_000 }, async () => {
  const jobFile = join(dir, 'moves.yaml')
  await writeFile(jobFile, JOB)
  const gen = await runCli(['loadgen', '--bootstrap', kafka.bootstrap, '--topic', TOPIC, '--partitions', '4', '--rate', '0', '--count', '40000'], env, 300_000)
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
  assert.ok(rowsAtKill < 40_000, `the drain was over before the broker was killed (${rowsAtKill} rows)`)
  const t1 = Date.now()
  while (rows() <= rowsAtKill && Date.now() - t1 < 120_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
  assert.ok(rows() > rowsAtKill, `no batch committed after the kill: ${out.slice(-3000)}`)
  assert.equal(child.exitCode, null, `sluice stopped on its own during the faults: ${out.slice(-3000)}`)
  child.kill('SIGTERM')
  await exited
  assert.ok(!logLines(out).some((l) => l.msg === 'query failed'), out.slice(-3000))

  const final = await runCli(['run', jobFile, '--trigger', 'availableNow'], env, 300_000)
  assert.equal(final.code, 0, final.stderr)

  const produced = (await readTopicWithKcat(kafka.bootstrap, TOPIC)).map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.equal(produced.length, 40_000)
  const reader = new OutputReader({ endpoint: s3.endpoint, bucket: 'moves-test', prefix: 'out/' })
  try {
    for (const [via, rows] of [
      ['_spark_metadata', await reader.viaSparkMetadata()],
      ['plain listing', await reader.viaListing()],
    ] as const) {
      const got = rows.map((r) => (JSON.parse(r.line) as { message: string }).message)
      const counts = new Map<string, number>()
      for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1)
      const dup = [...counts].filter(([, n]) => n > 1)
      const missing = produced.filter((m) => !counts.has(m))
      assert.deepEqual(dup.slice(0, 5), [], `${via}: ${dup.length} records duplicated`)
      assert.deepEqual(missing.slice(0, 5), [], `${via}: ${missing.length} records missing`)
      assert.equal(got.length, produced.length, `${via}: row count`)
    }
  } finally {
    reader.close()
  }
})
