/**
 * FetchClient against librdkafka's mock cluster: data produced by kafkajs (keys, null values,
 * headers, gzip and uncompressed batches) read back over sub-ranges, every offset exactly once;
 * log end before the range end; OFFSET_OUT_OF_RANGE after retention; broker faults.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs'
import { isSluiceError } from '../../src/errors.js'
import {
  type BrokerAddress,
  createRecordView,
  type DecodedChunk,
  FetchClient,
  type FetchRange,
  fillRecord,
  recordKey,
  recordValue,
} from '../../src/kafka/index.js'
import { type KafkaMock, startKafkaMock } from '../helpers/kafka-mock.js'

const T0 = 1_700_000_000_000

interface Expected {
  key: string | null
  value: string | null
  timestamp: number
  headers: [string, string][]
}

let mock: KafkaMock
let kafka: Kafka
let producer: Producer
let leader: BrokerAddress
/** topic 'data', partition 0: offset → what was produced there. */
const expected: Expected[] = []

function client(overrides: Partial<ConstructorParameters<typeof FetchClient>[0]> = {}): FetchClient {
  return new FetchClient({
    clientId: 'kafka-fetch-test',
    requestTimeoutMs: 5_000,
    maxPartitionFetchBytes: 1 << 20,
    fetchMaxBytes: 50 << 20,
    fetchMaxWaitMs: 100,
    ...overrides,
  })
}

/** Reads a range and returns every record as plain data, checking chunk invariants. */
async function readAll(fc: FetchClient, range: FetchRange, includeHeaders = true) {
  const rec = createRecordView()
  const out: { offset: number; key: string | null; value: string | null; timestamp: number; headers: [string, string][] }[] = []
  let chunks = 0
  const result = await fc.readRange(range, (chunk: DecodedChunk) => {
    chunks++
    assert.equal(chunk.topic, range.topic)
    assert.equal(chunk.partition, range.partition)
    for (let i = 0; i < chunk.count; i++) {
      fillRecord(chunk, i, rec, includeHeaders)
      out.push({
        offset: rec.offset,
        key: recordKey(rec)?.toString() ?? null,
        value: recordValue(rec)?.toString() ?? null,
        timestamp: rec.timestamp,
        headers: (rec.headers ?? []).map((h) => [h.key, h.value?.toString() ?? '']),
      })
      assert.equal(rec.timestampType, 0)
    }
  })
  return { out, result, chunks }
}

before(async () => {
  mock = await startKafkaMock({
    brokers: 1,
    topics: [
      { name: 'data', partitions: 1 },
      { name: 'trim', partitions: 1 },
      { name: 'faults', partitions: 1 },
    ],
  })
  const [host, port] = mock.brokers[0]!.split(':')
  leader = { nodeId: 1, host: host!, port: Number(port) }
  kafka = new Kafka({ brokers: mock.brokers, clientId: 'kafka-fetch-test', logLevel: logLevel.NOTHING })
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  // 12 sends → 12 record batches; odd ones gzip-compressed; sizes vary across batches.
  for (let b = 0; b < 12; b++) {
    const messages = []
    for (let i = 0; i < 5 + b * 3; i++) {
      const n = expected.length
      const e: Expected = {
        key: n % 4 === 0 ? null : `key-${n}`,
        value: n % 7 === 3 ? null : JSON.stringify({ n, text: 'é'.repeat(n % 13) }),
        timestamp: T0 + n * 10,
        headers: n % 5 === 0 ? [] : [['trace', `t${n}`], ['n', String(n)]],
      }
      expected.push(e)
      messages.push({
        key: e.key,
        value: e.value,
        timestamp: String(e.timestamp),
        headers: Object.fromEntries(e.headers),
      })
    }
    await producer.send({
      topic: 'data',
      compression: b % 2 === 1 ? CompressionTypes.GZIP : CompressionTypes.None,
      messages,
    })
  }
})

after(async () => {
  await producer?.disconnect()
  await mock?.stop()
})

function checkRange(out: Awaited<ReturnType<typeof readAll>>['out'], start: number, end: number) {
  assert.deepEqual(
    out.map((r) => r.offset),
    Array.from({ length: end - start }, (_, i) => start + i),
    'every offset of the range exactly once, in order',
  )
  for (const r of out) {
    const e = expected[r.offset]!
    assert.deepEqual(
      { key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers },
      { key: e.key, value: e.value, timestamp: e.timestamp, headers: e.headers },
      `offset ${r.offset}`,
    )
  }
}

test('reads the whole partition: keys, null values, timestamps, headers, gzip batches', async () => {
  const fc = client()
  try {
    const { out, result } = await readAll(fc, { topic: 'data', partition: 0, start: 0, end: expected.length, leader })
    checkRange(out, 0, expected.length)
    assert.equal(result.records, expected.length)
    assert.equal(result.lastOffset, expected.length - 1)
    assert.equal(result.nextOffset, expected.length)
    assert.equal(result.complete, true)
    assert.equal(result.highWatermark, expected.length)
    assert.equal(result.logStartOffset, 0)
  } finally {
    await fc.close()
  }
})

