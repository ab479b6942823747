/**
 * One output file of a writer task: the rows of one partition directory, in arrival order.
 *
 * Rows arrive as strings on the hot path and are encoded straight into a byte buffer (no string
 * arrays, no join: measured as a large share of GC). The buffer starts at 8 KiB and doubles up to
 * FLUSH_BYTES, so a directory with few rows costs little; a full FLUSH_BYTES buffer is set aside
 * and handed (compressed when asked: compressors.ts) to the store's ObjectWriter at the next
 * flush(), which uploads a multipart part each time it holds a full part. The compressor is
 * created at the first flush, not at open: a file closed before it holds FLUSH_BYTES of text
 * never keeps one. Rows end with sink.lineSep (Spark's default \n).
 *
 * Memory: every change of what the file holds allocated is reported to the task's MemoryAccount
 * (see memory-account.ts for what is counted); the writer task closes least-recently-used files
 * when the sum passes its budget (see writer-task.ts).
 */
import type { ObjectInfo, ObjectWriter, Store } from '../storage/types.js'
import { type Codec, type Compressor, ZLIB_STATE_BYTES, createCompressor } from './compressors.js'
import type { MemoryAccount } from './memory-account.js'

/** Encoded rows buffered per file before they are passed on. */
export const FLUSH_BYTES = 256 * 1024
/** A new file's text buffer. */
export const INITIAL_BYTES = 8 * 1024
/** What an open gzip stream holds (compressors.ts ZLIB_STATE_BYTES). */
export const GZIP_STATE_BYTES = ZLIB_STATE_BYTES
const EMPTY = Buffer.alloc(0)

export class PartitionFile {
  readonly key: string
  rows = 0
  /** Encoded row bytes appended with appendBytes (before compression; file-roller.ts). */
  bytesIn = 0
  /** Bytes passed to the store writer (after compression; file-roller.ts). */
  bytesOut = 0
  /** Order of the last append among the task's files (for least-recently-used closing). */
  lastUsed = 0
  #buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES)
  #pos = 0
  /** Full buffers waiting for flush(). */
  #full: Buffer[] = []
  #fullBytes = 0
  /** Capacity of the buffers behind #full (a set-aside buffer keeps its whole allocation alive). */
  #fullAlloc = 0
  /** Capacity of the buffers a flush() is passing on right now. */
  #passing = 0
  #writer: ObjectWriter
  /** sink.compression (true: gzip). The #gzip* members serve every codec (names kept from gzip-only days). */
  #codec: Codec
  #gzip: Compressor | null = null
  #gzipOut: Buffer[] = []
  #gzipOutBytes = 0
  /** sink.lineSep as bytes (Spark's default \n). */
  #lineSep: Buffer
  #account: MemoryAccount
  /** What this file last reported to the account. */
  #reported = 0

  constructor(store: Store, key: string, compression: boolean | Codec, account: MemoryAccount, lineSep = '\n') {
    this.key = key
    this.#writer = store.createWriter(key)
    this.#codec = compression === true ? 'gzip' : compression === false ? 'none' : compression
    this.#lineSep = Buffer.from(lineSep, 'utf8')
    this.#account = account
    this.sync()
  }

  /** Appends one row (its JSON text, without the newline). Returns true when a flush is due. */
  append(line: string): boolean {
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
    const sep = this.#lineSep
    const worst = line.length * 3 + sep.length
    if (this.#buf.length - this.#pos < worst) this.#makeRoom(worst)
    this.#pos += this.#buf.write(line, this.#pos, 'utf8')
    if (sep.length === 1) this.#buf[this.#pos++] = sep[0]!
    else this.#pos += sep.copy(this.#buf, this.#pos)
    this.rows++
    return this.#fullBytes > 0
  }

  /**
   * Appends `rows` rows already encoded (UTF-8 lines, each ending in '\n': a read task's block,
   * row-blocks.ts) and passes them on at once: to the store writer, or through the gzip stream.
   * The bytes are not copied here; the store writer copies them into its part buffer.
   */
  async appendBytes(bytes: Uint8Array, rows: number): Promise<void> {
    if (this.#pos > 0 || this.#fullBytes > 0) {
      this.#setAside()
      await this.flush()
    }
    this.rows += rows
    this.bytesIn += bytes.byteLength
    this.#passing += bytes.byteLength
    this.sync()
    try {
      await this.#passOne(bytes)
    } finally {
      this.#passing -= bytes.byteLength
      this.sync()
    }
  }

  /** Grows the buffer (doubling) while it is below FLUSH_BYTES, else sets it aside as full. */
  #makeRoom(need: number): void {
    if (this.#buf.length < FLUSH_BYTES) {
      let size = this.#buf.length * 2
      while (size - this.#pos < need && size < FLUSH_BYTES) size *= 2
      if (size - this.#pos >= need) {
        const grown = Buffer.allocUnsafe(size)
        this.#buf.copy(grown, 0, 0, this.#pos)
        this.#buf = grown
        this.sync()
        return
      }
    }
    this.#rotate(need)
  }

  #rotate(need: number): void {
    this.#setAside()
    this.#buf = Buffer.allocUnsafe(Math.max(FLUSH_BYTES, need))
    this.sync()
  }

