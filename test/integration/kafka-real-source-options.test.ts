/**
 * Spark's remaining source options and the Fetch size limits, against a real Apache Kafka (the
 * 3.9 line, 1 broker), with sluice run as a user runs it:
 *
 * - startingTimestamp / startingOffsetsByTimestamp / startingOffsetsByTimestampStrategy: records
 *   produced at chosen timestamps; the first batch starts at the first offset at or after the
 *   time (Kafka's ListOffsets by timestamp), a partition with no such offset fails the start
 *   with Spark's sentence (`error`) or starts at its latest offset (`latest`); the timestamp
 *   options win over startingOffsets, and only a new checkpoint uses them.
 * - includeHeaders: a `headers` column in `select`, written as Spark writes
 *   array<struct<key:string,value:binary>> (binary as base64, a null value and a record without
 *   headers omitted, as ignoreNullFields does); Spark's own output is compared in
 *   test/spark/kafka-source-parity.test.ts.
 * - a record larger than kafka.max.partition.fetch.bytes and a batch larger than
 *   kafka.fetch.max.bytes (KIP-74: the broker returns the first batch whole), and one Fetch
 *   response carrying many batches with the last one cut short.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import kafkajs, { type Producer } from 'kafkajs'
import { BrokerConnection } from '../../src/kafka/broker-connection.js'
import { fetchVersion, readFetchResponse, writeFetchRequest } from '../../src/kafka/fetch-protocol.js'
import { createRecordView, FetchClient, fillRecord, recordValue } from '../../src/kafka/index.js'
import { API_FETCH } from '../../src/kafka/protocol-codec.js'
import { peekRecordSet } from '../../src/kafka/record-batch.js'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { fileJob, LocalOutputReader, writeJob } from '../helpers/query-fixtures.js'
import { runCli } from '../helpers/sluice-process.js'

const { Kafka, logLevel } = kafkajs

let kafka: KafkaReal
let producer: Producer
let dir: string
let env: Record<string, string>

/** 2024-01-01T00:00:00Z; partition p's record i has timestamp BASE + i minutes (p 0, 1). */
const BASE = Date.UTC(2024, 0, 1)
const MINUTE = 60_000

before(async () => {
  kafka = await startKafkaReal({
    version: '3.9',
    topics: [
      // 2024 timestamps: without retention.ms -1, time-based retention would delete them.
      { name: 'ts', partitions: 3, replication: 1, config: { 'retention.ms': '-1' } },
      { name: 'hdr', partitions: 1, replication: 1 },
      { name: 'big', partitions: 1, replication: 1, config: { 'max.message.bytes': String(8 << 20) } },
      { name: 'many', partitions: 1, replication: 1 },
    ],
  })
  producer = new Kafka({ clientId: 'source-options-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer()
  await producer.connect()
  dir = await mkdtemp(join(tmpdir(), 'sluice-source-options-'))
  env = { KAFKA_BOOTSTRAP: kafka.bootstrap, S3_ENDPOINT: '' }
  // ts-0 and ts-1: 10 records a minute apart; ts-2: 10 records an hour before BASE (all old).
  for (const p of [0, 1]) {
    await producer.send({
      topic: 'ts',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: p, value: JSON.stringify({ message: `p${p}-${i}` }), timestamp: String(BASE + i * MINUTE) })),
    })
  }
  await producer.send({
    topic: 'ts',
    messages: Array.from({ length: 10 }, (_, i) => ({ partition: 2, value: JSON.stringify({ message: `p2-${i}` }), timestamp: String(BASE - 60 * MINUTE + i) })),
  })
})

