/**
 * Spark's Kafka source options side by side with Spark 3.5 itself (issue 8 item 6), on one real
 * Apache Kafka (the newest 4.x line, 1 broker) and the Spark session sql-parity.test.ts shares
 * (shared-spark.ts; Spark's start-up is the slow part): the same topic read by
 * Spark's Kafka source (a batch read, which resolves starting offsets exactly as a new streaming
 * query does: KafkaOffsetReaderAdmin) and by `sluice run --trigger availableNow`, the same
 * select, compared line by line as each engine's JSON writer prints the rows:
 *
 * - includeHeaders with `headers` in select (array<struct<key:string,value:binary>>);
 * - startingTimestamp with startingOffsetsByTimestampStrategy latest, startingOffsetsByTimestamp;
 * - strategy error: both stop, with the same "No offset matched …" sentence.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import kafkajs from 'kafkajs'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { fileJob, LocalOutputReader, writeJob } from '../helpers/query-fixtures.js'
import { runCli } from '../helpers/sluice-process.js'
import { useSharedSpark } from './shared-spark.js'

const BASE = Date.UTC(2024, 0, 1)
const MINUTE = 60_000
const SCHEMA = 'message STRING'
const sparkPeer = useSharedSpark()
let kafka: KafkaReal
let dir: string

function kcat(topic: string, value: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-P', '-b', kafka.bootstrap, '-t', topic, ...args], (err, _o, stderr) => (err ? reject(new Error(`kcat: ${stderr}`)) : resolve()))
    child.stdin!.end(`${value}\n`)
  })
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-kafka-parity-'))
  kafka = await startKafkaReal({
    version: '4',
    topics: [
      { name: 'hdr', partitions: 2, config: { 'retention.ms': '-1' } },
      { name: 'ts', partitions: 3, config: { 'retention.ms': '-1' } },
    ],
  })
  const producer = new kafkajs.Kafka({ brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer()
  await producer.connect()
  try {
    await producer.send({
      topic: 'hdr',
      messages: [
        { partition: 0, value: '{"message":"two"}', headers: { trace: 'abc', n: Buffer.from([0, 1, 255]) } },
        { partition: 0, value: '{"message":"none"}' },
        { partition: 1, value: '{"message":"repeated"}', headers: { k: ['v1', 'v2'], empty: '', 'ü key': 'ünï' } },
      ],
    })
    for (const p of [0, 1]) {
      await producer.send({
        topic: 'ts',
        messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, value: `{"message":"p${p}-${i}"}`, timestamp: String(BASE + i * MINUTE) })),
      })
    }
    await producer.send({
      topic: 'ts',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 2, value: `{"message":"p2-${i}"}`, timestamp: String(BASE - 60 * MINUTE + i) })),
    })
  } finally {
    await producer.disconnect()
  }
  await kcat('hdr', '{"message":"null-value"}', ['-p', '1', '-H', 'gone', '-H', 'kept=x'])
})

after(async () => {
  await kafka?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function both(name: string, topic: string, options: Record<string, string>, select: string[]) {
  const out = join(dir, name)
  const job = await writeJob(dir, name, { ...fileJob({ name, dir: out, topic, source: { startingOffsets: 'earliest', ...options } }), schema: SCHEMA, select })
  const run = await runCli(['run', job, '--trigger', 'availableNow'], { KAFKA_BOOTSTRAP: kafka.bootstrap, S3_ENDPOINT: '' }, 120_000)
  const sluice = run.code === 0 ? (await new LocalOutputReader(join(out, 'out')).viaSparkMetadata()).map((r) => r.line).sort() : null
  const sparkAnswer = await sparkPeer()
    .request<{ lines: string[] }>({ op: 'kafka_read', bootstrap: kafka.bootstrap, topic, options: { startingOffsets: 'earliest', ...options }, schema: SCHEMA, select })
    .then((r) => ({ lines: r.lines, error: null }), (err: Error) => ({ lines: null, error: err.message }))
  return { run, sluice, spark: sparkAnswer }
}

test('includeHeaders: the headers column, written as Spark writes it', async () => {
  const r = await both('hdr', 'hdr', { includeHeaders: 'true' }, ['json_data.message', 'headers', 'partition', 'offset'])
  assert.equal(r.run.code, 0, r.run.stderr)
  assert.equal(r.spark.error, null)
  assert.equal(r.sluice!.length, 4)
  assert.ok(r.sluice!.some((l) => l.includes('"headers":[{"key":"gone"},{"key":"kept","value":"eA=="}]')), r.sluice!.join('\n'))
  assert.deepEqual(r.sluice, r.spark.lines)
})

test('startingTimestamp with strategy latest: the same rows as Spark', async () => {
  const r = await both('ts-latest', 'ts', { startingTimestamp: String(BASE + 4 * MINUTE + 30_000), startingOffsetsByTimestampStrategy: 'latest' }, ['json_data.message', 'partition', 'offset'])
  assert.equal(r.run.code, 0, r.run.stderr)
  assert.equal(r.sluice!.length, 10)
  assert.deepEqual(r.sluice, r.spark.lines)
})

test('startingOffsetsByTimestamp: the same rows as Spark', async () => {
  const ts = JSON.stringify({ ts: { 0: BASE + 8 * MINUTE, 1: BASE, 2: BASE - 60 * MINUTE + 7 } })
  const r = await both('ts-per-partition', 'ts', { startingOffsetsByTimestamp: ts }, ['json_data.message', 'partition', 'offset'])
  assert.equal(r.run.code, 0, r.run.stderr)
  assert.equal(r.sluice!.length, 2 + 10 + 3)
  assert.deepEqual(r.sluice, r.spark.lines)
})

test('startingTimestamp with strategy error: both stop with the same sentence', async () => {
  const T = BASE + 5 * MINUTE
  const r = await both('ts-error', 'ts', { startingTimestamp: String(T) }, ['json_data.message'])
  const sentence = `No offset matched from request of topic-partition ts-2 and timestamp ${T}.`
  assert.equal(r.run.code, 1)
  assert.ok(r.run.stderr.includes(sentence), r.run.stderr)
  assert.ok(r.spark.error?.includes(sentence), r.spark.error ?? 'Spark did not fail')
})
