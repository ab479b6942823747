/**
 * Compressed record batches: gzip, snappy (raw and Java's xerial framing), lz4 (frame) and zstd,
 * mixed in one record set, compressed by the codec libraries' own compressors (the real-broker
 * tests in test/integration/kafka-real-codecs.test.ts use librdkafka's and the Java client's).
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { inflateAsyncBatches } from '../../src/kafka/codecs/index.js'
import { createRecordView, fillRecord, recordValue } from '../../src/kafka/index.js'
import { decodeRecordSet } from '../../src/kafka/record-batch.js'
import { encodeBatch, recordsSection, recs } from '../helpers/record-batch-encoder.js'

const require = createRequire(import.meta.url)
const snappy = require('snappy') as { compressSync(b: Buffer): Buffer }
const lz4 = require('lz4-napi') as { compressFrameSync(b: Buffer): Buffer }
const zstd = require('@mongodb-js/zstd') as { compress(b: Buffer, level?: number): Promise<Buffer> }

/** Java's snappy-java SnappyOutputStream framing: magic, version 1, compatible 1, blocks. */
function xerial(plain: Buffer, blockSize: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])]
  for (let at = 0; at < plain.length; at += blockSize) {
    const block = snappy.compressSync(plain.subarray(at, at + blockSize))
    const len = Buffer.alloc(4)
    len.writeInt32BE(block.length)
    parts.push(len, block)
  }
  return Buffer.concat(parts)
}

async function decodeValues(data: Buffer, from: number, to: number): Promise<{ offsets: number[]; values: string[] }> {
  const inflated = await inflateAsyncBatches(data, 0, data.length, 't', 0, from, to)
  const res = decodeRecordSet(data, 0, data.length, 't', 0, from, to, { inflated })
  const rec = createRecordView()
  const offsets: number[] = []
  const values: string[] = []
  for (let i = 0; i < res.chunk.count; i++) {
    fillRecord(res.chunk, i, rec)
    offsets.push(rec.offset)
    values.push(recordValue(rec)?.toString() ?? 'null')
  }
  return { offsets, values }
}

test('gzip, snappy (raw and xerial), lz4 and zstd batches mixed in one record set decode in order', async () => {
  const batches: Buffer[] = []
  const want: string[] = []
  let base = 0
  const add = async (codec: number, compress: ((b: Buffer) => Buffer | Promise<Buffer>) | null, n: number, tag: string) => {
    const rs = recs(0, n, tag).map((r) => ({ ...r, value: `${tag}-${r.offsetDelta}-${'x'.repeat(r.offsetDelta % 50)}` }))
    const compressed = compress ? await compress(recordsSection(rs)) : undefined
    batches.push(encodeBatch({ baseOffset: base, baseTimestamp: 1, records: rs, codec, ...(compressed ? { compressed } : {}) }))
    for (const r of rs) want.push(r.value)
    base += n
  }
  await add(0, null, 5, 'none')
  await add(1, null, 40, 'gzip')
  await add(2, (b) => snappy.compressSync(b), 40, 'snappy-raw')
  await add(2, (b) => xerial(b, 256), 40, 'snappy-xerial')
  await add(3, (b) => lz4.compressFrameSync(b), 40, 'lz4')
  await add(4, (b) => zstd.compress(b, 3), 40, 'zstd')
  await add(4, (b) => zstd.compress(b, 19), 3, 'zstd19')
  const data = Buffer.concat(batches)
  const all = await decodeValues(data, 0, base)
  assert.deepEqual(all.values, want)
  assert.deepEqual(all.offsets, Array.from({ length: base }, (_, i) => i))
  // A range that starts and ends inside compressed batches keeps exactly its offsets.
  const part = await decodeValues(data, 60, 200)
  assert.deepEqual(part.offsets, Array.from({ length: 140 }, (_, i) => 60 + i))
  assert.deepEqual(part.values, want.slice(60, 200))
})

test('a damaged compressed batch fails with SLUICE_KAFKA_CORRUPT_RECORD naming the codec', async () => {
  const rs = recs(0, 20, 'a')
  const plain = recordsSection(rs)
  // Which bytes to garble: the parts each format checks (snappy's length preamble, xerial's
  // block length, the lz4 frame descriptor under its checksum, the zstd magic).
  const cases: [number, string, Buffer, number, number][] = [
    [2, 'snappy', snappy.compressSync(plain), 0, 5],
    [2, 'snappy', xerial(plain, 64), 16, 20],
    [3, 'lz4', lz4.compressFrameSync(plain), 4, 6],
    [4, 'zstd', await zstd.compress(plain, 3), 0, 4],
  ]
  for (const [codec, name, good, from, to] of cases) {
    const bad = Buffer.from(good)
    bad.fill(0xff, from, to)
    const data = encodeBatch({ baseOffset: 5, baseTimestamp: 1, records: rs, codec, compressed: bad })
    await assert.rejects(
      async () => {
        const inflated = await inflateAsyncBatches(data, 0, data.length, 'c', 2, 0, 100)
        decodeRecordSet(data, 0, data.length, 'c', 2, 0, 100, { inflated })
      },
      (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_CORRUPT_RECORD') && err.message.includes(`${name} record batch at offset 5 of c-2`),
      name,
    )
  }
})

test('a zstd batch not inflated ahead is a programming error, not a silent skip', () => {
  const data = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 1, 'a'), codec: 4, compressed: Buffer.from('zz') })
  assert.throws(() => decodeRecordSet(data, 0, data.length, 't', 0, 0, 10), /zstd batch not inflated/)
})