after(async () => {
  await producer?.disconnect().catch(() => {})
  await kafka?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/**
 * Runs a new query (its own checkpoint) over `topic` with `source` options, to the end. The
 * tests below run in order: the second adds a record to ts-2 that the third reads.
 */
async function drain(name: string, source: Record<string, unknown>, select: string[] = ['json_data.*'], topic = 'ts') {
  const out = join(dir, name)
  const job = await writeJob(dir, name, { ...fileJob({ name, dir: out, topic, source }), select })
  const run = await runCli(['run', job, '--trigger', 'availableNow'], env, 120_000)
  const reader = new LocalOutputReader(join(out, 'out'))
  return { run, job, lines: (await reader.viaSparkMetadata()).map((r) => r.line), out }
}

const messages = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { message: string }).message).sort()
const range = (p: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `p${p}-${from + i}`)

describe('starting by timestamp', () => {
  test('startingTimestamp with the default strategy (error): a partition without a later record fails the start, with Spark\'s sentence', async () => {
    const T = BASE + 5 * MINUTE
    const { run, lines, out } = await drain('ts-error', { startingTimestamp: T })
    assert.equal(run.code, 1, run.stderr)
    assert.match(run.stderr, /SLUICE_KAFKA_NO_OFFSET_FOR_TIMESTAMP/)
    assert.ok(run.stderr.includes(`No offset matched from request of topic-partition ts-2 and timestamp ${T}.`), run.stderr)
    assert.ok(!run.stderr.includes('topic-partition ts-0'), 'only the partition without a match is named')
    assert.ok(run.stderr.includes('startingOffsetsByTimestampStrategy: latest'), 'the message says what to do')
    assert.deepEqual(lines, [])
    // Nothing was planned: no offsets/0, so a fixed job file starts from scratch.
    assert.deepEqual(await new LocalOutputReader(join(out, 'checkpoint', 'offsets')).viaListing(), [])
  })

  test('startingTimestamp with strategy latest, over startingOffsets: earliest: matched partitions from the first record at or after the time, the others from latest', async () => {
    // A time between two records (4.5 minutes) starts at the next one, offset 5.
    const T = BASE + 4 * MINUTE + 30_000
    const { run, lines, job } = await drain('ts-latest', { startingTimestamp: T, startingOffsetsByTimestampStrategy: 'latest', startingOffsets: 'earliest' })
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(messages(lines), [...range(0, 5, 10), ...range(1, 5, 10)].sort())
    // ts-2 started at its latest offset: a record produced now is read by the next run, once.
    await producer.send({ topic: 'ts', messages: [{ partition: 2, value: JSON.stringify({ message: 'p2-new' }), timestamp: String(BASE - MINUTE) }] })
    const again = await runCli(['run', job, '--trigger', 'availableNow'], env, 120_000)
    assert.equal(again.code, 0, again.stderr)
    const all = (await new LocalOutputReader(join(dir, 'ts-latest', 'out')).viaSparkMetadata()).map((r) => r.line)
    assert.deepEqual(messages(all), [...range(0, 5, 10), ...range(1, 5, 10), 'p2-new'].sort(), 'the resumed query continues from its checkpoint')
  })

  test('startingOffsetsByTimestamp: a time per partition; every partition must be named', async () => {
    const timestamps = { ts: { 0: BASE + 8 * MINUTE, 1: BASE, 2: BASE - 60 * MINUTE + 7 } }
    const { run, lines } = await drain('ts-per-partition', { startingOffsetsByTimestamp: JSON.stringify(timestamps) })
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(messages(lines), [...range(0, 8, 10), ...range(1, 0, 10), ...range(2, 7, 10), 'p2-new'].sort())

    const missing = await drain('ts-per-partition-missing', { startingOffsetsByTimestamp: { ts: { 0: BASE } } })
    assert.equal(missing.run.code, 1)
    assert.match(missing.run.stderr, /SLUICE_CONFIG_STARTING_OFFSETS/)
    assert.match(missing.run.stderr, /source\.startingOffsetsByTimestamp .*Missing: ts-1, ts-2/)
  })
})

