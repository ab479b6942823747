/**
 * Spark 3.5 and sluice take turns on one checkpoint and one output path (issue 10 items 1-4, 7,
 * 8), against a real Apache Kafka broker (the Java client in Spark's Kafka source does not work
 * with librdkafka's mock cluster: its AdminClient times out waiting for a node assignment).
 * One Kafka broker, one Spark session (local[2]) and the topic `pySparkTest` (3 partitions) of the
 * seed job for the whole file; the topic holds edge-case records (unicode, U+2028, control
 * characters, malformed JSON, tombstones, a 400 KB value, invalid UTF-8, timestamps crossing
 * midnight in Asia/Seoul, the session zone of both engines) and grows between the turns. The
 * records carry 2025 timestamps, so the topic has retention.ms -1 (time-based retention would
 * delete them at once).
 * Each scenario has its own checkpoint and output path; "the same values as Spark alone" is a
 * fresh Spark run over the whole topic, and `spark.read.json(path)` (which honours
 * `_spark_metadata`) is the reader.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import kafkajs from 'kafkajs'
import { startKafkaReal, type KafkaReal } from '../helpers/kafka-real.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startSpark, type SparkPeer } from '../helpers/spark-peer.js'

const TOPIC = 'pySparkTest'
const ZONE = 'Asia/Seoul'
const CONF = { 'spark.sql.session.timeZone': ZONE, 'spark.sql.shuffle.partitions': '7' }
let kafka: KafkaReal
let spark: SparkPeer
let dir: string
let producer: kafkajs.Producer
let produced = 0
/** Tags of the production phases so far (record `b12` is of phase b; the edge cases are of phase a). */
const phases = new Set<string>()
/** Outputs to compare with Spark alone in the last test (one Spark run over the whole topic). */
const outputs: { what: string; lines: string[]; phases: Set<string> }[] = []

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-spark-handover-'))
  ;[kafka, spark] = await Promise.all([startKafkaReal({ version: '3.9', topics: [{ name: TOPIC, partitions: 3, config: { 'retention.ms': '-1' } }] }), startSpark()])
  await spark.request({ op: 'conf', conf: CONF })
  producer = new kafkajs.Kafka({ brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer()
  await producer.connect()
  await produce('a', 5000, true)
})
after(async () => {
  await producer?.disconnect().catch(() => undefined)
  await Promise.allSettled([spark?.stop(), kafka?.stop()])
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Seoul midnight of 2025-07-03 is 2025-07-02T15:00:00Z; the records straddle it. */
const MIDNIGHT_SEOUL = Date.UTC(2025, 6, 2, 15, 0, 0)

function edgeValues(): (Buffer | null)[] {
  return [
    Buffer.from('{"message":"한글 ünïcødé 😀"}'),
    Buffer.from('{"message":"raw\u2028sep and escaped \\u2029"}'),
    Buffer.from('{"message":"ctl \\u0001\\u001f\\t\\n \\"q\\" \\\\"}'),
    Buffer.from('{"message":'),
    Buffer.from('not json at all'),
    null,
    Buffer.from(JSON.stringify({ message: 'x'.repeat(400 * 1024) })),
    Buffer.from("{'message':'single quotes'}"),
    Buffer.from('{"message":123,"other":NaN}'),
    Buffer.from('{"other":1}'),
    Buffer.concat([Buffer.from('{"message":"bad '), Buffer.from([0xff, 0xc3]), Buffer.from('utf8"}')]),
    Buffer.from(''),
  ]
}

/** Produces `n` records named `<tag><i>` over the 3 partitions (plus the edge cases). */
async function produce(tag: string, n: number, edges = false): Promise<void> {
  const values: (Buffer | null)[] = []
  for (let i = 0; i < n; i++) values.push(Buffer.from(JSON.stringify({ message: `${tag}${i}` })))
  if (edges) values.splice(n / 2, 0, ...edgeValues())
  const start = MIDNIGHT_SEOUL - Math.floor(values.length / 2) * 7
  const byPartition: kafkajs.Message[][] = [[], [], []]
  values.forEach((value, i) => byPartition[i % 3]!.push({ value, timestamp: String(start + i * 7) }))
  for (let p = 0; p < 3; p++) {
    const msgs = byPartition[p]!
    for (let i = 0; i < msgs.length; i += 500) {
      await producer.send({ topic: TOPIC, messages: msgs.slice(i, i + 500).map((m) => ({ ...m, partition: p })) })
    }
  }
  produced += values.length
  phases.add(tag)
}

interface Paths {
  out: string
  checkpoint: string
  job: string
}

async function paths(name: string, conf: Record<string, string> = {}): Promise<Paths> {
  const out = join(dir, name, 'out')
  const checkpoint = join(dir, name, 'checkpoint')
  const job = join(dir, `${name}.yaml`)
  const confLines = Object.entries({ ...CONF, ...conf })
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')
  // examples/streaming-test.yaml with file:// paths and the test's conf.
  await writeFile(
    job,
    `name: StreamingTest
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${TOPIC}
  startingOffsets: earliest
  maxOffsetsPerTrigger: 2000
schema: message STRING
select:
  - json_data.*
  - timestamp AS kafka_timestamp
  - date_format(timestamp, 'yyyy-MM-dd') AS dt
  - date_format(timestamp, 'yyyy-MM-dd-HH') AS dth
sink:
  format: json
  path: file://${out}/
  checkpointLocation: file://${checkpoint}/
  partitionBy: [dt, dth]
  coalesce: 3
  trigger: 2 seconds
  outputMode: append
conf:
${confLines}
metrics:
  enabled: false
`,
  )
  return { out, checkpoint, job }
}

async function runSpark(p: Paths, batches: number | null, conf: Record<string, string> = {}): Promise<string[]> {
  if (Object.keys(conf).length > 0) await spark.request({ op: 'conf', conf })
  const r = await spark.request<{ progress: string[] }>({
    op: 'stream',
    bootstrap: kafka.bootstrap,
    path: `file://${p.out}`,
    checkpoint: `file://${p.checkpoint}`,
    batches,
  })
  return r.progress
}

/** sluice drains what is there (trigger availableNow, as `sluice run --trigger availableNow`). */
async function runSluice(p: Paths): Promise<{ code: number | null; batches: number[]; stderr: string; stdout: string }> {
  const r = await runCli(['run', p.job, '--trigger', 'availableNow'], { KAFKA_BOOTSTRAP: kafka.bootstrap })
  const batches = logLines(r.stdout)
    .filter((l) => l.msg === 'batch committed')
    .map((l) => l.batchId as number)
  return { code: r.code, batches, stderr: r.stderr, stdout: r.stdout }
}

async function readJson(p: Paths): Promise<string[]> {
  return (await spark.request<{ lines: string[] }>({ op: 'read_json', path: `file://${p.out}` })).lines
}


function batchIds(progress: string[]): number[] {
  return [...new Set(progress.map((j) => (JSON.parse(j) as { batchId: number }).batchId))]
}

/** Every produced record exactly once; the values are compared with Spark alone in the last test. */
function assertExactlyOnce(got: string[], what: string): void {
  assert.equal(got.length, produced, `${what}: every produced record exactly once (${produced})`)
  assert.equal(new Set(got).size, got.length, `${what}: no row twice`)
  outputs.push({ what, lines: got, phases: new Set(phases) })
}

function phaseOf(line: string): string {
  const m = /^([a-z])\d+$/.exec(String((JSON.parse(line) as { message?: unknown }).message))
  return m === null ? 'a' : m[1]!
}

async function offsetsMeta(p: Paths, n: number): Promise<{ conf: Record<string, string> }> {
  const text = await readFile(join(p.checkpoint, 'offsets', String(n)), 'utf8')
  return JSON.parse(text.split('\n')[1]!) as { conf: Record<string, string> }
}

test('Spark, then sluice, then Spark on one checkpoint: every record exactly once, as Spark alone writes it', { timeout: 600_000 }, async () => {
  const p = await paths('spark-first')
  const first = await runSpark(p, 1)
  assert.deepEqual(batchIds(first).slice(0, 1), [0])
  const s = await runSluice(p)
  assert.equal(s.code, 0, s.stderr)
  assert.ok(s.batches.length >= 1 && s.batches[0]! >= 1, `sluice continues after Spark's batch: ${s.batches}`)
  await produce('b', 600)
  const again = await runSpark(p, null)
  const ids = batchIds(again)
  assert.ok(ids.length >= 1 && ids[0]! > s.batches.at(-1)!, `Spark continues after sluice's last batch ${s.batches.at(-1)}: ${ids}`)
  assertExactlyOnce(await readJson(p), 'Spark → sluice → Spark')

  // Item 7: offsets/N holds the job's conf as Spark's does, with Spark's keys in Spark's order.
  const sparkConf = (await offsetsMeta(p, 0)).conf
  const sluiceConf = (await offsetsMeta(p, s.batches[0]!)).conf
  assert.equal(sparkConf['spark.sql.shuffle.partitions'], '7', "Spark writes the session's value")
  const sluiceSparkKeys = Object.keys(sluiceConf).filter((k) => k in sparkConf)
  assert.deepEqual(sluiceSparkKeys, Object.keys(sparkConf), 'the same keys, in the same order')
  for (const k of Object.keys(sparkConf)) assert.equal(sluiceConf[k], sparkConf[k], k)
})

test('sluice, then Spark, then sluice on one checkpoint: the same', { timeout: 600_000 }, async () => {
  const p = await paths('sluice-first')
  const s1 = await runSluice(p)
  assert.equal(s1.code, 0, s1.stderr)
  assert.equal(s1.batches[0], 0)
  await produce('c', 600)
  const sp = batchIds(await runSpark(p, null))
  assert.ok(sp[0]! > s1.batches.at(-1)!, `Spark continues after sluice: ${sp}`)
  await produce('d', 600)
  const s2 = await runSluice(p)
  assert.equal(s2.code, 0, s2.stderr)
  assert.ok(s2.batches[0]! > sp.at(-1)!, `sluice continues after Spark: ${s2.batches}`)
  assertExactlyOnce(await readJson(p), 'sluice → Spark → sluice')
})

test('a batch in offsets/N but not in commits/N is re-run by the other engine with the same range', { timeout: 600_000 }, async () => {
  const p = await paths('rerun')
  await runSpark(p, null)
  // Spark "crashed" after offsets/N: its sink commit and commits/N are gone (its files stay as orphans).
  const last = Math.max(...(await readdir(join(p.checkpoint, 'offsets'))).map(Number).filter(Number.isInteger))
  const before = await readFile(join(p.checkpoint, 'offsets', String(last)), 'utf8')
  await rm(join(p.checkpoint, 'commits', String(last)))
  await rm(join(p.out, '_spark_metadata', String(last)))
  const s = await runSluice(p)
  assert.equal(s.code, 0, s.stderr)
  assert.equal(s.batches[0], last, 'sluice re-runs batch N')
  const rerun = logLines(s.stdout).find((l) => l.msg === 'batch committed' && l.batchId === last)
  assert.ok(rerun, 'batch N committed by sluice')
  assert.equal(await readFile(join(p.checkpoint, 'offsets', String(last)), 'utf8'), before, 'offsets/N is not rewritten')
  assertExactlyOnce(await readJson(p), 'Spark crash, sluice re-run')

  // And the other way: sluice "crashed" after offsets/N; Spark re-runs exactly offsets/N-1 → offsets/N.
  await produce('e', 600)
  const s2 = await runSluice(p)
  assert.equal(s2.code, 0, s2.stderr)
  const n = s2.batches.at(-1)!
  await rm(join(p.checkpoint, 'commits', String(n)))
  await rm(join(p.out, '_spark_metadata', String(n)))
  const progress = (await runSpark(p, null)).map((j) => JSON.parse(j) as { batchId: number; sources: { startOffset: unknown; endOffset: unknown }[] })
  const redo = progress.find((x) => x.batchId === n)
  assert.ok(redo, `Spark re-runs batch ${n}: ${progress.map((x) => x.batchId)}`)
  const prevOffsets = JSON.parse((await readFile(join(p.checkpoint, 'offsets', String(n - 1)), 'utf8')).split('\n')[2]!) as unknown
  const endOffsets = JSON.parse((await readFile(join(p.checkpoint, 'offsets', String(n)), 'utf8')).split('\n')[2]!) as unknown
  assert.deepEqual(redo.sources[0]!.startOffset, prevOffsets)
  assert.deepEqual(redo.sources[0]!.endOffset, endOffsets)
  assertExactlyOnce(await readJson(p), 'sluice crash, Spark re-run')
})

test("_spark_metadata compaction written by one engine is read by the other (compactInterval 2 for both)", { timeout: 600_000 }, async () => {
  const conf = { 'spark.sql.streaming.fileSink.log.compactInterval': '2' }
  const p = await paths('compact', conf)
  await runSpark(p, 2, conf)
  await produce('f', 4000)
  const s = await runSluice(p)
  assert.equal(s.code, 0, s.stderr)
  assert.ok(s.batches.length >= 2, `sluice runs at least two batches: ${s.batches}`)
  await produce('h', 600)
  await runSpark(p, null)
  await spark.request({ op: 'conf', conf: { 'spark.sql.streaming.fileSink.log.compactInterval': '10' } })
  const log = await readdir(join(p.out, '_spark_metadata'))
  const compacts = log.filter((f) => f.endsWith('.compact')).map((f) => Number(f.split('.')[0])).sort((a, b) => a - b)
  const maxBatch = Math.max(...log.map((f) => Number(f.split('.')[0])))
  assert.deepEqual(compacts, Array.from({ length: Math.floor((maxBatch + 1) / 2) }, (_, i) => 2 * i + 1), `compactions: ${log}`)
  const sluiceCompact = compacts.find((c) => s.batches.includes(c))
  assert.ok(sluiceCompact !== undefined, `sluice wrote a compaction: ${compacts} / ${s.batches}`)
  const text = await readFile(join(p.out, '_spark_metadata', `${sluiceCompact}.compact`), 'utf8')
  assert.ok(text.split('\n').length > 2 * 3, 'the compaction holds the earlier batches (written by Spark) too')
  assertExactlyOnce(await readJson(p), 'compacted log across engines')
})

test('the silent stall: checkpoint deleted, _spark_metadata kept: Spark writes nothing and says nothing; sluice refuses', { timeout: 600_000 }, async () => {
  const p = await paths('stall')
  await runSpark(p, null)
  const rowsBefore = await readJson(p)
  const logBefore = (await readdir(join(p.out, '_spark_metadata'))).sort()
  await produce('g', 300)
  await rm(p.checkpoint, { recursive: true, force: true })
  // No error: runSpark rejects when the query fails.
  const progress = (await runSpark(p, null)).map((j) => JSON.parse(j) as { batchId: number; sources: { endOffset: Record<string, Record<string, number>> }[] })
  const end = progress.at(-1)!.sources[0]!.endOffset[TOPIC]!
  const consumed = Object.values(end).reduce((a, b) => a + b, 0)
  assert.equal(consumed, produced, 'Spark ran its batches over the whole topic, new records included')
  const commits = await readdir(join(p.checkpoint, 'commits'))
  assert.ok(commits.length >= progress.length, `and committed them in its new checkpoint: ${commits}`)
  assert.deepEqual((await readdir(join(p.out, '_spark_metadata'))).sort(), logBefore, 'Spark added nothing to _spark_metadata')
  assert.equal((await readJson(p)).length, rowsBefore.length, 'Spark wrote none of the new records, and raised no error')

  await rm(p.checkpoint, { recursive: true, force: true })
  const s = await runSluice(p)
  assert.notEqual(s.code, 0)
  assert.match(s.stderr + s.stdout, /SLUICE_CHECKPOINT_MISMATCH/)
  assert.equal((await readJson(p)).length, rowsBefore.length, 'sluice wrote nothing either, but said why')
})

test("sluice's progress JSON has every field of Spark's, in Spark's order and number formats", { timeout: 300_000 }, async () => {
  const p = await paths('progress')
  const sparkProgress = (await runSpark(p, 1))[0]!
  const { startQuery } = await import('../../src/query/index.js')
  const { progressJson } = await import('../../src/query/index.js')
  const { loadJob } = await import('../../src/config/index.js')
  const q = await startQuery(await loadJob(p.job, { env: { KAFKA_BOOTSTRAP: kafka.bootstrap }, trigger: 'availableNow' }))
  const texts: string[] = []
  q.on('progress', (x) => texts.push(progressJson(x)))
  await q.awaitTermination()
  assert.ok(texts.length > 0)
  const shape = (text: string): string[] => {
    // Key paths with the JSON type of each value: numbers as int or double (Java prints a double with a '.' or 'E').
    const out: string[] = []
    const walk = (v: unknown, path: string, raw: string): void => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const k of Object.keys(v)) if (k !== 'sluice') walk((v as Record<string, unknown>)[k], `${path}.${k}`, raw)
      } else out.push(`${path}:${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`)
    }
    walk(JSON.parse(text), '', text)
    // name: null for Spark (the seed sets no queryName); sluice names the query (top-level `name`).
    return out.filter((k) => !/\.(startOffset|endOffset|latestOffset)\./.test(k) && !k.startsWith('.name:'))
  }
  assert.deepEqual(shape(texts[0]!), shape(sparkProgress), `Spark: ${sparkProgress}\nsluice: ${texts[0]}`)
  assert.equal((JSON.parse(sparkProgress) as { name: unknown }).name, null)
  for (const key of ['inputRowsPerSecond', 'processedRowsPerSecond']) {
    const re = new RegExp(`"${key}":(-?[0-9.E-]+)`)
    assert.match(sparkProgress.match(re)![1]!, /[.E]/, `Spark prints ${key} as a Java double`)
    assert.match(texts[0]!.match(re)![1]!, /[.E]/, `sluice prints ${key} as a Java double`)
  }
})

test('every output above has the rows and values of Spark alone over the same records', { timeout: 300_000 }, async () => {
  assert.ok(outputs.length >= 5, `outputs to compare: ${outputs.map((o) => o.what)}`)
  const p = await paths('spark-alone')
  await runSpark(p, null)
  const reference = await readJson(p)
  assert.equal(reference.length, produced)
  for (const o of outputs) {
    const want = reference.filter((l) => o.phases.has(phaseOf(l)))
    assert.equal(o.lines.length, want.length, o.what)
    const diff = o.lines.filter((l, i) => l !== want[i])
    assert.equal(diff.length, 0, `${o.what}: rows differ from Spark alone, e.g. ${diff.slice(0, 3).join('\n').slice(0, 600)}`)
  }
})
