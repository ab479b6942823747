/**
 * One Parquet output file of a merge writer (the counterpart of partition-file.ts for
 * `sink.format: parquet`). Row groups arrive already encoded and compressed from the read tasks
 * (row-group.ts, on the worker threads); this file only streams their bytes to the store's
 * ObjectWriter (multipart parts) after the `PAR1` magic, keeps each row group's small metadata
 * with its offset in the file, and at finish() writes the footer: FileMetaData (Thrift compact),
 * its length and `PAR1`. The coordinator thread thus does no per-row or per-value work.
 *
 * Memory: the row-group bytes are passed on as they arrive (the store writer copies them into its
 * part buffer); the file keeps only the metadata (a few dozen bytes per column chunk).
 */
import type { ObjectInfo, ObjectWriter, Store } from '../../storage/types.js'
import type { MemoryAccount } from '../memory-account.js'
import { CODEC_ID, type RowGroupMeta } from './row-group.js'
import { type ParquetSchema, parquetSchema, type TimestampType } from './schema.js'
import type { StructField } from '../../sql/types.js'
import { type TField, thriftStruct } from './thrift.js'

const MAGIC = Buffer.from('PAR1', 'ascii')
/** FileMetaData.created_by (parquet-format: "application version (build hash)"). */
export const CREATED_BY = 'sluice version 0.1.0'
/** What the merge writer needs to know of the Parquet output (plain data, in WriterSpec). */
export interface ParquetFileSpec {
  /** The data columns (the select output without partitionBy), in order. */
  columns: StructField[]
  timestampType: TimestampType
}

const schemas = new Map<string, ParquetSchema>()
export function schemaFor(spec: ParquetFileSpec): ParquetSchema {
  const key = JSON.stringify(spec)
  let s = schemas.get(key)
  if (s === undefined) {
    s = parquetSchema(spec.columns, spec.timestampType)
    schemas.set(key, s)
  }
  return s
}

/** FileMetaData of row groups placed at `offsets` (the file offset of each row group's first byte). */
export function fileMetaData(schema: ParquetSchema, groups: readonly RowGroupMeta[], offsets: readonly number[]): Buffer {
  let rows = 0
  const rowGroups = groups.map((g, gi) => {
    rows += g.rows
    const base = offsets[gi]!
    const columns = g.chunks.map((c, ci) => {
      const leaf = schema.leaves[ci]!
      const at = base + c.offset
      const meta: TField[] = [
        [1, 'i32', leaf.physical],
        [2, 'list', { elem: 'i32', items: [0, 3] }], // PLAIN, RLE
        [3, 'list', { elem: 'string', items: leaf.path }],
        [4, 'i32', CODEC_ID[g.codec]],
        [5, 'i64', c.numValues],
        [6, 'i64', c.uncompressed],
        [7, 'i64', c.compressed],
        [9, 'i64', at],
      ]
      return [
        [2, 'i64', at],
        [3, 'struct', meta],
      ] satisfies TField[]
    })
    return [
      [1, 'list', { elem: 'struct', items: columns }],
      [2, 'i64', g.uncompressed],
      [3, 'i64', g.rows],
      [5, 'i64', base],
      [6, 'i64', g.bytes],
      [7, 'i16', gi],
    ] satisfies TField[]
  })
  return thriftStruct([
    [1, 'i32', 1],
    [2, 'list', { elem: 'struct', items: schema.elements }],
    [3, 'i64', rows],
    [4, 'list', { elem: 'struct', items: rowGroups }],
    [6, 'string', CREATED_BY],
  ])
}

/** The footer after the last row group: FileMetaData, its length (LE int32), `PAR1`. */
export function footer(schema: ParquetSchema, groups: readonly RowGroupMeta[], offsets: readonly number[]): Buffer {
  const meta = fileMetaData(schema, groups, offsets)
  const out = Buffer.allocUnsafe(meta.length + 8)
  meta.copy(out, 0)
  out.writeInt32LE(meta.length, meta.length)
  MAGIC.copy(out, meta.length + 4)
  return out
}

export class ParquetFile {
  readonly key: string
  rows = 0
  lastUsed = 0
  #writer: ObjectWriter
  #schema: ParquetSchema
  #groups: RowGroupMeta[] = []
  #offsets: number[] = []
  #pos = 0
  #account: MemoryAccount
  #reported = 0
  #passing = 0

  constructor(store: Store, key: string, spec: ParquetFileSpec, account: MemoryAccount) {
    this.key = key
    this.#writer = store.createWriter(key)
    this.#schema = schemaFor(spec)
    this.#account = account
    this.sync()
  }

  /** Bytes written so far (file-roller.ts FileFill: a row group is already compressed). */
  get bytesIn(): number {
    return this.#pos
  }

  get bytesOut(): number {
    return this.#pos
  }

  get allocatedBytes(): number {
    return this.#passing + this.#groups.length * 64 + this.#writer.allocated
  }

  sync(): void {
    const now = this.allocatedBytes
    this.#account.change(now - this.#reported)
    this.#reported = now
  }

  async #write(b: Uint8Array): Promise<void> {
    this.#passing += b.byteLength
    this.sync()
    try {
      await this.#writer.write(b)
      this.#pos += b.byteLength
    } finally {
      this.#passing -= b.byteLength
      this.sync()
    }
  }

  /** Appends one encoded row group (row-group.ts) of `rows` rows. */
  async appendBytes(bytes: Uint8Array, rows: number, meta?: RowGroupMeta): Promise<void> {
    if (meta === undefined || meta.bytes !== bytes.byteLength || meta.rows !== rows) {
      throw new Error(`a Parquet file got a block that is not one row group (${bytes.byteLength} bytes, ${rows} rows)`)
    }
    if (this.#pos === 0) await this.#write(MAGIC)
    this.#offsets.push(this.#pos)
    this.#groups.push(meta)
    this.rows += rows
    await this.#write(bytes)
  }

  /** Writes the footer (a file without rows gets the magic and a footer with no row group, as Spark writes). */
  async finish(): Promise<void> {
    if (this.#pos === 0) await this.#write(MAGIC)
    await this.#write(footer(this.#schema, this.#groups, this.#offsets))
  }

  async close(): Promise<ObjectInfo> {
    try {
      return await this.#writer.close()
    } finally {
      this.sync()
    }
  }

  async abort(): Promise<void> {
    try {
      await this.#writer.abort()
    } finally {
      this.sync()
    }
  }
}
