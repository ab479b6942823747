/**
 * Compressed record batches written by real producers to a real Apache Kafka (the newest 4.x
 * line of tools/kafka-real/versions, 1 broker): librdkafka (kcat -z gzip|snappy|lz4|zstd) and
 * the Java client (console producer, compression.type) write into ONE partition of a topic
 * with compression.type=producer, so the broker keeps each batch as sent and the partition
 * holds every codec mixed. FetchClient reads it back: every offset exactly once, in order, with
 * the values each producer wrote; also sub-ranges that start and end inside compressed batches,
 * and a small max.partition.fetch.bytes (many responses, truncated last batches).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, test } from 'node:test'
import { createRecordView, FetchClient, type FetchRange, fillRecord, recordValue } from '../../src/kafka/index.js'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'

const TOPIC = 'codecs'
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const

let kafka: KafkaReal
/** Values in offset order, as produced. */
const produced: string[] = []

function kcatProduce(bootstrap: string, codec: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      ['-P', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-z', codec, '-X', 'linger.ms=20'],
      (err, _out, stderr) => (err ? reject(new Error(`kcat -z ${codec}: ${err.message} ${stderr}`)) : resolve()),
    )
    child.stdin!.end(lines.join('\n') + '\n')
  })
}

function lines(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ tag, i, user: `user-${i % 97}`, msg: 'a fairly ordinary log line '.repeat(1 + (i % 4)) }),
  )
}

before(async () => {
  kafka = await startKafkaReal({
    topics: [{ name: TOPIC, partitions: 1, replication: 1, config: { 'compression.type': 'producer' } }],
  })
  // Producers one after another: the partition's order is the order of these calls.
  for (const codec of CODECS) {
    const a = lines(`kcat-${codec}`, 3000)
    await kcatProduce(kafka.bootstrap, codec, a)
    produced.push(...a)
    const b = lines(`java-${codec}`, 2000)
    await kafka.javaProduce(TOPIC, b, { compression: codec, batchSize: 16384 })
    produced.push(...b)
  }
})

after(async () => {
  await kafka?.stop()
})

async function read(start: number, end: number, maxPartitionFetchBytes = 1 << 20): Promise<{ offsets: number[]; values: string[] }> {
  const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
  const fc = new FetchClient({ clientId: 'codecs-test', requestTimeoutMs: 10_000, maxPartitionFetchBytes, fetchMaxBytes: 50 << 20, fetchMaxWaitMs: 100 })
  const range: FetchRange = { topic: TOPIC, partition: 0, start, end, leader: { nodeId: 1, host, port: Number(port) } }
  const rec = createRecordView()
  const offsets: number[] = []
  const values: string[] = []
  try {
    const result = await fc.readRange(range, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        fillRecord(chunk, i, rec)
        offsets.push(rec.offset)
        values.push(recordValue(rec)!.toString())
      }
    })
    assert.equal(result.complete, true)
    assert.equal(result.nextOffset, end)
  } finally {
    await fc.close()
  }
  return { offsets, values }
}

test(`${CODECS.join(', ')} batches from kcat and the Java client, mixed in one partition, read back exactly once`, async () => {
  assert.equal(produced.length, 20_000)
  const got = await read(0, produced.length)
  assert.deepEqual(got.offsets, Array.from({ length: produced.length }, (_, i) => i))
  assert.deepEqual(got.values, produced)
})

test('sub-ranges that start and end inside compressed batches keep exactly their offsets', async () => {
  for (const [s, e] of [[1, 2], [2999, 3001], [4321, 12_345], [19_998, 20_000]] as const) {
    const got = await read(s, e)
    assert.deepEqual(got.offsets, Array.from({ length: e - s }, (_, i) => s + i), `[${s}, ${e})`)
    assert.deepEqual(got.values, produced.slice(s, e))
  }
})

test('a small max.partition.fetch.bytes: many responses, each cut inside a compressed batch', async () => {
  const got = await read(0, produced.length, 4096)
  assert.deepEqual(got.values, produced)
})
