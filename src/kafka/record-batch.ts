/**
 * RecordBatch v2 decoding in place: one pass over the bytes of a Fetch response's record set,
 * filling typed arrays with per-record positions. No object or closure per record.
 *
 *   RecordBatch => baseOffset:int64 batchLength:int32 partitionLeaderEpoch:int32 magic:int8 (=2)
 *                  crc:uint32 attributes:int16 lastOffsetDelta:int32 baseTimestamp:int64
 *                  maxTimestamp:int64 producerId:int64 producerEpoch:int16 baseSequence:int32
 *                  records:[Record] (int32 count; the records are compressed as a whole)
 *   attributes  => bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
 *                  bit 3 timestampType (1 = LogAppendTime), bit 4 transactional, bit 5 control
 *   Record      => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *                  keyLength:varint key valueLength:varint value headerCount:varint [Header]
 *   Header      => keyLength:varint key valueLength:varint value      (varints are zigzag)
 *
 * The CRC32C is not verified: TCP checksums and the broker (which validates on append) already
 * cover the bytes, and the checksum would cost a pass over every byte on the hot path.
 */
import { gunzipSync } from 'node:zlib'
import { SluiceError } from '../errors.js'
import {
  type DecodedChunk,
  IDX_HEADER_COUNT,
  IDX_HEADERS_START,
  IDX_KEY_END,
  IDX_KEY_START,
  IDX_TIMESTAMP_TYPE,
  IDX_VALUE_END,
  IDX_VALUE_START,
  STRIDE,
} from './types.js'

const BATCH_HEADER = 61
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** Outcome of decoding one partition's record set. */
export interface DecodeResult {
  chunk: DecodedChunk
  /** The offset after the last batch consumed: where the next fetch starts. */
  nextOffset: number
  /** Complete batches seen (including skipped and control batches). */
  batches: number
  /** A batch was cut off at the end of the response. */
  partial: boolean
  /** A batch at or beyond rangeEnd was reached: nothing more to fetch. */
  reachedEnd: boolean
}

// Cursor shared by the varint readers: module state instead of a returned pair, so reading a
// varint allocates nothing. Only used synchronously inside decodeRecordSet().
let p = 0

function varint(b: Buffer): number {
  let byte = b[p++]!
  if (byte < 0x80) return (byte >>> 1) ^ -(byte & 1)
  let v = byte & 0x7f
  let shift = 7
  do {
    byte = b[p++]!
    v |= (byte & 0x7f) << shift
    shift += 7
  } while (byte >= 0x80 && shift < 35)
  return (v >>> 1) ^ -(v & 1)
}

function varlong(b: Buffer): number {
  let byte = b[p++]!
  if (byte < 0x80) return (byte >>> 1) ^ -(byte & 1)
  let v = byte & 0x7f
  let mul = 128
  do {
    byte = b[p++]!
    v += (byte & 0x7f) * mul
    mul *= 128
  } while (byte >= 0x80 && mul < 2 ** 70)
  return v % 2 === 1 ? -(v + 1) / 2 : v / 2
}

/** What a header-only walk of a record set tells: enough to send the next Fetch at once. */
export interface RecordSetPeek {
  nextOffset: number
  batches: number
  partial: boolean
  reachedEnd: boolean
}

/**
 * Walks only the batch headers of `data[start, end)` (no inflating, no record decoding): the
 * fetch client uses it to send the next request before decoding this one. Format errors are
 * left for decodeRecordSet() to report.
 */
export function peekRecordSet(
  data: Buffer,
  start: number,
  end: number,
  fromOffset: number,
  rangeEnd: number,
): RecordSetPeek {
  const out: RecordSetPeek = { nextOffset: fromOffset, batches: 0, partial: false, reachedEnd: false }
  let pos = start
  while (pos < end) {
    if (end - pos < BATCH_HEADER) {
      out.partial = true
      break
    }
    const batchEnd = pos + 12 + data.readInt32BE(pos + 8)
    if (data[pos + 16] !== 2) break
    if (batchEnd > end) {
      out.partial = true
      break
    }
    out.batches++
    const baseOffset = int64(data, pos)
    if (baseOffset >= rangeEnd) {
      out.reachedEnd = true
      break
    }
    const lastOffset = baseOffset + data.readInt32BE(pos + 23)
    if (lastOffset >= out.nextOffset) out.nextOffset = lastOffset + 1
    pos = batchEnd
    if (out.nextOffset >= rangeEnd) {
      out.reachedEnd = true
      break
    }
  }
  return out
}