test('includeHeaders: the headers column as Spark writes array<struct<key:string,value:binary>>', async () => {
  await producer.send({
    topic: 'hdr',
    messages: [
      { value: JSON.stringify({ message: 'two' }), headers: { trace: 'abc', n: Buffer.from([0, 1, 255]) } },
      { value: JSON.stringify({ message: 'none' }) },
      { value: JSON.stringify({ message: 'repeated' }), headers: { k: ['v1', 'v2'], empty: '' } },
    ],
  })
  // kafkajs cannot send a null header value; kcat does (-H name without '=').
  await produceWithKcat('hdr', JSON.stringify({ message: 'null-value' }), ['-H', 'gone'])
  const { run, lines } = await drain('hdr', { includeHeaders: true }, ['json_data.message', 'headers', 'CAST(offset AS STRING) AS o'], 'hdr')
  assert.equal(run.code, 0, run.stderr)
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64')
  assert.deepEqual(lines.sort(), [
    `{"message":"none","o":"1"}`,
    `{"message":"null-value","headers":[{"key":"gone"}],"o":"3"}`,
    `{"message":"repeated","headers":[{"key":"k","value":"${b64('v1')}"},{"key":"k","value":"${b64('v2')}"},{"key":"empty","value":""}],"o":"2"}`,
    `{"message":"two","headers":[{"key":"trace","value":"${b64('abc')}"},{"key":"n","value":"${b64(Buffer.from([0, 1, 255]))}"}],"o":"0"}`,
  ])
})

function produceWithKcat(topic: string, value: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-P', '-b', kafka.bootstrap, '-t', topic, ...args], (err, _out, stderr) =>
      err ? reject(new Error(`kcat: ${err.message} ${stderr}`)) : resolve(),
    )
    child.stdin!.end(`${value}\n`)
  })
}

/** 60 batches of 50 records (~100 bytes each, ~5 KB a batch) in 'many', once. */
let manyFilled = false
async function fillMany(): Promise<void> {
  if (manyFilled) return
  manyFilled = true
  for (let b = 0; b < 60; b++) {
    await producer.send({ topic: 'many', messages: Array.from({ length: 50 }, (_, i) => ({ value: `m-${b * 50 + i}-${'z'.repeat(80)}` })) })
  }
}

