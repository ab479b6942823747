/**
 * RecordBatch v2 decoding on bytes built here by an independent encoder (zigzag varints,
 * bitwise CRC-32C, gzip/snappy/lz4/zstd through the codec libraries' own compressors, control,
 * transactional and LogAppendTime batches, old formats, partial and corrupt batches).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { createRecordView, decodeHeaders, fillRecord, recordKey, recordValue } from '../../src/kafka/index.js'
import { decodeRecordSet } from '../../src/kafka/record-batch.js'
import { encodeBatch, recs } from '../helpers/record-batch-encoder.js'

function decodeAll(data: Buffer, start: number, end: number) {
  const res = decodeRecordSet(data, 0, data.length, 't', 3, start, end)
  const rec = createRecordView()
  const out: { offset: number; ts: number; tsType: number; key: string | null; value: string | null }[] = []
  for (let i = 0; i < res.chunk.count; i++) {
    fillRecord(res.chunk, i, rec)
    out.push({
      offset: rec.offset,
      ts: rec.timestamp,
      tsType: rec.timestampType,
      key: recordKey(rec)?.toString() ?? null,
      value: recordValue(rec)?.toString() ?? null,
    })
  }
  return { res, out }
}

test('decodes uncompressed and gzip batches: offsets, timestamps, keys, null values', () => {
  const data = Buffer.concat([
    encodeBatch({ baseOffset: 100, baseTimestamp: 1_700_000_000_000, records: recs(0, 5, 'a') }),
    encodeBatch({ baseOffset: 105, baseTimestamp: 1_700_000_100_000, records: recs(0, 4, 'b'), codec: 1 }),
  ])
  const { res, out } = decodeAll(data, 100, 200)
  assert.equal(res.chunk.count, 9)
  assert.equal(res.nextOffset, 109)
  assert.equal(res.batches, 2)
  assert.equal(res.partial, false)
  assert.deepEqual(out.map((r) => r.offset), [100, 101, 102, 103, 104, 105, 106, 107, 108])
  assert.deepEqual(out[1], { offset: 101, ts: 1_700_000_001_000, tsType: 0, key: null, value: 'av1' })
  assert.deepEqual(out[2], { offset: 102, ts: 1_700_000_002_000, tsType: 0, key: 'ak2', value: null })
  assert.deepEqual(out[5], { offset: 105, ts: 1_700_000_100_000, tsType: 0, key: 'bk0', value: 'bv0' })
  assert.deepEqual(out[8], { offset: 108, ts: 1_700_000_103_000, tsType: 0, key: null, value: 'bv3' })
})

test('skips offsets before the range start and stops at its end', () => {
  const data = Buffer.concat([
    encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 10, 'a') }),
    encodeBatch({ baseOffset: 10, baseTimestamp: 1, records: recs(0, 10, 'b'), codec: 1 }),
    encodeBatch({ baseOffset: 20, baseTimestamp: 1, records: recs(0, 10, 'c') }),
  ])
  const { res, out } = decodeAll(data, 7, 13)
  assert.deepEqual(out.map((r) => r.offset), [7, 8, 9, 10, 11, 12])
  assert.equal(out[0]!.value, 'av7')
  assert.equal(res.reachedEnd, true)
  assert.equal(res.nextOffset, 20) // the batch holding offset 12 was consumed to its end
})

test('compacted gaps: missing offsets are skipped, next offset follows lastOffsetDelta', () => {
  const data = encodeBatch({
    baseOffset: 50,
    baseTimestamp: 5,
    records: [
      { offsetDelta: 0, timestampDelta: 0, key: 'a', value: '1' },
      { offsetDelta: 3, timestampDelta: 1, key: 'b', value: '2' },
      { offsetDelta: 7, timestampDelta: 2, key: 'c', value: '3' },
    ],
    lastOffsetDelta: 9,
  })
  const { res, out } = decodeAll(data, 50, 1000)
  assert.deepEqual(out.map((r) => r.offset), [50, 53, 57])
  assert.equal(res.nextOffset, 60)
})

test('LogAppendTime: every record gets the batch max timestamp and timestampType 1', () => {
  const data = encodeBatch({
    baseOffset: 0,
    baseTimestamp: 1000,
    maxTimestamp: 99_999,
    logAppendTime: true,
    records: recs(0, 3, 'x'),
  })
  const { out } = decodeAll(data, 0, 10)
  assert.deepEqual(out.map((r) => [r.ts, r.tsType]), [[99_999, 1], [99_999, 1], [99_999, 1]])
})

test('control batches (transaction markers) are skipped but advance the offset', () => {
  const data = Buffer.concat([
    encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 2, 'a') }),
    encodeBatch({ baseOffset: 2, baseTimestamp: 1, records: [{ offsetDelta: 0, timestampDelta: 0, key: '\u0000\u0000\u0000\u0000', value: 'marker' }], control: true }),
    encodeBatch({ baseOffset: 3, baseTimestamp: 1, records: recs(0, 2, 'b') }),
  ])
  const { res, out } = decodeAll(data, 0, 100)
  assert.deepEqual(out.map((r) => r.offset), [0, 1, 3, 4])
  assert.equal(res.nextOffset, 5)
})

test('a batch cut off at the end of the response is left for the next fetch', () => {
  const whole = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 3, 'a') })
  const next = encodeBatch({ baseOffset: 3, baseTimestamp: 1, records: recs(0, 3, 'b') })
  for (const cut of [5, 30, next.length - 1]) {
    const data = Buffer.concat([whole, next.subarray(0, cut)])
    const { res, out } = decodeAll(data, 0, 100)
    assert.equal(res.partial, true, `cut at ${cut}`)
    assert.equal(res.batches, 1)
    assert.equal(res.nextOffset, 3)
    assert.deepEqual(out.map((r) => r.offset), [0, 1, 2])
  }
})

test('large varints and varlongs: negative timestamp deltas, multi-byte lengths', () => {
  const big = 'x'.repeat(300_000)
  const data = encodeBatch({
    baseOffset: 2 ** 40,
    baseTimestamp: 1_700_000_000_000,
    records: [
      { offsetDelta: 0, timestampDelta: -5000, key: null, value: big },
      { offsetDelta: 1, timestampDelta: 2 ** 35, key: 'k', value: '' },
    ],
  })
  const { out } = decodeAll(data, 0, 2 ** 41)
  assert.equal(out[0]!.offset, 2 ** 40)
  assert.equal(out[0]!.ts, 1_700_000_000_000 - 5000)
  assert.equal(out[0]!.value, big)
  assert.equal(out[1]!.ts, 1_700_000_000_000 + 2 ** 35)
  assert.equal(out[1]!.value, '')
  assert.equal(out[1]!.key, 'k')
})

test('headers are decoded on demand, including null header values', () => {
  const data = encodeBatch({
    baseOffset: 0,
    baseTimestamp: 1,
    codec: 1,
    records: [
      { offsetDelta: 0, timestampDelta: 0, key: null, value: 'v', headers: [['a', '1'], ['b', null], ['ü', 'é']] },
      { offsetDelta: 1, timestampDelta: 0, key: null, value: 'w' },
    ],
  })
  const res = decodeRecordSet(data, 0, data.length, 't', 0, 0, 10)
  const rec = createRecordView()
  fillRecord(res.chunk, 0, rec)
  assert.equal(rec.headers, null)
  fillRecord(res.chunk, 0, rec, true)
  assert.deepEqual(
    rec.headers!.map((h) => [h.key, h.value?.toString() ?? null]),
    [['a', '1'], ['b', null], ['ü', 'é']],
  )
  fillRecord(res.chunk, 1, rec, true)
  assert.deepEqual(rec.headers, [])
  assert.deepEqual(decodeHeaders(res.chunk.buf, 0, 0), [])
})

test('old message formats fail with SLUICE_KAFKA_MESSAGE_FORMAT naming the format', () => {
  const data = encodeBatch({ baseOffset: 7, baseTimestamp: 1, records: recs(0, 1, 'a'), magic: 1 })
  assert.throws(
    () => decodeRecordSet(data, 0, data.length, 'old', 2, 0, 10),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_KAFKA_MESSAGE_FORMAT') &&
      /old-2 at offset 7/.test(err.message) &&
      /v1 \(Kafka 0\.10\)/.test(err.message),
  )
})

test('codecs 5-7 (not Kafka codecs) fail with SLUICE_KAFKA_COMPRESSION_UNSUPPORTED', () => {
  for (const codec of [5, 6, 7]) {
    const data = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 1, 'a'), codec })
    assert.throws(
      () => decodeRecordSet(data, 0, data.length, 'c', 1, 0, 10),
      (err: unknown) =>
        isSluiceError(err, 'SLUICE_KAFKA_COMPRESSION_UNSUPPORTED') &&
        err.message.includes(`codec ${codec}`) &&
        err.message.includes('c-1'),
    )
  }
})

test('a record running past its batch fails with SLUICE_KAFKA_CORRUPT_RECORD', () => {
  const data = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 2, 'a') })
  data[61] = 0x7e // first record's length varint: 63, longer than the batch
  assert.throws(
    () => decodeRecordSet(data, 0, data.length, 't', 0, 0, 10),
    (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_CORRUPT_RECORD'),
  )
  const gz = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 2, 'a'), codec: 1 })
  gz[70] = gz[70]! ^ 0xff
  gz[71] = gz[71]! ^ 0xff
  assert.throws(
    () => decodeRecordSet(gz, 0, gz.length, 't', 0, 0, 10),
    (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_CORRUPT_RECORD'),
  )
})

test('uncompressed chunks are views of the response buffer (no copy)', () => {
  const data = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 3, 'a') })
  const res = decodeRecordSet(data, 0, data.length, 't', 0, 0, 10)
  assert.equal(res.chunk.buf, data)
})

test('peekRecordSet (headers only) agrees with the full decode on where to fetch next', async () => {
  const { peekRecordSet } = await import('../../src/kafka/record-batch.js')
  const a = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 10, 'a') })
  const b = encodeBatch({ baseOffset: 10, baseTimestamp: 1, records: recs(0, 10, 'b'), codec: 1 })
  const c = encodeBatch({ baseOffset: 20, baseTimestamp: 1, records: recs(0, 10, 'c'), control: true })
  const whole = Buffer.concat([a, b, c])
  // The last number: bytes of the whole batches walked that hold offsets of the range.
  const cases: [Buffer, number, number, number][] = [
    [whole, 0, 100, whole.length],
    [whole, 5, 12, a.length + b.length],
    [whole, 12, 30, whole.length],
    [Buffer.concat([a, b.subarray(0, 40)]), 0, 100, a.length],
    [Buffer.alloc(0), 7, 100, 0],
  ]
  for (const [data, from, to, bytes] of cases) {
    const peek = peekRecordSet(data, 0, data.length, from, to)
    const full = decodeRecordSet(data, 0, data.length, 't', 0, from, to)
    assert.deepEqual(
      peek,
      { nextOffset: full.nextOffset, batches: full.batches, bytes, partial: full.partial, reachedEnd: full.reachedEnd },
      `[${from}, ${to}) over ${data.length} bytes`,
    )
  }
})
