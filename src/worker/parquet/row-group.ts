/**
 * One Parquet row group being built in a read task: rows are shredded into their leaf columns
 * (Dremel's repetition and definition levels) as they arrive, their values PLAIN-encoded straight
 * into one growing buffer per column, so a row's JS values are not kept. `encode()` turns the
 * columns into column chunks of one data page (v1) each, compressed with the sink's codec, and
 * returns the bytes with the metadata the merge writer's footer needs (offsets relative to the
 * row group's first byte: the merge writer rebases them where the row group lands in its file).
 *
 * Encodings: values PLAIN, levels RLE (the RLE/bit-packing hybrid with RLE runs only), pages
 * without statistics. Readers (Spark, pyarrow, DuckDB, Trino) read every one of these.
 */
import { gzipSync } from 'node:zlib'
import { snappyBlock, zstdFrame } from '../compressors.js'
import { type Leaf, type Node, type ParquetSchema, Physical } from './schema.js'
import { thriftStruct } from './thrift.js'

/** sink.compression values a Parquet sink takes (Spark's parquet `compression` names). */
export const PARQUET_CODECS = ['none', 'snappy', 'gzip', 'zstd'] as const
export type ParquetCodec = (typeof PARQUET_CODECS)[number]
/** parquet.thrift CompressionCodec. */
export const CODEC_ID: Record<ParquetCodec, number> = { none: 0, snappy: 1, gzip: 2, zstd: 6 }
/** Spark's file-name infix per codec (`part-…-c000.snappy.parquet`). */
export const PARQUET_EXTENSION: Record<ParquetCodec, string> = {
  none: '.parquet',
  snappy: '.snappy.parquet',
  gzip: '.gz.parquet',
  zstd: '.zstd.parquet',
}

/** What the footer needs of one column chunk. */
export interface ChunkMeta {
  /** Offset of the chunk (its data page header) from the row group's first byte. */
  offset: number
  compressed: number
  uncompressed: number
  /** Level entries (values + nulls + empty lists). */
  numValues: number
}

/** What the footer needs of one row group (plain data: it crosses the thread boundary). */
export interface RowGroupMeta {
  rows: number
  codec: ParquetCodec
  /** Bytes of the row group (all its chunks). */
  bytes: number
  /** Sum of the chunks' uncompressed sizes (RowGroup.total_byte_size). */
  uncompressed: number
  chunks: ChunkMeta[]
}

const DAY_US = 86_400_000_000
/** Julian day number of 1970-01-01. */
const JULIAN_EPOCH = 2_440_588

/** A growable little-endian byte buffer. */
class Bytes {
  buf = Buffer.allocUnsafe(1024)
  pos = 0
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.buf.copy(grown, 0, 0, this.pos)
    this.buf = grown
  }
}

class Column {
  readonly leaf: Leaf
  values = new Bytes()
  defs: number[] = []
  reps: number[] = []
  /** Booleans (bit-packed at encode time). */
  bools: boolean[] = []
  constructor(leaf: Leaf) {
    this.leaf = leaf
  }

  push(r: number, d: number, v: unknown): void {
    if (this.leaf.maxRep > 0) this.reps.push(r)
    if (this.leaf.maxDef > 0) this.defs.push(d)
    if (d === this.leaf.maxDef) this.write(v)
  }

