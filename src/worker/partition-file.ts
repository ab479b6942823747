/**
 * One output file of a writer task: the rows of one partition directory, in arrival order.
 *
 * Rows arrive as strings on the hot path and are encoded straight into a byte buffer (no string
 * arrays, no join: measured as a large share of GC); a full buffer is handed (gzipped when asked)
 * to the store's ObjectWriter, which uploads a multipart part each time it holds a full part. So
 * the memory of an open file is at most a couple of FLUSH_BYTES buffers plus the ObjectWriter's
 * bound (partSize × (1 + queueSize)); a writer task cuts its largest file when the sum over its
 * files passes its budget (see writer-task.ts).
 */
import { createGzip, type Gzip } from 'node:zlib'
import type { ObjectInfo, ObjectWriter, Store } from '../storage/types.js'

/** Encoded rows buffered per file before they are passed on. */
const FLUSH_BYTES = 256 * 1024
const NEWLINE = 10

export class PartitionFile {
  readonly key: string
  rows = 0
  #buf: Buffer = Buffer.allocUnsafe(FLUSH_BYTES)
  #pos = 0
  /** Full buffers waiting for flush(). */
  #full: Buffer[] = []
  #fullBytes = 0
  #writer: ObjectWriter
  #gzip: Gzip | null
  #gzipOut: Buffer[] = []
  #gzipOutBytes = 0

  constructor(store: Store, key: string, gzip: boolean) {
    this.key = key
    this.#writer = store.createWriter(key)
    if (gzip) {
      this.#gzip = createGzip({ level: 6 })
      this.#gzip.on('data', (b: Buffer) => {
        this.#gzipOut.push(b)
        this.#gzipOutBytes += b.length
      })
    } else {
      this.#gzip = null
    }
  }

  /** Appends one row (its JSON text, without the newline). Returns true when a flush is due. */
  append(line: string): boolean {
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
    const worst = line.length * 3 + 1
    if (this.#buf.length - this.#pos < worst) this.#rotate(worst)
    this.#pos += this.#buf.write(line, this.#pos, 'utf8')
    this.#buf[this.#pos++] = NEWLINE
    this.rows++
    return this.#fullBytes > 0
  }

  #rotate(need: number): void {
    if (this.#pos > 0) {
      this.#full.push(this.#buf.subarray(0, this.#pos))
      this.#fullBytes += this.#pos
    }
    this.#buf = Buffer.allocUnsafe(Math.max(FLUSH_BYTES, need))
    this.#pos = 0
  }

  /** Bytes this file holds in memory now (rows not yet passed on + the ObjectWriter's buffer). */
  get memoryBytes(): number {
    return this.#fullBytes + this.#pos + this.#gzipOutBytes + this.#writer.buffered
  }

  /** Passes the full buffers to the store writer (which may upload a part). */
  async flush(): Promise<void> {
    // Detached before the await: rows appended meanwhile start a new list.
    const chunks = this.#full
    const bytes = this.#fullBytes
    this.#full = []
    this.#fullBytes = 0
    await this.#pass(chunks, bytes)
  }

  async #pass(chunks: Buffer[], bytes: number): Promise<void> {
    if (bytes === 0) return
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)
    if (this.#gzip === null) {
      await this.#writer.write(data)
      return
    }
    await new Promise<void>((resolve, reject) => {
      this.#gzip!.write(data, (err) => (err ? reject(err) : resolve()))
    })
    await this.#drainGzip()
  }

  async #drainGzip(): Promise<void> {
    if (this.#gzipOut.length === 0) return
    const out = this.#gzipOut.length === 1 ? this.#gzipOut[0]! : Buffer.concat(this.#gzipOut)
    this.#gzipOut = []
    this.#gzipOutBytes = 0
    await this.#writer.write(out)
  }

  /** Writes everything left (the gzip trailer included) without making the file visible. */
  async finish(): Promise<void> {
    this.#rotate(0)
    await this.flush()
    if (this.#gzip !== null) {
      const gz = this.#gzip
      await new Promise<void>((resolve, reject) => {
        gz.once('end', resolve)
        gz.once('error', reject)
        gz.end()
        gz.resume()
      })
      await this.#drainGzip()
    }
  }

  /** Makes the file visible under its key. Call finish() first. */
  close(): Promise<ObjectInfo> {
    return this.#writer.close()
  }

  async abort(): Promise<void> {
    this.#gzip?.destroy()
    await this.#writer.abort()
  }
}
