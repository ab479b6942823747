/**
 * Reading records out of a {@link DecodedChunk}: fill one reusable {@link KafkaRecordView} per
 * record instead of allocating one object each. Headers are decoded only when asked for.
 *
 *   const rec = createRecordView()
 *   for (let i = 0; i < chunk.count; i++) {
 *     fillRecord(chunk, i, rec, includeHeaders)
 *     // rec.buf.subarray(rec.valueStart, rec.valueEnd) ... (valueStart -1 = null value)
 *   }
 */
import {
  type DecodedChunk,
  IDX_HEADER_COUNT,
  IDX_HEADERS_START,
  IDX_KEY_END,
  IDX_KEY_START,
  IDX_TIMESTAMP_TYPE,
  IDX_VALUE_END,
  IDX_VALUE_START,
  type KafkaHeader,
  type KafkaRecordView,
  STRIDE,
} from './types.js'

const EMPTY = Buffer.alloc(0)

export function createRecordView(): KafkaRecordView {
  return {
    topic: '',
    partition: 0,
    offset: 0,
    timestamp: 0,
    timestampType: 0,
    buf: EMPTY,
    keyStart: -1,
    keyEnd: -1,
    valueStart: -1,
    valueEnd: -1,
    headers: null,
  }
}

/** Points `rec` at record `i` of `chunk`. With includeHeaders, decodes its headers (allocates). */
export function fillRecord(
  chunk: DecodedChunk,
  i: number,
  rec: KafkaRecordView,
  includeHeaders = false,
): KafkaRecordView {
  const x = i * STRIDE
  const idx = chunk.index
  rec.topic = chunk.topic
  rec.partition = chunk.partition
  rec.offset = chunk.offsets[i]!
  rec.timestamp = chunk.timestamps[i]!
  rec.timestampType = idx[x + IDX_TIMESTAMP_TYPE]!
  rec.buf = chunk.buf
  rec.keyStart = idx[x + IDX_KEY_START]!
  rec.keyEnd = idx[x + IDX_KEY_END]!
  rec.valueStart = idx[x + IDX_VALUE_START]!
  rec.valueEnd = idx[x + IDX_VALUE_END]!
  rec.headers = includeHeaders
    ? decodeHeaders(chunk.buf, idx[x + IDX_HEADERS_START]!, idx[x + IDX_HEADER_COUNT]!)
    : null
  return rec
}

/** Calls fn for every record of the chunk with the same reused view. */
export function forEachRecord(
  chunk: DecodedChunk,
  rec: KafkaRecordView,
  includeHeaders: boolean,
  fn: (rec: KafkaRecordView, i: number) => void,
): void {
  for (let i = 0; i < chunk.count; i++) fn(fillRecord(chunk, i, rec, includeHeaders), i)
}

/** The key bytes of the view's record, or null (copies nothing: a view into `buf`). */
export function recordKey(rec: KafkaRecordView): Buffer | null {
  return rec.keyStart < 0 ? null : rec.buf.subarray(rec.keyStart, rec.keyEnd)
}

/** The value bytes of the view's record, or null. */
export function recordValue(rec: KafkaRecordView): Buffer | null {
  return rec.valueStart < 0 ? null : rec.buf.subarray(rec.valueStart, rec.valueEnd)
}

let hp = 0

function varint(b: Buffer): number {
  let v = 0
  let shift = 0
  let byte: number
  do {
    byte = b[hp++]!
    v |= (byte & 0x7f) << shift
    shift += 7
  } while (byte >= 0x80 && shift < 35)
  return (v >>> 1) ^ -(v & 1)
}

/**
 * Decodes `count` headers starting at `start`: Header => keyLength:varint key
 * valueLength:varint value. Values are views into `buf` (copy them to keep them past the chunk).
 */
export function decodeHeaders(buf: Buffer, start: number, count: number): KafkaHeader[] {
  const out: KafkaHeader[] = new Array(count)
  hp = start
  for (let h = 0; h < count; h++) {
    const keyLen = varint(buf)
    const key = keyLen <= 0 ? '' : buf.toString('utf8', hp, hp + keyLen)
    if (keyLen > 0) hp += keyLen
    const valueLen = varint(buf)
    let value: Buffer | null = null
    if (valueLen >= 0) {
      value = buf.subarray(hp, hp + valueLen)
      hp += valueLen
    }
    out[h] = { key, value }
  }
  return out
}