  /** PLAIN encoding of one non-null value. */
  write(v: unknown): void {
    const b = this.values
    switch (this.leaf.encoding) {
      case 'string': {
        const s = v as string
        b.room(4 + s.length * 3)
        const n = b.buf.write(s, b.pos + 4, 'utf8')
        b.buf.writeInt32LE(n, b.pos)
        b.pos += 4 + n
        return
      }
      case 'binary': {
        const u = v as Uint8Array
        b.room(4 + u.length)
        b.buf.writeInt32LE(u.length, b.pos)
        b.buf.set(u, b.pos + 4)
        b.pos += 4 + u.length
        return
      }
      case 'boolean':
        this.bools.push(v as boolean)
        return
      case 'int32':
        b.room(4)
        b.pos = b.buf.writeInt32LE(v as number, b.pos)
        return
      case 'int64':
      case 'ts-micros':
        b.room(8)
        if (typeof v === 'number') writeInt64(b, v)
        else b.pos = b.buf.writeBigInt64LE(v as bigint, b.pos)
        return
      case 'ts-millis':
        b.room(8)
        b.pos = b.buf.writeBigInt64LE(BigInt(Math.floor((v as number) / 1000)), b.pos)
        return
      case 'int96': {
        // nanoseconds of the day (int64 LE), then the Julian day (int32 LE): Spark's INT96.
        const us = v as number
        const days = Math.floor(us / DAY_US)
        b.room(12)
        b.buf.writeBigInt64LE(BigInt(us - days * DAY_US) * 1000n, b.pos)
        b.buf.writeInt32LE(days + JULIAN_EPOCH, b.pos + 8)
        b.pos += 12
        return
      }
      case 'float':
        b.room(4)
        b.pos = b.buf.writeFloatLE(v as number, b.pos)
        return
      case 'double':
        b.room(8)
        b.pos = b.buf.writeDoubleLE(v as number, b.pos)
        return
      case 'dec32':
        b.room(4)
        b.pos = b.buf.writeInt32LE(Number(unscaled(v as string)), b.pos)
        return
      case 'dec64':
        b.room(8)
        b.pos = b.buf.writeBigInt64LE(unscaled(v as string), b.pos)
        return
      case 'decfixed': {
        // Big-endian two's complement in typeLength bytes, as Spark writes FIXED_LEN_BYTE_ARRAY decimals.
        const n = this.leaf.typeLength
        let x = BigInt.asUintN(n * 8, unscaled(v as string))
        b.room(n)
        for (let i = n - 1; i >= 0; i--) {
          b.buf[b.pos + i] = Number(x & 0xffn)
          x >>= 8n
        }
        b.pos += n
      }
    }
  }

  /** Bytes this column holds allocated (its value buffer and levels). */
  get size(): number {
    return this.values.buf.length + (this.defs.length + this.reps.length) * 8 + this.bools.length
  }
}

/** A safe integer as int64 LE without a BigInt (two 32-bit halves; floor keeps negatives right). */
function writeInt64(b: Bytes, v: number): void {
  const hi = Math.floor(v / 4294967296)
  b.buf.writeUInt32LE(v - hi * 4294967296, b.pos)
  b.buf.writeInt32LE(hi, b.pos + 4)
  b.pos += 8
}

/** A DECIMAL's plain string ("-12.50") → its unscaled value. */
function unscaled(s: string): bigint {
  return BigInt(s.replace('.', ''))
}

/** RLE runs of `levels` with `bitWidth` bits each (the hybrid encoding without bit-packed runs). */
export function rleLevels(levels: readonly number[], bitWidth: number): Buffer {
  const width = (bitWidth + 7) >> 3
  const out = new Bytes()
  let i = 0
  while (i < levels.length) {
    const v = levels[i]!
    let j = i + 1
    while (j < levels.length && levels[j] === v) j++
    out.room(10 + width)
    let header = (j - i) * 2
    while (header >= 0x80) {
      out.buf[out.pos++] = (header & 0x7f) | 0x80
      header = Math.floor(header / 128)
    }
    out.buf[out.pos++] = header
    for (let k = 0; k < width; k++) out.buf[out.pos++] = (v >> (8 * k)) & 0xff
    i = j
  }
  return out.buf.subarray(0, out.pos)
}

/** Data page v1 levels: a 4-byte length, then the RLE runs. */
function levelsSection(levels: readonly number[], maxLevel: number): Buffer {
  const runs = rleLevels(levels, 32 - Math.clz32(maxLevel))
  const out = Buffer.allocUnsafe(4 + runs.length)
  out.writeInt32LE(runs.length, 0)
  runs.copy(out, 4)
  return out
}

function packBools(bools: readonly boolean[]): Buffer {
  const out = Buffer.alloc((bools.length + 7) >> 3)
  for (let i = 0; i < bools.length; i++) if (bools[i]) out[i >> 3]! |= 1 << (i & 7)
  return out
}

async function compress(codec: ParquetCodec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'none':
      return data
    case 'snappy':
      return snappyBlock(data)
    case 'gzip':
      return gzipSync(data)
    case 'zstd':
      return zstdFrame(data)
  }
}

