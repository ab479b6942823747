/**
 * An independent RecordBatch v2 encoder for tests: zigzag varints, bitwise CRC-32C (not
 * src/kafka/crc32c.ts), gzip, or a records section compressed by the caller with a codec
 * library's own compressor; control, transactional and LogAppendTime batches.
 */
import { gzipSync } from 'node:zlib'

function zigzag(n: bigint): bigint {
  return n >= 0n ? n << 1n : (-n << 1n) - 1n
}

export function varint(n: number | bigint): Buffer {
  let z = zigzag(BigInt(n))
  const out: number[] = []
  do {
    let b = Number(z & 0x7fn)
    z >>= 7n
    if (z > 0n) b |= 0x80
    out.push(b)
  } while (z > 0n)
  return Buffer.from(out)
}

export interface Rec {
  offsetDelta: number
  timestampDelta: number
  key: string | null
  value: string | null
  headers?: [string, string | null][]
}

export function encodeRecord(r: Rec): Buffer {
  const bytes = (s: string | null) =>
    s === null ? [varint(-1)] : [varint(Buffer.byteLength(s)), Buffer.from(s)]
  const hs = r.headers ?? []
  const body = Buffer.concat([
    Buffer.from([0]),
    varint(r.timestampDelta),
    varint(r.offsetDelta),
    ...bytes(r.key),
    ...bytes(r.value),
    varint(hs.length),
    ...hs.flatMap(([k, v]) => [...bytes(k), ...bytes(v)]),
  ])
  return Buffer.concat([varint(body.length), body])
}

/** Bitwise CRC-32C (Castagnoli), independent of src/kafka/crc32c.ts. */
export function crc32cBitwise(b: Buffer): number {
  let c = 0xffffffff
  for (const byte of b) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

export interface Batch {
  baseOffset: number
  baseTimestamp: number
  maxTimestamp?: number
  records: Rec[]
  codec?: number
  logAppendTime?: boolean
  control?: boolean
  magic?: number
  lastOffsetDelta?: number
  /** Records section already compressed (for codecs 2-4), else gzip for codec 1. */
  compressed?: Buffer
  transactional?: boolean
  producerId?: number
}

export function encodeBatch(b: Batch): Buffer {
  let recs: Buffer = Buffer.concat(b.records.map(encodeRecord))
  if (b.compressed) recs = b.compressed
  else if (b.codec === 1) recs = gzipSync(recs)
  const attributes =
    (b.codec ?? 0) | (b.logAppendTime ? 0x08 : 0) | (b.transactional ? 0x10 : 0) | (b.control ? 0x20 : 0)
  const lastOffsetDelta = b.lastOffsetDelta ?? b.records.at(-1)?.offsetDelta ?? 0
  const h = Buffer.alloc(61)
  h.writeBigInt64BE(BigInt(b.baseOffset), 0)
  h.writeInt32BE(61 - 12 + recs.length, 8)
  h.writeInt32BE(0, 12)
  h.writeInt8(b.magic ?? 2, 16)
  h.writeUInt32BE(0, 17)
  h.writeInt16BE(attributes, 21)
  h.writeInt32BE(lastOffsetDelta, 23)
  h.writeBigInt64BE(BigInt(b.baseTimestamp), 27)
  h.writeBigInt64BE(BigInt(b.maxTimestamp ?? b.baseTimestamp), 35)
  h.writeBigInt64BE(BigInt(b.producerId ?? -1), 43)
  h.writeInt16BE(-1, 51)
  h.writeInt32BE(-1, 53)
  h.writeInt32BE(b.records.length, 57)
  const out = Buffer.concat([h, recs])
  out.writeUInt32BE(crc32cBitwise(out.subarray(21)), 17)
  return out
}

/** The records section of `rs`, uncompressed (to compress with a codec library). */
export function recordsSection(rs: Rec[]): Buffer {
  return Buffer.concat(rs.map(encodeRecord))
}

export function recs(from: number, n: number, prefix: string): Rec[] {
  return Array.from({ length: n }, (_, i) => ({
    offsetDelta: from + i,
    timestampDelta: i * 1000,
    key: i % 2 === 0 ? `${prefix}k${i}` : null,
    value: i % 3 === 2 ? null : `${prefix}v${i}`,
  }))
}

