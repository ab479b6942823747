/**
 * When a merge writer closes a directory's file and opens the next one (`-c001`, `-c002`, … as
 * Spark names the files of one task beyond `maxRecordsPerFile`): the one, format-neutral cut
 * decision of the sink options `maxRecordsPerFile` (Spark's, 0 = no limit) and `targetFileSize`
 * (a size target; 0 = none).
 *
 * The merge writer asks {@link FileRoller.take} before it appends a block (a read task's rows for
 * one directory, up to 256 KiB: row-blocks.ts) how much of it the open file takes; the rest goes
 * to the next file. `maxRecordsPerFile` is record-exact: a block is split at a row boundary.
 * `targetFileSize` counts the bytes the file has passed to the store (after compression), so a
 * file is closed once it has reached the target: it is at least the target (unless it is the
 * directory's last file of the batch). Uncompressed, a block is split at the first row end at or
 * past the target, so a file passes it by less than one row. Compressed, what a row costs is
 * known only after the compressor has passed it on (zlib holds back up to its window), so blocks
 * go whole and the file is closed after the block that makes it reach the target: it passes the
 * target by less than one block's compressed size plus what the compressor still held.
 *
 * The row boundaries are the format's: a {@link RowLocator} finds where a block's rows end. For
 * JSON lines that is {@link jsonLineLocator}; another format (Parquet) passes its own.
 */

export interface RollLimits {
  /** Spark's maxRecordsPerFile: at most this many rows per file; 0 (or negative): no limit. */
  maxRecordsPerFile: number
  /** sink.targetFileSize in bytes as stored (after compression); 0: no target. */
  targetFileSize: number
  /** The files are compressed (sink.compression other than none): blocks are not split by size. */
  compressed?: boolean
}

/** What the open file holds so far. */
export interface FileFill {
  rows: number
  /** Encoded row bytes appended (before compression). */
  bytesIn: number
  /** Bytes passed to the store (after compression). */
  bytesOut: number
}

/** Where rows end in a block: the byte offset just past row `k` (1-based), or past the row holding byte `minBytes - 1`. */
export interface RowLocator {
  /** Offset just past the k-th row (k ≥ 1, k < the block's rows). */
  afterRows(block: Uint8Array, k: number): number
  /** The smallest row end ≥ minBytes, with the number of rows up to it; null when the block ends first. */
  rowEndAtOrAfter(block: Uint8Array, minBytes: number): { end: number; rows: number } | null
}

/** How much of a block the open file takes. */
export interface Take {
  /** Rows of the block that go into the open file (≥ 1 unless the file is already full). */
  rows: number
  /** Their bytes: [0, bytes) of the block. */
  bytes: number
  /** The open file is full after them: close it. */
  full: boolean
}

export class FileRoller {
  readonly #max: number
  readonly #target: number
  readonly #compressed: boolean

  constructor(limits: RollLimits) {
    this.#max = limits.maxRecordsPerFile > 0 ? limits.maxRecordsPerFile : 0
    this.#target = limits.targetFileSize > 0 ? limits.targetFileSize : 0
    this.#compressed = limits.compressed === true
  }

  /** Whether any limit is set (without one, files are cut only for memory). */
  get active(): boolean {
    return this.#max > 0 || this.#target > 0
  }

  /**
   * Whether a file holding `f` must be closed before it takes a unit of `rows` rows that cannot
   * be split (a Parquet row group): it would pass maxRecordsPerFile (an empty file takes any unit;
   * the read tasks keep row groups at most maxRecordsPerFile rows), or it is full.
   */
  closesBefore(f: FileFill, rows: number): boolean {
    if (f.rows === 0) return false
    return (this.#max > 0 && f.rows + rows > this.#max) || this.isFull(f)
  }

  /** Whether a file holding `f` must be closed before it takes another row. */
  isFull(f: FileFill): boolean {
    return (this.#max > 0 && f.rows >= this.#max) || (this.#target > 0 && f.bytesOut >= this.#target)
  }

  /** How much of a block of `rows` rows goes to a file holding `f` (which is not full). */
  take(f: FileFill, block: Uint8Array, rows: number, locate: RowLocator): Take {
    const all = { rows, bytes: block.byteLength, full: false }
    if (rows === 0) return all
    let cutRows = rows
    let cutBytes = block.byteLength
    if (this.#max > 0 && f.rows + rows >= this.#max) {
      cutRows = this.#max - f.rows
      if (cutRows < rows) cutBytes = locate.afterRows(block, cutRows)
      all.full = true
    }
    if (this.#target > 0 && !this.#compressed) {
      // Uncompressed: stored bytes are the rows' bytes.
      const left = this.#target - f.bytesOut
      if (left <= cutBytes) {
        const at = left >= block.byteLength ? null : locate.rowEndAtOrAfter(block, Math.max(1, left))
        if (at === null) {
          all.full = true
        } else if (at.rows <= cutRows) {
          cutRows = at.rows
          cutBytes = at.end
          all.full = true
        }
      }
    }
    return { rows: cutRows, bytes: cutBytes, full: all.full }
  }
}

/**
 * Row ends in JSON-lines blocks ending each row in `lineSep`. Spark's JSON writer escapes every
 * control character inside strings and writes no whitespace between tokens, so a separator made of
 * control characters only (`\n`, `\r\n`, the default) never occurs inside a row: found by search.
 * Any other separator could occur inside a string value; then rows are found by their structure
 * (each row is one JSON object: the separator after the `}` that closes it).
 */
export function jsonLineLocator(lineSep: string): RowLocator {
  const sep = Buffer.from(lineSep, 'utf8')
  const plain = [...lineSep].every((ch) => ch.charCodeAt(0) < 0x20)
  /** Offset just past the separator of the row that starts at `from`. */
  const nextEnd = plain
    ? (b: Buffer, from: number): number => {
        const i = b.indexOf(sep, from)
        return i < 0 ? b.length : i + sep.length
      }
    : (b: Buffer, from: number): number => {
        let depth = 0
        let inString = false
        for (let i = from; i < b.length; i++) {
          const c = b[i]!
          if (inString) {
            if (c === 0x5c) i++
            else if (c === 0x22) inString = false
          } else if (c === 0x22) inString = true
          else if (c === 0x7b || c === 0x5b) depth++
          else if (c === 0x7d || c === 0x5d) {
            if (--depth === 0) return Math.min(b.length, i + 1 + sep.length)
          }
        }
        return b.length
      }
  const view = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength))
  return {
    afterRows(block, k) {
      const b = view(block)
      let at = 0
      for (let n = 0; n < k && at < b.length; n++) at = nextEnd(b, at)
      return at
    },
    rowEndAtOrAfter(block, minBytes) {
      const b = view(block)
      let at = 0
      let rows = 0
      while (at < b.length) {
        at = nextEnd(b, at)
        rows++
        if (at >= minBytes) return at >= b.length ? null : { end: at, rows }
      }
      return null
    },
  }
}