function int64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * 4294967296 + b.readUInt32BE(at + 4)
}

interface BatchInfo {
  baseOffset: number
  baseTimestamp: number
  maxTimestamp: number
  logAppendTime: boolean
  count: number
  /** Where the records start in `src`, and where they end. */
  src: Buffer
  start: number
  end: number
}

/**
 * Decodes the record set `data[start, end)` of one partition, keeping offsets in
 * [rangeStart, rangeEnd). Throws SLUICE_KAFKA_MESSAGE_FORMAT, SLUICE_KAFKA_COMPRESSION_UNSUPPORTED
 * or SLUICE_KAFKA_CORRUPT_RECORD.
 */
export function decodeRecordSet(
  data: Buffer,
  start: number,
  end: number,
  topic: string,
  partition: number,
  rangeStart: number,
  rangeEnd: number,
): DecodeResult {
  const batches: BatchInfo[] = []
  let nextOffset = rangeStart
  let pos = start
  let partial = false
  let reachedEnd = false
  let complete = 0
  let total = 0
  let compressed = false
  while (pos < end) {
    if (end - pos < BATCH_HEADER) {
      partial = true
      break
    }
    const baseOffset = int64(data, pos)
    const batchEnd = pos + 12 + data.readInt32BE(pos + 8)
    const magic = data[pos + 16]!
    if (magic !== 2) throw formatError(magic, topic, partition, baseOffset)
    if (batchEnd > end) {
      partial = true
      break
    }
    complete++
    const attributes = data.readInt16BE(pos + 21)
    const lastOffset = baseOffset + data.readInt32BE(pos + 23)
    if (baseOffset >= rangeEnd) {
      reachedEnd = true
      break
    }
    if (lastOffset >= nextOffset) nextOffset = lastOffset + 1
    // Skipped: entirely before the range, or a control batch (transaction markers).
    if (lastOffset < rangeStart || (attributes & 0x20) !== 0) {
      pos = batchEnd
      if (nextOffset >= rangeEnd) {
        reachedEnd = true
        break
      }
      continue
    }
    const count = data.readInt32BE(pos + 57)
    const codec = attributes & 7
    let src = data
    let recStart = pos + BATCH_HEADER
    let recEnd = batchEnd
    if (codec !== 0) {
      if (codec !== 1) throw codecError(codec, topic, partition, baseOffset)
      src = inflate(data.subarray(recStart, recEnd), topic, partition, baseOffset)
      recStart = 0
      recEnd = src.length
      compressed = true
    }
    batches.push({
      baseOffset,
      baseTimestamp: int64(data, pos + 27),
      maxTimestamp: int64(data, pos + 35),
      logAppendTime: (attributes & 0x08) !== 0,
      count,
      src,
      start: recStart,
      end: recEnd,
    })
    total += count
    pos = batchEnd
    if (nextOffset >= rangeEnd) {
      reachedEnd = true
      break
    }
  }

  // One buffer per chunk: the network buffer itself when nothing was compressed, else the
  // record sections of all batches copied together.
  let buf = data
  if (compressed) {
    let size = 0
    for (const b of batches) size += b.end - b.start
    buf = Buffer.allocUnsafe(size)
    let at = 0
    for (const b of batches) {
      b.src.copy(buf, at, b.start, b.end)
      b.end = at + (b.end - b.start)
      b.start = at
      at = b.end
    }
  }

  const offsets = new Float64Array(total)
  const timestamps = new Float64Array(total)
  const index = new Int32Array(total * STRIDE)
  let n = 0
  for (const b of batches) {
    n = decodeBatch(buf, b, offsets, timestamps, index, n, rangeStart, rangeEnd, topic, partition)
  }
  return {
    chunk: { topic, partition, buf, count: n, offsets, timestamps, index },
    nextOffset,
    batches: complete,
    partial,
    reachedEnd,
  }
}

