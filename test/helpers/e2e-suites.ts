/**
 * The end-to-end checks every broker must pass, shared by the librdkafka mock and a real Apache
 * Kafka (one broker per test file; see startStackOn in stack.ts):
 *
 * - seedJobSuite: the seed job file, unchanged: a backlog spanning several hours, drained with
 *   `--trigger availableNow`, then checked record by record against what Kafka holds (read
 *   independently with kcat), through `_spark_metadata` and through a plain listing;
 * - crashSuite: while a load generator keeps producing, sluice is killed with SIGKILL at random
 *   moments many times, then run to completion; every record exactly once, both readers.
 *
 *   seedJobSuite('mock', { records: 100_000 })  // test/integration/e2e-seed-job.test.ts
 *   seedJobSuite('4', { records: 20_000 })      // test/integration/e2e-seed-job-real.test.ts
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { OutputReader, type OutputRow } from './output-reader.js'
import { downloadAll, parquetRows } from './parquet-readers.js'
import { eventually } from './eventually.js'
import { logLines, readTopicWithKcat, repoRoot, runCli, spawnCli, type ProducedRecord } from './sluice-process.js'
import { type BrokerKind, type KafkaUnderTest, type Stack, startStackOn } from './stack.js'

const SEED_JOB = join(repoRoot, 'examples', 'streaming-test.yaml')

const CRASH_JOB = `
name: crash
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: crash
  startingOffsets: earliest
  maxOffsetsPerTrigger: 4000
schema: message STRING
select:
  - json_data.*
  - timestamp AS kafka_timestamp
  - date_format(timestamp, 'yyyy-MM-dd') AS dt
  - date_format(timestamp, 'yyyy-MM-dd-HH') AS dth
sink:
  path: s3a://crash-test/out/
  checkpointLocation: s3a://crash-test/checkpoint/
  partitionBy: [dt, dth]
  coalesce: 2
  trigger: 100 ms
conf:
  spark.sql.session.timeZone: UTC
  spark.sql.streaming.fileSink.log.compactInterval: 5
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: 2
metrics:
  port: 0
`

export function seedJobSuite(broker: BrokerKind, o: { records?: number; hours?: number } = {}): void {
  const RECORDS = o.records ?? 200_000
  const HOURS = o.hours ?? 5
  let stack: Stack<KafkaUnderTest>
  before(async () => {
    stack = await startStackOn(broker, { topics: [{ name: 'pySparkTest', partitions: 10 }], buckets: ['sensor-test'] })
  })
  after(async () => {
    await stack?.stop()
  })
  const labelOf = (): string => (broker === 'mock' ? 'librdkafka mock' : `Apache Kafka ${broker}`)

  function utcParts(ms: number): { dt: string; dth: string; iso: string } {
    const iso = new Date(ms).toISOString()
    return { dt: iso.slice(0, 10), dth: `${iso.slice(0, 10)}-${iso.slice(11, 13)}`, iso: iso.replace(/Z$/, 'Z') }
  }

  function checkExactlyOnce(rows: OutputRow[], produced: Map<string, ProducedRecord>, via: string): void {
    assert.equal(rows.length, produced.size, `${via}: row count`)
    const seen = new Set<string>()
    for (const row of rows) {
      const obj = JSON.parse(row.line) as { message: string; kafka_timestamp: string }
      assert.deepEqual(Object.keys(obj), ['message', 'kafka_timestamp'], `${via}: columns in select order, partition columns left out`)
      assert.ok(!seen.has(obj.message), `${via}: duplicate record ${obj.message}`)
      seen.add(obj.message)
      const rec = produced.get(obj.message)
      assert.ok(rec !== undefined, `${via}: record not produced: ${obj.message}`)
      const want = utcParts(rec.timestamp)
      assert.equal(obj.kafka_timestamp, want.iso, `${via}: kafka_timestamp of ${obj.message}`)
      assert.equal(row.dir, `dt=${want.dt}/dth=${want.dth}`, `${via}: partition directory of ${obj.message}`)
    }
  }

  test(`seed job drains a multi-hour backlog exactly once, per _spark_metadata and per plain listing (${labelOf()})`, { timeout: 600_000 }, async () => {
    const gen = await runCli(
      ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'pySparkTest', '--partitions', '10', '--count', String(RECORDS), '--time-span-hours', String(HOURS)],
      stack.env,
    )
    assert.equal(gen.code, 0, gen.stderr)

    const produced = new Map<string, ProducedRecord>()
    for (const r of await readTopicWithKcat(stack.kafka.bootstrap, 'pySparkTest')) {
      produced.set((JSON.parse(r.value) as { message: string }).message, r)
    }
    assert.equal(produced.size, RECORDS, 'kcat reads back every produced record, each message unique')
    const hours = new Set([...produced.values()].map((r) => utcParts(r.timestamp).dth))
    assert.ok(hours.size >= HOURS, `records span ${hours.size} hours`)

    const run = await runCli(['run', SEED_JOB, '--trigger', 'availableNow'], stack.env, 540_000)
    assert.equal(run.code, 0, `sluice exited ${run.code}: ${run.stderr}`)
    const batches = logLines(run.stdout).filter((l) => l.msg === 'batch committed')
    // maxOffsetsPerTrigger: 2000 holds under availableNow: at least RECORDS / 2000 batches, none above the cap.
    assert.ok(batches.length >= RECORDS / 2000, `${batches.length} batches`)
    for (const b of batches) assert.ok((b.rows as number) <= 2000, `batch ${b.batchId} has ${b.rows} rows`)

    const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'sensor-test', prefix: 'StreamingTest/' })
    try {
      checkExactlyOnce(await reader.viaSparkMetadata(), produced, '_spark_metadata')
      checkExactlyOnce(await reader.viaListing(), produced, 'plain listing')
      // coalesce: 3 → at most 3 files per partition directory per batch.
      const logs = await reader.list('StreamingTest/_spark_metadata/')
      assert.ok(logs.some((l) => l.key.endsWith('9.compact')), 'the sink log was compacted at batch 9')
      for (const l of logs.filter((x) => !x.key.endsWith('.compact'))) {
        const text = await reader.getText(l.key)
        const perDir = new Map<string, number>()
        for (const line of text.split('\n').slice(1)) {
          if (line === '') continue
          const path = (JSON.parse(line) as { path: string }).path
          const dir = path.slice(0, path.lastIndexOf('/'))
          perDir.set(dir, (perDir.get(dir) ?? 0) + 1)
        }
        for (const [dir, n] of perDir) assert.ok(n <= 3, `${l.key}: ${n} files in ${dir}`)
      }
      // The checkpoint is Spark's: metadata, offsets/N, commits/N for the last batch.
      const last = batches.at(-1)!.batchId as number
      const ckpt = await reader.list('StreamingTest_checkpoint/')
      const names = new Set(ckpt.map((o) => o.key.slice('StreamingTest_checkpoint/'.length)))
      for (const n of ['metadata', `offsets/${last}`, `commits/${last}`, 'sources/0/0']) assert.ok(names.has(n), `checkpoint has ${n}`)
      const offsets = (await reader.getText(`StreamingTest_checkpoint/offsets/${last}`)).split('\n')
      assert.equal(offsets[0], 'v1')
      const end = JSON.parse(offsets[2]!) as Record<string, Record<string, number>>
      let total = 0
      for (const v of Object.values(end.pySparkTest!)) total += v
      assert.equal(total, RECORDS, 'the last offsets/N ends at the end of every partition')
    } finally {
      reader.close()
    }

    // Restart on a finished checkpoint: no new data, no new batch, exit 0.
    const again = await runCli(['run', SEED_JOB, '--trigger', 'availableNow'], stack.env, 120_000)
    assert.equal(again.code, 0, again.stderr)
    assert.equal(logLines(again.stdout).filter((l) => l.msg === 'batch committed').length, 0)
  })
}

/**
 * `minRunMs`: the shortest time a run lives before its kill; `killAfterBatch`: kill each run at a
 * random moment within 1.5 s after its first committed batch instead (start-up beside a JVM
 * broker on a loaded machine takes longer than the random window). `rateTolerance`: loadgen's --rate-tolerance; a real broker's JVM beside sluice on a loaded
 * 2-core machine may fall behind the rate, which this test does not measure (it checks that
 * every record was produced and lands once).
 */