test('sub-ranges starting mid-batch and crossing batch boundaries, one connection reused', async () => {
  const fc = client()
  try {
    const cuts = [[3, 4], [2, 47], [6, 7], [10, 100], [50, expected.length], [0, 1]]
    for (const [start, end] of cuts) {
      const { out, result } = await readAll(fc, { topic: 'data', partition: 0, start: start!, end: end!, leader })
      checkRange(out, start!, end!)
      assert.equal(result.nextOffset, end)
      assert.equal(result.complete, true)
    }
    // Adjacent ranges together deliver each offset once.
    const a = await readAll(fc, { topic: 'data', partition: 0, start: 0, end: 33, leader })
    const b = await readAll(fc, { topic: 'data', partition: 0, start: 33, end: expected.length, leader })
    checkRange([...a.out, ...b.out], 0, expected.length)
  } finally {
    await fc.close()
  }
})

test('headers are left undecoded unless asked for', async () => {
  const fc = client()
  try {
    const rec = createRecordView()
    let seen = 0
    await fc.readRange({ topic: 'data', partition: 0, start: 0, end: 20, leader }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        fillRecord(chunk, i, rec)
        assert.equal(rec.headers, null)
        seen++
      }
    })
    assert.equal(seen, 20)
  } finally {
    await fc.close()
  }
})

test('an empty range fetches nothing', async () => {
  const fc = client()
  try {
    const { out, result } = await readAll(fc, { topic: 'data', partition: 0, start: 5, end: 5, leader })
    assert.equal(out.length, 0)
    assert.equal(result.fetches, 0)
    assert.equal(result.complete, true)
  } finally {
    await fc.close()
  }
})

test('a fetch size smaller than one batch still makes progress', async () => {
  const fc = client({ maxPartitionFetchBytes: 64, fetchMaxBytes: 64 })
  try {
    const { out } = await readAll(fc, { topic: 'data', partition: 0, start: 0, end: expected.length, leader })
    checkRange(out, 0, expected.length)
  } finally {
    await fc.close()
  }
})

test('log ending before the range end: complete=false, nextOffset at the high watermark', async () => {
  const fc = client()
  try {
    const end = expected.length + 50
    const { out, result } = await readAll(fc, { topic: 'data', partition: 0, start: 40, end, leader })
    checkRange(out, 40, expected.length)
    assert.equal(result.complete, false)
    assert.equal(result.nextOffset, expected.length)
    assert.equal(result.lastOffset, expected.length - 1)
    assert.equal(result.highWatermark, expected.length)
  } finally {
    await fc.close()
  }
})