function decodeBatch(
  buf: Buffer,
  b: BatchInfo,
  offsets: Float64Array,
  timestamps: Float64Array,
  index: Int32Array,
  n: number,
  rangeStart: number,
  rangeEnd: number,
  topic: string,
  partition: number,
): number {
  p = b.start
  const batchEnd = b.end
  const tsType = b.logAppendTime ? 1 : 0
  for (let i = 0; i < b.count; i++) {
    const len = varint(buf)
    const recordEnd = p + len
    if (len < 0 || recordEnd > batchEnd) throw corruptError(topic, partition, b.baseOffset, i)
    p++ // record attributes (unused)
    const tsDelta = varlong(buf)
    const offset = b.baseOffset + varint(buf)
    if (offset < rangeStart) {
      p = recordEnd
      continue
    }
    if (offset >= rangeEnd) break
    const keyLen = varint(buf)
    const x = n * STRIDE
    if (keyLen < 0) {
      index[x + IDX_KEY_START] = -1
      index[x + IDX_KEY_END] = -1
    } else {
      index[x + IDX_KEY_START] = p
      p += keyLen
      index[x + IDX_KEY_END] = p
    }
    const valueLen = varint(buf)
    if (valueLen < 0) {
      index[x + IDX_VALUE_START] = -1
      index[x + IDX_VALUE_END] = -1
    } else {
      index[x + IDX_VALUE_START] = p
      p += valueLen
      index[x + IDX_VALUE_END] = p
    }
    index[x + IDX_HEADER_COUNT] = varint(buf)
    index[x + IDX_HEADERS_START] = p
    index[x + IDX_TIMESTAMP_TYPE] = tsType
    if (p > recordEnd) throw corruptError(topic, partition, b.baseOffset, i)
    offsets[n] = offset
    timestamps[n] = tsType === 1 ? b.maxTimestamp : b.baseTimestamp + tsDelta
    n++
    p = recordEnd
  }
  return n
}

function inflate(data: Buffer, topic: string, partition: number, baseOffset: number): Buffer {
  try {
    return gunzipSync(data)
  } catch (cause) {
    throw new SluiceError(
      'SLUICE_KAFKA_CORRUPT_RECORD',
      `gzip record batch at offset ${baseOffset} of ${topic}-${partition} does not inflate ` +
        `(${(cause as Error).message}). The data on the broker is damaged or was written by a ` +
        'non-conforming producer; inspect the batch with kcat, then skip it by moving the offsets.',
      { cause, details: { topic, partition, offset: baseOffset } },
    )
  }
}

function formatError(magic: number, topic: string, partition: number, offset: number): SluiceError {
  const format = magic === 0 ? 'v0 (Kafka 0.8-0.9)' : magic === 1 ? 'v1 (Kafka 0.10)' : `v${magic}`
  return new SluiceError(
    'SLUICE_KAFKA_MESSAGE_FORMAT',
    `${topic}-${partition} at offset ${offset} holds messages in the old message format ${format}; ` +
      'sluice reads only RecordBatch v2 (Kafka 0.11+). Upgrade the topic\'s message format ' +
      '(log.message.format.version / message.format.version >= 0.11) or copy the topic with a ' +
      'current producer.',
    { details: { topic, partition, offset, magic } },
  )
}

function codecError(codec: number, topic: string, partition: number, offset: number): SluiceError {
  const name = CODECS[codec] ?? `codec ${codec}`
  return new SluiceError(
    'SLUICE_KAFKA_COMPRESSION_UNSUPPORTED',
    `${topic}-${partition} at offset ${offset} holds a ${name}-compressed record batch; sluice ` +
      'decodes only uncompressed and gzip batches. Set compression.type=gzip (or none) on the ' +
      `producers or on the topic (kafka-configs --alter --add-config compression.type=gzip) so ` +
      'the broker recompresses new data.',
    { details: { topic, partition, offset, codec: name } },
  )
}

function corruptError(topic: string, partition: number, offset: number, i: number): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_CORRUPT_RECORD',
    `record ${i} of the batch at offset ${offset} of ${topic}-${partition} runs past the end of ` +
      'its batch: the data is corrupt or not RecordBatch v2. Inspect it with kcat; to skip it, ' +
      'move the starting offsets past the batch.',
    { details: { topic, partition, offset, record: i } },
  )
}