  /** Moves the rows in the buffer to the full list (the buffer's bytes are kept, not copied). */
  #setAside(): void {
    if (this.#pos > 0) {
      this.#full.push(this.#buf.subarray(0, this.#pos))
      this.#fullBytes += this.#pos
      this.#fullAlloc += this.#buf.length
    }
    this.#pos = 0
  }

  /** Bytes this file holds allocated now (see memory-account.ts). */
  get allocatedBytes(): number {
    return (
      this.#buf.length +
      this.#fullAlloc +
      this.#passing +
      (this.#gzip === null ? 0 : this.#gzip.stateBytes) +
      this.#gzipOutBytes +
      this.#writer.allocated
    )
  }

  /** Reports the change of allocatedBytes since the last report to the task's account. */
  sync(): void {
    const now = this.allocatedBytes
    this.#account.change(now - this.#reported)
    this.#reported = now
  }

  /** Passes the full buffers to the store writer (which may upload a part). */
  async flush(): Promise<void> {
    // Detached before the await: rows appended meanwhile start a new list.
    const chunks = this.#full
    const bytes = this.#fullBytes
    this.#passing += this.#fullAlloc
    const passing = this.#fullAlloc
    this.#full = []
    this.#fullBytes = 0
    this.#fullAlloc = 0
    try {
      await this.#pass(chunks, bytes)
    } finally {
      this.#passing -= passing
      this.sync()
    }
  }

  async #pass(chunks: Buffer[], bytes: number): Promise<void> {
    if (bytes === 0) return
    await this.#passOne(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes))
  }

  async #passOne(data: Uint8Array): Promise<void> {
    if (this.#codec === 'none') {
      this.bytesOut += data.byteLength
      await this.#writer.write(data)
      return
    }
    // A view, not a copy: the compressors take Buffers.
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    this.#collect(await this.#gzipStream().write(buf))
    await this.#drainGzip()
  }

  #collect(out: Buffer[]): void {
    for (const b of out) {
      this.#gzipOut.push(b)
      this.#gzipOutBytes += b.length
    }
  }

  #gzipStream(): Compressor {
    if (this.#gzip === null) {
      this.#gzip = createCompressor(this.#codec)!
      this.sync()
    }
    return this.#gzip
  }

  async #drainGzip(): Promise<void> {
    if (this.#gzipOut.length === 0) return
    const out = this.#gzipOut.length === 1 ? this.#gzipOut[0]! : Buffer.concat(this.#gzipOut)
    this.#gzipOut = []
    this.#gzipOutBytes = 0
    this.bytesOut += out.byteLength
    await this.#writer.write(out)
  }

  /** Writes everything left (the gzip trailer included) without making the file visible. */
  async finish(): Promise<void> {
    this.#setAside()
    this.#buf = EMPTY
    await this.flush()
    if (this.#codec !== 'none') {
      this.#collect(await this.#gzipStream().end())
      await this.#drainGzip()
      this.#gzip = null
    }
    this.sync()
  }

  /** Makes the file visible under its key. Call finish() first. */
  async close(): Promise<ObjectInfo> {
    try {
      return await this.#writer.close()
    } finally {
      this.sync()
    }
  }

  async abort(): Promise<void> {
    this.#gzip?.destroy()
    this.#gzip = null
    this.#buf = EMPTY
    this.#full = []
    this.#fullBytes = 0
    this.#fullAlloc = 0
    try {
      await this.#writer.abort()
    } finally {
      this.sync()
    }
  }
}