test('offsets aged out by retention: SLUICE_KAFKA_OFFSET_OUT_OF_RANGE with the log start', async () => {
  // The mock keeps about 5 MB per partition: 80 batches of 100 KB push offset 0 out.
  const value = Buffer.alloc(100_000, 'x')
  for (let i = 0; i < 80; i++) await producer.send({ topic: 'trim', messages: [{ value }] })
  const fc = client()
  try {
    await assert.rejects(
      fc.readRange({ topic: 'trim', partition: 0, start: 0, end: 80, leader }, () => {}),
      (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE'), String(err))
        assert.equal(err.retriable, false)
        assert.equal(err.details.topic, 'trim')
        assert.equal(err.details.offset, 0)
        assert.match(err.message, /trim-0/)
        assert.match(err.message, /failOnDataLoss/)
        return true
      },
    )
    // Beyond the end of the log is out of range too.
    await assert.rejects(
      fc.readRange({ topic: 'trim', partition: 0, start: 500, end: 600, leader }, () => {}),
      (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE'),
    )
    // What is still there reads fine.
    const { result } = await readAll(fc, { topic: 'trim', partition: 0, start: 75, end: 80, leader }, false)
    assert.equal(result.records, 5)
    assert.ok(result.logStartOffset > 0, `log start moved: ${result.logStartOffset}`)
  } finally {
    await fc.close()
  }
})

test('partition errors are retriable SLUICE_KAFKA_FETCH naming the error', async () => {
  await producer.send({ topic: 'faults', messages: [{ value: 'a' }, { value: 'b' }] })
  const fc = client()
  try {
    // Connect first so the injected errors hit Fetch, not the handshake.
    await readAll(fc, { topic: 'faults', partition: 0, start: 0, end: 1, leader })
    await mock.command('request-errors 1 1 6')
    await assert.rejects(
      fc.readRange({ topic: 'faults', partition: 0, start: 0, end: 2, leader }, () => {}),
      (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_KAFKA_FETCH'), String(err))
        assert.equal(err.retriable, true)
        assert.equal(err.details.code, 'NOT_LEADER_OR_FOLLOWER')
        assert.equal(err.details.topic, 'faults')
        return true
      },
    )
    // The retry on the same client succeeds.
    const { result } = await readAll(fc, { topic: 'faults', partition: 0, start: 0, end: 2, leader })
    assert.equal(result.records, 2)
  } finally {
    await fc.close()
  }
})

test('broker down: retriable SLUICE_KAFKA_FETCH, then reads again once it is back', async () => {
  const fc = client({ requestTimeoutMs: 2_000 })
  try {
    await readAll(fc, { topic: 'faults', partition: 0, start: 0, end: 1, leader })
    await mock.command('broker-down 1')
    await assert.rejects(
      fc.readRange({ topic: 'faults', partition: 0, start: 0, end: 2, leader }, () => {}),
      (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_KAFKA_FETCH'), String(err))
        assert.equal(err.retriable, true)
        assert.equal(err.details.broker, `${leader.host}:${leader.port}`)
        assert.equal(err.details.partition, 0)
        return true
      },
    )
    await mock.command('broker-up 1')
    const { result } = await readAll(fc, { topic: 'faults', partition: 0, start: 0, end: 2, leader })
    assert.equal(result.records, 2)
  } finally {
    await mock.command('broker-up 1').catch(() => {})
    await fc.close()
  }
})

test('a leader that stops answering on an open connection: the Fetch times out after requestTimeoutMs (retriable), then reads again', async () => {
  // A TCP relay in front of the broker that, while `stalled`, forwards nothing either way: what a
  // hung (SIGSTOPped) or partitioned broker looks like to a connected client.
  const net = await import('node:net')
  let stalled = false
  const relay = net.createServer((down) => {
    const up = net.connect(leader.port, leader.host)
    down.on('data', (b) => void (stalled || up.write(b)))
    up.on('data', (b) => void (stalled || down.write(b)))
    for (const [a, b] of [[down, up], [up, down]] as const) {
      a.on('error', () => b.destroy())
      a.on('close', () => b.destroy())
    }
  })
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r))
  const relayed = { nodeId: leader.nodeId, host: '127.0.0.1', port: (relay.address() as { port: number }).port }
  const fc = client({ requestTimeoutMs: 1_000 })
  try {
    checkRange((await readAll(fc, { topic: 'data', partition: 0, start: 0, end: 10, leader: relayed })).out, 0, 10)
    stalled = true
    await assert.rejects(readAll(fc, { topic: 'data', partition: 0, start: 10, end: 20, leader: relayed }), (err: unknown) => {
      assert.ok(isSluiceError(err, 'SLUICE_KAFKA_FETCH'), String(err))
      assert.equal(err.retriable, true)
      assert.match(err.message, new RegExp(`reading data-0 \\[10, 20\\): Kafka broker 1 at 127\\.0\\.0\\.1:${relayed.port}: request \\(ApiKey 1\\) timed out after 1000 ms`))
      return true
    })
    stalled = false
    checkRange((await readAll(fc, { topic: 'data', partition: 0, start: 10, end: 20, leader: relayed })).out, 10, 20)
  } finally {
    await fc.close()
    relay.close()
  }
})

test('an unreachable broker: retriable SLUICE_KAFKA_FETCH naming it', async () => {
  const fc = client()
  try {
    // A port that was just closed: nothing listens there.
    const net = await import('node:net')
    const srv = net.createServer()
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as { port: number }).port
    await new Promise<void>((r) => srv.close(() => r()))
    await assert.rejects(
      fc.readRange({ topic: 'data', partition: 0, start: 0, end: 1, leader: { nodeId: 9, host: '127.0.0.1', port } }, () => {}),
      (err: unknown) =>
        isSluiceError(err, 'SLUICE_KAFKA_FETCH') &&
        err.retriable &&
        err.message.includes(`127.0.0.1:${port}`) &&
        err.message.includes('data-0'),
    )
  } finally {
    await fc.close()
  }
})

test('abort signal stops the read between chunks; the client stays usable', async () => {
  const fc = client({ maxPartitionFetchBytes: 64, fetchMaxBytes: 64 })
  try {
    const ac = new AbortController()
    let chunks = 0
    await assert.rejects(
      fc.readRange({ topic: 'data', partition: 0, start: 0, end: expected.length, leader }, () => {
        if (++chunks === 2) ac.abort()
      }, ac.signal),
      (err: unknown) => (err as Error).name === 'AbortError',
    )
    assert.equal(chunks, 2)
    const { out } = await readAll(fc, { topic: 'data', partition: 0, start: 0, end: expected.length, leader })
    checkRange(out, 0, expected.length)
  } finally {
    await fc.close()
  }
})

test('an error thrown by onChunk propagates and the next read still works', async () => {
  const fc = client({ maxPartitionFetchBytes: 64, fetchMaxBytes: 64 })
  try {
    await assert.rejects(
      fc.readRange({ topic: 'data', partition: 0, start: 0, end: expected.length, leader }, () => {
        throw new Error('sink failed')
      }),
      /sink failed/,
    )
    const { out } = await readAll(fc, { topic: 'data', partition: 0, start: 5, end: 60, leader })
    checkRange(out, 5, 60)
  } finally {
    await fc.close()
  }
})
