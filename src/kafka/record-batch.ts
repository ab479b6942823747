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
 * Every batch decoded is checked: batchLength at least the 49 bytes of header after it and within
 * the response, a record count the batch can hold, and the CRC-32C (crc32c.ts; as the Java
 * consumer's check.crcs=true). Compressed batches are inflated by codecs/ (zstd before this
 * runs, see inflateAsyncBatches). Under read_committed, batches of aborted transactions (the
 * Fetch response's aborted_transactions, applied as the Java consumer does) are skipped; control
 * batches never become records under either isolation level.
 */
import { SluiceError } from '../errors.js'
import { decompressSync } from './codecs/index.js'
import { crc32c } from './crc32c.js'
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
/** batchLength counts the bytes after itself: at least the rest of the 61-byte header. */
const MIN_BATCH_LENGTH = BATCH_HEADER - 12

/** One entry of a Fetch response's aborted_transactions (read_committed). */
export interface AbortedTransaction {
  producerId: number
  firstOffset: number
}

export interface DecodeOptions {
  /** Records sections inflated ahead (zstd), keyed by the batch's position in `data`. */
  inflated?: Map<number, Buffer> | undefined
  /** read_committed: the response's aborted transactions, in firstOffset order. */
  aborted?: AbortedTransaction[] | undefined
}

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
  /** Bytes of the whole batches walked that hold offsets below rangeEnd (from `start`). */
  bytes: number
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
  const out: RecordSetPeek = { nextOffset: fromOffset, batches: 0, bytes: 0, partial: false, reachedEnd: false }
  let pos = start
  while (pos < end) {
    if (end - pos < BATCH_HEADER) {
      out.partial = true
      break
    }
    const length = data.readInt32BE(pos + 8)
    const batchEnd = pos + 12 + length
    if (data[pos + 16] !== 2 || length < MIN_BATCH_LENGTH) break
    if (batchEnd > end) {
      out.partial = true
      break
    }
    out.batches++
    const baseOffset = int64(data, pos)
    if (baseOffset >= rangeEnd) {
      // The offsets up to rangeEnd are not in the log (compacted away): the range is done.
      if (out.nextOffset < rangeEnd) out.nextOffset = rangeEnd
      out.reachedEnd = true
      break
    }
    const lastOffset = baseOffset + data.readInt32BE(pos + 23)
    if (lastOffset >= out.nextOffset) out.nextOffset = lastOffset + 1
    out.bytes = batchEnd - start
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
 *
 * Over 80 lines on purpose: the decoder's hot loop over batches, with the checks of each batch's
 * header inline, keeps its cursor and counters in locals instead of an object passed around per
 * batch (bench/decode.bench.ts measures it).
 */
export function decodeRecordSet(
  data: Buffer,
  start: number,
  end: number,
  topic: string,
  partition: number,
  rangeStart: number,
  rangeEnd: number,
  opts: DecodeOptions = {},
): DecodeResult {
  const batches: BatchInfo[] = []
  const txns = opts.aborted && opts.aborted.length > 0 ? new AbortedTracker(opts.aborted) : null
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
    const length = data.readInt32BE(pos + 8)
    const batchEnd = pos + 12 + length
    const magic = data[pos + 16]!
    if (magic !== 2) throw formatError(magic, topic, partition, baseOffset)
    if (length < MIN_BATCH_LENGTH) throw batchError(topic, partition, baseOffset, `batchLength ${length} is below the ${MIN_BATCH_LENGTH}-byte minimum`)
    if (batchEnd > end) {
      partial = true
      break
    }
    complete++
    const attributes = data.readInt16BE(pos + 21)
    const lastOffset = baseOffset + data.readInt32BE(pos + 23)
    if (baseOffset >= rangeEnd) {
      // The offsets up to rangeEnd are not in the log (compacted away): the range is done.
      if (nextOffset < rangeEnd) nextOffset = rangeEnd
      reachedEnd = true
      break
    }
    if (lastOffset >= nextOffset) nextOffset = lastOffset + 1
    const skip = lastOffset < rangeStart || skipBatch(data, pos, batchEnd, attributes, lastOffset, txns)
    if (!skip) {
      const b = batchInfo(data, pos, batchEnd, attributes, baseOffset, topic, partition, opts.inflated)
      compressed ||= b.src !== data
      batches.push(b)
      total += b.count
    }
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

/**
 * Whether a complete batch in the range is left out: control batches (transaction markers,
 * which also close an aborted transaction) and, under read_committed, the batches of aborted
 * transactions. Only the batches decoded have their CRC checked (batchInfo).
 */
function skipBatch(
  data: Buffer,
  pos: number,
  batchEnd: number,
  attributes: number,
  lastOffset: number,
  txns: AbortedTracker | null,
): boolean {
  const control = (attributes & 0x20) !== 0
  if (txns === null) return control
  if ((attributes & 0x10) === 0) return control // not transactional
  const producerId = int64(data, pos + 43)
  txns.upTo(lastOffset)
  if (control) {
    // Control record key: version:int16 type:int16 (0 = ABORT, 1 = COMMIT), in the one record.
    if (controlType(data, pos + BATCH_HEADER, batchEnd) === 0) txns.end(producerId)
    return true
  }
  return txns.isAborted(producerId)
}

/** The control type of a control batch's first record, -1 when unreadable. */
function controlType(data: Buffer, at: number, end: number): number {
  p = at
  varint(data) // length
  p++ // attributes
  varlong(data) // timestamp delta
  varint(data) // offset delta
  const keyLen = varint(data)
  if (keyLen < 4 || p + 4 > end) return -1
  return data.readInt16BE(p + 2)
}

/** The Java consumer's bookkeeping of aborted transactions while walking a response. */
class AbortedTracker {
  #list: AbortedTransaction[]
  #next = 0
  #open = new Set<number>()

  constructor(list: AbortedTransaction[]) {
    this.#list = [...list].sort((a, b) => a.firstOffset - b.firstOffset)
  }

  /** Aborted transactions that start at or before `offset` become open. */
  upTo(offset: number): void {
    while (this.#next < this.#list.length && this.#list[this.#next]!.firstOffset <= offset) {
      this.#open.add(this.#list[this.#next++]!.producerId)
    }
  }

  isAborted(producerId: number): boolean {
    return this.#open.has(producerId)
  }

  end(producerId: number): void {
    this.#open.delete(producerId)
  }
}

/** Checks one batch to decode (CRC, count) and inflates its records when compressed. */
function batchInfo(
  data: Buffer,
  pos: number,
  batchEnd: number,
  attributes: number,
  baseOffset: number,
  topic: string,
  partition: number,
  inflated: Map<number, Buffer> | undefined,
): BatchInfo {
  const stored = data.readUInt32BE(pos + 17)
  const actual = crc32c(data, pos + 21, batchEnd)
  if (stored !== actual) {
    throw batchError(
      topic,
      partition,
      baseOffset,
      `its CRC-32C is ${hex(actual)}, the batch header says ${hex(stored)}`,
    )
  }
  const count = data.readInt32BE(pos + 57)
  const codec = attributes & 7
  let src = data
  let recStart = pos + BATCH_HEADER
  let recEnd = batchEnd
  if (codec !== 0) {
    const ref = { topic, partition, offset: baseOffset }
    src = inflated?.get(pos) ?? decompressSync(codec, data.subarray(recStart, recEnd), ref)
    recStart = 0
    recEnd = src.length
  }
  // Every record takes at least 7 bytes (length, attributes, 3 varints, 2 null lengths, header count).
  if (count < 0 || count * 7 > recEnd - recStart) {
    throw batchError(topic, partition, baseOffset, `its record count ${count} does not fit in its ${recEnd - recStart} bytes of records`)
  }
  return {
    baseOffset,
    baseTimestamp: int64(data, pos + 27),
    maxTimestamp: int64(data, pos + 35),
    logAppendTime: (attributes & 0x08) !== 0,
    count,
    src,
    start: recStart,
    end: recEnd,
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
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

function batchError(topic: string, partition: number, offset: number, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_CORRUPT_RECORD',
    `the record batch at offset ${offset} of ${topic}-${partition} is damaged: ${why}. The bytes ` +
      'were corrupted between the broker\'s disk and sluice, or a non-conforming producer wrote ' +
      'them; the range fails and is not written. Inspect the batch with kcat (-o <offset> -c 1); ' +
      'to skip it, move the starting offsets past the batch.',
    { details: { topic, partition, offset } },
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