export function crashSuite(
  broker: BrokerKind,
  o: { kills?: number; records?: number; rate?: number; rateTolerance?: number; minRunMs?: number; killAfterBatch?: boolean; format?: 'parquet' } = {},
): void {
  // Each run lives minRunMs plus up to 2.5 s: long enough past start-up to be inside a batch.
  const minRunMs = o.minRunMs ?? 700
  const kills = o.kills ?? 12
  const RECORDS = o.records ?? 80_000
  const RATE = o.rate ?? 4000
  let stack: Stack<KafkaUnderTest>
  let dir: string
  before(async () => {
    stack = await startStackOn(broker, { topics: [{ name: 'crash', partitions: 6 }], buckets: ['crash-test'] })
    dir = await mkdtemp(join(tmpdir(), 'sluice-crash-'))
  })
  after(async () => {
    await stack?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })
  const labelOf = (): string => (broker === 'mock' ? 'librdkafka mock' : `Apache Kafka ${broker}`)


  function messages(rows: OutputRow[]): string[] {
    return rows.map((r) => (JSON.parse(r.line) as { message: string }).message)
  }

  /** The messages a Spark reader (`_spark_metadata`) or a plain listing sees; Parquet files read by pyarrow. */
  async function messagesVia(reader: OutputReader, via: '_spark_metadata' | 'plain listing'): Promise<string[]> {
    const spark = via === '_spark_metadata'
    if (o.format !== 'parquet') return messages(spark ? await reader.viaSparkMetadata() : await reader.viaListing())
    const keys = spark ? (await reader.committedPaths()).map((p) => reader.keyOfPath(p)) : await reader.listedKeys()
    const files = await downloadAll(reader, keys, join(dir, spark ? 'via-log' : 'via-listing'))
    return (await parquetRows('pyarrow', files, ['message'])).map((r) => String(r.message))
  }

  test(`SIGKILL at ${kills} random moments while data flows loses and duplicates nothing (${labelOf()}${o.format === undefined ? '' : `, format ${o.format}`})`, { timeout: 600_000 }, async () => {
    const jobFile = join(dir, 'crash.yaml')
    await writeFile(jobFile, o.format === 'parquet' ? CRASH_JOB.replace('sink:\n', 'sink:\n  format: parquet\n') : CRASH_JOB)
    // Producing goes on while sluice is killed and restarted.
    const loadgen = spawnCli(
      ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'crash', '--partitions', '6', '--rate', String(RATE), '--count', String(RECORDS), '--time-span-hours', '3',
        ...(o.rateTolerance === undefined ? [] : ['--rate-tolerance', String(o.rateTolerance)])],
      stack.env,
    )
    const loadgenDone = new Promise<number | null>((resolve) => loadgen.once('exit', resolve))

    let seed = 12345
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    let killedMidBatch = 0
    for (let i = 0; i < kills; i++) {
      const child = spawnCli(['run', jobFile], stack.env)
      let out = ''
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString()
      })
      child.stderr!.on('data', (b: Buffer) => {
        out += b.toString()
      })
      const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      if (o.killAfterBatch) {
        // Kill at a random moment after the run's first commit (inside the batches that follow),
        // or after 10 s when no batch came (the backlog is drained).
        const t0 = Date.now()
        await eventually(`run ${i}'s first batch or 10 s`, () => Date.now() - t0 > 10_000 || child.exitCode !== null || logLines(out).some((l) => l.msg === 'batch committed'), 30_000)
        await new Promise((r) => setTimeout(r, Math.floor(random() * 1500)))
      } else {
        await new Promise((r) => setTimeout(r, minRunMs + Math.floor(random() * 2500)))
      }
      child.kill('SIGKILL')
      await exit
      const lines = logLines(out)
      assert.ok(!lines.some((l) => l.msg === 'query failed'), `run ${i} failed on its own: ${out.slice(-2000)}`)
      if (lines.some((l) => l.msg === 're-running batch that was not committed, with its recorded offsets')) killedMidBatch++
    }
    assert.equal(await loadgenDone, 0, 'load generator finished')

    const final = await runCli(['run', jobFile, '--trigger', 'availableNow'], stack.env, 300_000)
    assert.equal(final.code, 0, final.stderr)

    const produced = (await readTopicWithKcat(stack.kafka.bootstrap, 'crash')).map((r) => (JSON.parse(r.value) as { message: string }).message)
    assert.equal(produced.length, RECORDS)
    const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'crash-test', prefix: 'out/' })
    try {
      for (const via of ['_spark_metadata', 'plain listing'] as const) {
        const got = await messagesVia(reader, via)
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
    // The kills must actually have hit batches in flight, or the test proves nothing.
    assert.ok(killedMidBatch > 0, 'at least one restart re-ran a batch a kill interrupted')
  })
}
