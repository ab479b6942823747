/**
 * A topic compacted for real by Apache Kafka (the newest 4.x line, 1 broker): small segments,
 * min.cleanable.dirty.ratio 0.01, keyed records overwritten many times and tombstones. After
 * the log cleaner has run, the log has gaps inside every range; FetchClient must skip them,
 * deliver each surviving offset once, and still end each range exactly at its planned end,
 * including ranges whose end falls inside a gap.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { createRecordView, FetchClient, fillRecord, recordKey, recordValue } from '../../src/kafka/index.js'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { eventually } from '../helpers/query-fixtures.js'

const TOPIC = 'compacted'
const KEYS = 20
const ROUNDS = 30
let kafka: KafkaReal
let producer: Producer

before(async () => {
  kafka = await startKafkaReal({
    topics: [
      {
        name: TOPIC,
        partitions: 1,
        replication: 1,
        config: {
          'cleanup.policy': 'compact',
          'segment.bytes': '1048576', // Kafka 4's minimum; segment.ms rolls the segments
          'segment.ms': '500',
          'min.cleanable.dirty.ratio': '0.01',
          'min.compaction.lag.ms': '0',
          'delete.retention.ms': '3600000',
        },
      },
    ],
  })
  producer = new Kafka({ clientId: 'compaction-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer()
  await producer.connect()
})

after(async () => {
  await producer?.disconnect().catch(() => {})
  await kafka?.stop()
})

interface Row {
  offset: number
  key: string
  value: string | null
}

async function read(start: number, end: number): Promise<{ rows: Row[]; nextOffset: number; complete: boolean }> {
  const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
  const fc = new FetchClient({ clientId: 'compaction-test', requestTimeoutMs: 10_000, maxPartitionFetchBytes: 2048, fetchMaxBytes: 1 << 20, fetchMaxWaitMs: 100 })
  const rec = createRecordView()
  const rows: Row[] = []
  try {
    const r = await fc.readRange({ topic: TOPIC, partition: 0, start, end, leader: { nodeId: 1, host, port: Number(port) } }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        fillRecord(chunk, i, rec)
        rows.push({ offset: rec.offset, key: recordKey(rec)!.toString(), value: recordValue(rec)?.toString() ?? null })
      }
    })
    return { rows, nextOffset: r.nextOffset, complete: r.complete }
  } finally {
    await fc.close()
  }
}

test('a compacted log with tombstones: gaps skipped, every surviving offset once, ranges end at their planned end', async () => {
  // Key k's last write is round ROUNDS-1; keys 0-4 end with a tombstone.
  for (let round = 0; round < ROUNDS; round++) {
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: KEYS }, (_, k) => ({
        key: `k${k}`,
        value: round === ROUNDS - 1 && k < 5 ? null : `k${k}-r${round}-${'p'.repeat(40)}`,
      })),
    })
  }
  const end = ROUNDS * KEYS
  // Rolls the active segment (segment.ms) so the cleaner can take it, then waits for compaction.
  await new Promise((r) => setTimeout(r, 600))
  await producer.send({ topic: TOPIC, messages: [{ key: 'roll', value: 'roll' }] })
  let all: Row[] = []
  await eventually('the log cleaner to compact the topic', async () => {
    all = (await read(0, end)).rows
    return all.length < end / 2
  }, 90_000)

  const r = await read(0, end)
  assert.equal(r.complete, true)
  assert.equal(r.nextOffset, end, 'the range ends exactly at its planned end')
  const offsets = r.rows.map((x) => x.offset)
  assert.ok(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!), 'offsets strictly increasing: each once')
  assert.ok(offsets.length < end, 'compaction left gaps')
  // The newest write of every key survives compaction, tombstones included (delete.retention.ms).
  const last = new Map<string, Row>()
  for (const row of r.rows) last.set(row.key, row)
  for (let k = 0; k < KEYS; k++) {
    const row = last.get(`k${k}`)!
    assert.equal(row.offset, (ROUNDS - 1) * KEYS + k)
    assert.equal(row.value, k < 5 ? null : `k${k}-r${ROUNDS - 1}-${'p'.repeat(40)}`)
  }
  // Sub-ranges, some ending inside gaps: together they give exactly the whole read.
  const cuts = [0, 7, 101, 250, 333, 480, 599, end]
  const pieces: Row[] = []
  for (let i = 0; i + 1 < cuts.length; i++) {
    const part = await read(cuts[i]!, cuts[i + 1]!)
    assert.equal(part.complete, true)
    assert.equal(part.nextOffset, cuts[i + 1], `[${cuts[i]}, ${cuts[i + 1]}) ends at its planned end`)
    assert.ok(part.rows.every((x) => x.offset >= cuts[i]! && x.offset < cuts[i + 1]!))
    pieces.push(...part.rows)
  }
  assert.deepEqual(pieces, r.rows)
})
