/**
 * Past one machine: three sluice processes, each `source.shard: "<i>/3"` with its own checkpoint
 * and output prefix (`out/shard=<i>/`), read one 8-partition topic at the same time. Every
 * produced record must land exactly once across them (through each shard's `_spark_metadata`, and
 * through one plain listing of `out/` as Athena/Trino would read the union), each shard must hold
 * only its own partitions, and a second round resumes each shard from its own checkpoint.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { OutputReader, type OutputRow } from '../helpers/output-reader.js'
import { readTopicWithKcat, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const SHARDS = 3
const PARTITIONS = 8
let stack: Stack
let dir: string
before(async () => {
  stack = await startStack({ topics: [{ name: 'sharded', partitions: PARTITIONS }], buckets: ['shards-test'] })
  dir = await mkdtemp(join(tmpdir(), 'sluice-shards-'))
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function jobFor(shard: number): string {
  return `
name: sharded
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: sharded
  shard: "${shard}/${SHARDS}"
  startingOffsets: earliest
  maxOffsetsPerTrigger: 3000
schema: message STRING
select:
  - json_data.*
  - partition AS kafka_partition
  - offset AS kafka_offset
  - date_format(timestamp, 'yyyy-MM-dd') AS dt
sink:
  path: s3a://shards-test/out/shard=${shard}/
  checkpointLocation: s3a://shards-test/checkpoint/shard-${shard}/
  partitionBy: [dt]
  coalesce: 2
  trigger: 100 ms
conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: 1
metrics:
  port: 0
`
}

async function produce(count: number, seed: number): Promise<void> {
  const r = await runCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'sharded', '--partitions', String(PARTITIONS), '--rate', '0', '--count', String(count), '--time-span-hours', '30', '--seed', String(seed)],
    stack.env,
  )
  assert.equal(r.code, 0, r.stderr)
}

async function drainAllShards(jobs: string[]): Promise<void> {
  const runs = await Promise.all(jobs.map((job) => runCli(['run', job, '--trigger', 'availableNow'], stack.env, 300_000)))
  runs.forEach((r, i) => assert.equal(r.code, 0, `shard ${i}: ${r.stderr.slice(-2000)}`))
}

type Row = { message: string; kafka_partition: number; kafka_offset: number }
const parse = (rows: OutputRow[]): (Row & { dir: string })[] => rows.map((r) => ({ ...(JSON.parse(r.line) as Row), dir: r.dir }))

test(`${SHARDS} shards over one topic land every record exactly once, each only its own partitions`, { timeout: 600_000 }, async () => {
  const jobs: string[] = []
  for (let i = 0; i < SHARDS; i++) {
    jobs.push(join(dir, `shard-${i}.yaml`))
    await writeFile(jobs[i]!, jobFor(i))
  }
  await produce(4000, 1)
  await drainAllShards(jobs)
  await produce(2000, 2) // the second round resumes every shard from its own checkpoint
  await drainAllShards(jobs)

  const produced = await readTopicWithKcat(stack.kafka.bootstrap, 'sharded')
  assert.equal(produced.length, 6000)
  assert.equal(new Set(produced.map((r) => r.partition)).size, PARTITIONS, 'records spread over every partition')
  const key = (p: number, o: number): string => `${p}:${o}`
  const want = new Set(produced.map((r) => key(r.partition, r.offset)))

  const all = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'shards-test', prefix: 'out/' })
  try {
    // Each shard's own Spark view: only partitions p with p mod 3 = shard.
    const viaMetadata: Row[] = []
    for (let i = 0; i < SHARDS; i++) {
      const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'shards-test', prefix: `out/shard=${i}/` })
      try {
        const rows = parse(await reader.viaSparkMetadata())
        assert.ok(rows.length > 0, `shard ${i} wrote rows`)
        const foreign = rows.filter((r) => r.kafka_partition % SHARDS !== i)
        assert.deepEqual(foreign.slice(0, 3), [], `shard ${i} holds only its own partitions`)
        viaMetadata.push(...rows)
      } finally {
        reader.close()
      }
    }
    // The union as a plain listing of out/ sees (Athena, Trino, Spark reading the parent path).
    const viaListing = parse(await all.viaListing())
    for (const [via, rows] of [['each shard\'s _spark_metadata', viaMetadata], ['a listing of out/', viaListing]] as const) {
      const counts = new Map<string, number>()
      for (const r of rows) counts.set(key(r.kafka_partition, r.kafka_offset), (counts.get(key(r.kafka_partition, r.kafka_offset)) ?? 0) + 1)
      const dup = [...counts].filter(([, n]) => n > 1)
      const missing = [...want].filter((k) => !counts.has(k))
      const extra = [...counts.keys()].filter((k) => !want.has(k))
      assert.deepEqual(dup.slice(0, 5), [], `${via}: ${dup.length} records duplicated`)
      assert.deepEqual(missing.slice(0, 5), [], `${via}: ${missing.length} records missing`)
      assert.deepEqual(extra, [], `${via}: records that were never produced`)
      assert.equal(rows.length, produced.length, `${via}: row count`)
    }
    const byMessage = new Map(produced.map((r) => [key(r.partition, r.offset), (JSON.parse(r.value) as { message: string }).message]))
    for (const r of viaListing.slice(0, 500)) assert.equal(r.message, byMessage.get(key(r.kafka_partition, r.kafka_offset)))
    assert.ok(viaListing.every((r) => /^shard=\d\/dt=\d{4}-\d\d-\d\d$/.test(r.dir)), 'Hive-style shard=<i>/dt=<day> directories')
  } finally {
    all.close()
  }
})