export class RowGroupBuilder {
  readonly schema: ParquetSchema
  rows = 0
  #columns: Column[]

  constructor(schema: ParquetSchema) {
    this.schema = schema
    this.#columns = schema.leaves.map((l) => new Column(l))
  }

  /** Appends one row: `values[i]` is top-level column i's value (types.ts's representation; null is NULL). */
  append(values: readonly unknown[]): void {
    const nodes = this.schema.columns
    for (let i = 0; i < nodes.length; i++) this.#shred(nodes[i]!, values[i] ?? null, 0, 0)
    this.rows++
  }

  /** Leaf `i`'s repetition and definition levels so far (for tests and diagnostics). */
  levels(i: number): { reps: readonly number[]; defs: readonly number[] } {
    const c = this.#columns[i]!
    return { reps: c.reps, defs: c.defs }
  }

  /** Bytes the builder holds allocated (an estimate from its buffers' capacity). */
  get size(): number {
    let n = 0
    for (const c of this.#columns) n += c.size
    return n
  }

  #shred(node: Node, v: unknown, r: number, d: number): void {
    if (v === null) {
      if (node.k === 'leaf') this.#columns[node.leaf.index]!.push(r, d, null)
      else for (const l of node.leaves) this.#columns[l.index]!.push(r, d, null)
      return
    }
    const dd = node.optional ? d + 1 : d
    switch (node.k) {
      case 'leaf':
        this.#columns[node.leaf.index]!.push(r, dd, v)
        return
      case 'struct': {
        const fields = v as unknown[]
        for (let i = 0; i < node.children.length; i++) this.#shred(node.children[i]!, fields[i] ?? null, r, dd)
        return
      }
      case 'list': {
        const items = v as unknown[]
        if (items.length === 0) {
          for (const l of node.leaves) this.#columns[l.index]!.push(r, dd, null)
          return
        }
        for (let i = 0; i < items.length; i++) this.#shred(node.element, items[i] ?? null, i === 0 ? r : node.rep, dd + 1)
        return
      }
      case 'map': {
        const kv = v as unknown[]
        if (kv.length === 0) {
          for (const l of node.leaves) this.#columns[l.index]!.push(r, dd, null)
          return
        }
        for (let i = 0; i < kv.length; i += 2) {
          const rr = i === 0 ? r : node.rep
          this.#shred(node.key, kv[i], rr, dd + 1)
          this.#shred(node.value, kv[i + 1] ?? null, rr, dd + 1)
        }
      }
    }
  }

  /** The row group's column chunks, each one compressed data page, and their metadata. */
  async encode(codec: ParquetCodec): Promise<{ parts: Buffer[]; meta: RowGroupMeta }> {
    const parts: Buffer[] = []
    const chunks: ChunkMeta[] = []
    let offset = 0
    let uncompressedTotal = 0
    for (const c of this.#columns) {
      const leaf = c.leaf
      const sections: Buffer[] = []
      if (leaf.maxRep > 0) sections.push(levelsSection(c.reps, leaf.maxRep))
      if (leaf.maxDef > 0) sections.push(levelsSection(c.defs, leaf.maxDef))
      sections.push(leaf.physical === Physical.BOOLEAN ? packBools(c.bools) : c.values.buf.subarray(0, c.values.pos))
      const raw = sections.length === 1 ? sections[0]! : Buffer.concat(sections)
      const page = await compress(codec, raw)
      const numValues = leaf.maxDef > 0 ? c.defs.length : this.rows
      const header = thriftStruct([
        [1, 'i32', 0], // DATA_PAGE
        [2, 'i32', raw.length],
        [3, 'i32', page.length],
        // DataPageHeader: num_values, encoding PLAIN (0), definition and repetition levels RLE (3)
        [5, 'struct', [[1, 'i32', numValues], [2, 'i32', 0], [3, 'i32', 3], [4, 'i32', 3]]],
      ])
      parts.push(Buffer.from(header), page)
      const compressed = header.length + page.length
      const uncompressed = header.length + raw.length
      chunks.push({ offset, compressed, uncompressed, numValues })
      offset += compressed
      uncompressedTotal += uncompressed
    }
    return { parts, meta: { rows: this.rows, codec, bytes: offset, uncompressed: uncompressedTotal, chunks } }
  }
}

