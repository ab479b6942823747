/**
 * kafka.isolation.level against a real Apache Kafka (the 3.9 line, 1 broker) with a transactional
 * producer (kafkajs) that commits one transaction, aborts one and leaves one open, between
 * plain records. Both levels through sluice's own readers: KafkaAdmin.offsets() (the planner's
 * end offsets) and FetchClient.readRange() (the workers' reads).
 *   read_uncommitted: planned to the high watermark (past the open transaction, as Spark does;
 *     kafkajs alone would stop at the last stable offset), aborted records are read.
 *   read_committed: planned to the last stable offset (held at the open transaction until it
 *     ends: "across triggers"), aborted records skipped. Control records never become rows.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { KafkaAdmin } from '../../src/kafka-admin/index.js'
import { createRecordView, FetchClient, fillRecord, recordValue } from '../../src/kafka/index.js'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'

const TOPIC = 'txn'
let kafka: KafkaReal
let producer: Producer
let txProducer: Producer

before(async () => {
  kafka = await startKafkaReal({ version: '3.9', topics: [{ name: TOPIC, partitions: 1, replication: 1 }] })
  const client = new Kafka({ clientId: 'txn-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING })
  producer = client.producer()
  txProducer = client.producer({ transactionalId: 'txn-test-1', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  await txProducer.connect()
})

after(async () => {
  await producer?.disconnect().catch(() => {})
  await txProducer?.disconnect().catch(() => {})
  await kafka?.stop()
})

const msgs = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ value: `${tag}-${i}` }))

async function offsets(isolationLevel: 'read_uncommitted' | 'read_committed'): Promise<number> {
  const admin = new KafkaAdmin({ bootstrapServers: kafka.brokers, clientId: 'txn-test', requestTimeoutMs: 10_000, isolationLevel })
  await admin.connect()
  try {
    const parts = await admin.discover({ kind: 'subscribe', topics: [TOPIC] })
    const { latest } = await admin.offsets(parts)
    return latest.get(`${TOPIC}:0`)!
  } finally {
    await admin.close()
  }
}

async function read(start: number, end: number, isolationLevel: 'read_uncommitted' | 'read_committed'): Promise<string[]> {
  const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
  const fc = new FetchClient({ clientId: 'txn-test', requestTimeoutMs: 10_000, maxPartitionFetchBytes: 1 << 20, fetchMaxBytes: 50 << 20, fetchMaxWaitMs: 100, isolationLevel })
  const rec = createRecordView()
  const values: string[] = []
  try {
    const r = await fc.readRange({ topic: TOPIC, partition: 0, start, end, leader: { nodeId: 1, host, port: Number(port) } }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        fillRecord(chunk, i, rec)
        values.push(recordValue(rec)!.toString())
      }
    })
    assert.equal(r.complete, true, `[${start}, ${end}) ${isolationLevel}`)
  } finally {
    await fc.close()
  }
  return values
}

test('committed, aborted and open transactions: planned ends and rows under both isolation levels', async () => {
  await producer.send({ topic: TOPIC, messages: msgs('plain', 5) }) // offsets 0-4
  let tx = await txProducer.transaction()
  await tx.send({ topic: TOPIC, messages: msgs('committed', 5) }) // 5-9, commit marker 10
  await tx.commit()
  tx = await txProducer.transaction()
  await tx.send({ topic: TOPIC, messages: msgs('aborted', 5) }) // 11-15, abort marker 16
  await tx.abort()
  await producer.send({ topic: TOPIC, messages: msgs('between', 2) }) // 17-18
  const open = await txProducer.transaction()
  await open.send({ topic: TOPIC, messages: msgs('open', 3) }) // 19-21, no marker yet
  await producer.send({ topic: TOPIC, messages: msgs('after', 2) }) // 22-23

  // The planner's end offsets.
  const hw = await offsets('read_uncommitted')
  const lso = await offsets('read_committed')
  assert.equal(hw, 24, 'read_uncommitted plans to the high watermark, past the open transaction')
  assert.equal(lso, 19, 'read_committed plans to the last stable offset: the open transaction\'s first offset')

  // read_uncommitted: every data record, aborted and open ones included; no control records.
  assert.deepEqual(await read(0, hw, 'read_uncommitted'), [
    ...msgs('plain', 5), ...msgs('committed', 5), ...msgs('aborted', 5), ...msgs('between', 2), ...msgs('open', 3), ...msgs('after', 2),
  ].map((m) => m.value))
  // read_committed: aborted records skipped; the range ends where the open transaction starts.
  const committedRows = [...msgs('plain', 5), ...msgs('committed', 5), ...msgs('between', 2)].map((m) => m.value)
  assert.deepEqual(await read(0, lso, 'read_committed'), committedRows)
  // A range that starts inside the aborted transaction skips the rest of it.
  assert.deepEqual(await read(13, lso, 'read_committed'), msgs('between', 2).map((m) => m.value))

  // Next trigger: the open transaction is still open, so read_committed's end has not moved.
  assert.equal(await offsets('read_committed'), 19)
  // It commits: the end moves past it and its marker, and its rows appear exactly once.
  await open.commit()
  const lso2 = await offsets('read_committed')
  assert.equal(lso2, 25, 'after the commit, the last stable offset is the high watermark (marker at 24)')
  assert.deepEqual(await read(lso, lso2, 'read_committed'), [...msgs('open', 3), ...msgs('after', 2)].map((m) => m.value))
})

test('a transaction aborted while open: read_committed never returns its records', async () => {
  const start = await offsets('read_uncommitted')
  const tx = await txProducer.transaction()
  await tx.send({ topic: TOPIC, messages: msgs('late-abort', 4) })
  await producer.send({ topic: TOPIC, messages: msgs('plain2', 3) })
  assert.equal(await offsets('read_committed'), start, 'held at the open transaction')
  await tx.abort()
  const end = await offsets('read_committed')
  assert.equal(end, start + 4 + 3 + 1)
  assert.deepEqual(await read(start, end, 'read_committed'), msgs('plain2', 3).map((m) => m.value))
  assert.deepEqual(await read(start, end, 'read_uncommitted'), [...msgs('late-abort', 4), ...msgs('plain2', 3)].map((m) => m.value))
})