describe('Fetch size limits', () => {
  async function readAll(topic: string, end: number, o: { maxPartitionFetchBytes: number; fetchMaxBytes: number }, start = 0) {
    const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
    const fc = new FetchClient({ clientId: 'fetch-sizes', requestTimeoutMs: 20_000, fetchMaxWaitMs: 100, ...o })
    const rec = createRecordView()
    const offsets: number[] = []
    const values: string[] = []
    try {
      const r = await fc.readRange({ topic, partition: 0, start, end, leader: { nodeId: 1, host, port: Number(port) } }, (chunk) => {
        for (let i = 0; i < chunk.count; i++) {
          fillRecord(chunk, i, rec)
          offsets.push(rec.offset)
          values.push(recordValue(rec)!.toString())
        }
      })
      assert.equal(r.complete, true)
      assert.equal(r.nextOffset, end)
      return { offsets, values, fetches: r.fetches }
    } finally {
      await fc.close()
    }
  }

  test('a record larger than max.partition.fetch.bytes and a batch larger than fetch.max.bytes are read whole', async () => {
    const small = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}-${i}`)
    const huge = `huge-${'x'.repeat(3 << 20)}` // one 3 MiB record
    const batch = Array.from({ length: 1500 }, (_, i) => `batch-${i}-${'y'.repeat(1000)}`) // one ~1.5 MB batch
    const want = [...small('a', 20), huge, ...batch, ...small('b', 20)]
    await producer.send({ topic: 'big', messages: small('a', 20).map((value) => ({ value })) })
    await producer.send({ topic: 'big', messages: [{ value: huge }] })
    await producer.send({ topic: 'big', messages: batch.map((value) => ({ value })) })
    await producer.send({ topic: 'big', messages: small('b', 20).map((value) => ({ value })) })
    const limits = { maxPartitionFetchBytes: 64 << 10, fetchMaxBytes: 64 << 10 }
    const got = await readAll('big', want.length, limits)
    assert.deepEqual(got.offsets, want.map((_, i) => i))
    assert.ok(got.values.every((v, i) => v === want[i]), 'every value as produced')
    // Starting inside the large batch reads from there, exactly.
    const mid = await readAll('big', 22 + 700, limits, 21 + 300)
    assert.deepEqual(mid.values, want.slice(321, 722))
  })

  test('a short range of a long backlog: after the first read of the partition, a Fetch carries about the range, not 4 MiB past it', async () => {
    // 'many' holds 3000 records of ~100 bytes (~300 KB).
    await fillMany()
    const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
    const leader = { nodeId: 1, host, port: Number(port) }
    const STARTS = [0, 300, 600, 900]
    const bytesOf = async (sizeFetchesToRange: boolean) => {
      const fc = new FetchClient({ clientId: 'fetch-sizing', requestTimeoutMs: 20_000, maxPartitionFetchBytes: 4 << 20, fetchMaxBytes: 50 << 20, fetchMaxWaitMs: 100, sizeFetchesToRange })
      const got: number[] = []
      try {
        for (const start of STARTS) {
          let n = 0
          const r = await fc.readRange({ topic: 'many', partition: 0, start, end: start + 60, leader }, (chunk) => {
            n += chunk.count
          })
          assert.equal(n, 60)
          got.push(r.bytes)
        }
      } finally {
        await fc.close()
      }
      return got
    }
    const full = await bytesOf(false)
    const sized = await bytesOf(true)
    assert.equal(sized[0], full[0], 'the first read of a partition asks for the full limit')
    // The first read, from offset 0 with 4 MiB, carried the whole partition: full[0] bytes.
    for (let i = 1; i < 4; i++) {
      const rest = (full[0]! * (3000 - STARTS[i]!)) / 3000
      assert.ok(full[i]! > 0.8 * rest, `without sizing, a 60-record range fetches the rest of the partition: ${full[i]} of ~${Math.round(rest)} bytes`)
      assert.ok(sized[i]! < 90_000, `sized, it fetches about its 64 KiB floor: ${sized[i]} bytes`)
    }
  })

  test('one Fetch response carries many batches and ends inside the last one; the range reads each offset once', async () => {
    await fillMany()
    const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
    const conn = new BrokerConnection({ nodeId: 1, host, port: Number(port) }, 'fetch-sizes', 20_000)
    await conn.connect()
    try {
      const v = fetchVersion(conn)
      const params = { topic: 'many', partition: 0, offset: 0, maxWaitMs: 100, maxBytes: 1 << 20, partitionMaxBytes: 32 << 10, isolationLevel: 0 as const }
      const pf = readFetchResponse(await conn.request(API_FETCH, v, (w) => writeFetchRequest(w, v, params)), v, 'many', 0)
      const peek = peekRecordSet(pf.buf, pf.start, pf.end, 0, 3000)
      assert.ok(peek.batches > 2, `the broker returned ${peek.batches} batches in one response`)
      assert.equal(peek.partial, true, 'the response ends inside a batch (cut at partition_max_bytes)')
      assert.ok(peek.nextOffset > 0 && peek.nextOffset < 3000 && peek.nextOffset % 50 === 0, `resumes at a batch start: ${peek.nextOffset}`)
    } finally {
      await conn.close()
    }
    const got = await readAll('many', 3000, { maxPartitionFetchBytes: 32 << 10, fetchMaxBytes: 32 << 10 })
    assert.deepEqual(got.offsets, Array.from({ length: 3000 }, (_, i) => i))
    assert.ok(got.values.every((v, i) => v.startsWith(`m-${i}-`)))
    assert.ok(got.fetches < 60, `${got.fetches} fetches for 60 batches: several batches per response`)
  })
})
