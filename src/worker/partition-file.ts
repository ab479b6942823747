/**
 * One output file of a writer task: the rows of one partition directory, in arrival order.
 *
 * Rows arrive as strings on the hot path and are appended to a small text buffer; the buffer is
 * encoded (and gzipped when asked) and handed to the store's ObjectWriter when it passes
 * FLUSH_CHARS, and the ObjectWriter uploads a multipart part each time it holds a full part. So
 * the memory of an open file is at most FLUSH_CHARS of text plus the ObjectWriter's bound
 * (partSize × (1 + queueSize)); a writer task cuts its largest file when the sum over its files
 * passes its budget (see writer-task.ts).
 */
import { createGzip, type Gzip } from 'node:zlib'
import type { ObjectInfo, ObjectWriter, Store } from '../storage/types.js'

/** Text buffered per file before it is encoded and passed on (about 256 KiB of UTF-8). */
const FLUSH_CHARS = 256 * 1024

export class PartitionFile {
  readonly key: string
  rows = 0
  #text: string[] = []
  #textChars = 0
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
    this.#text.push(line)
    this.#textChars += line.length + 1
    this.rows++
    return this.#textChars >= FLUSH_CHARS
  }

  /** Bytes this file holds in memory now (text not yet encoded + the ObjectWriter's buffer). */
  get memoryBytes(): number {
    return this.#textChars + this.#gzipOutBytes + this.#writer.buffered
  }

  /** Encodes the buffered text and passes it to the store writer (which may upload a part). */
  async flush(): Promise<void> {
    if (this.#textChars === 0) return
    this.#text.push('')
    const text = this.#text.join('\n')
    this.#text = []
    this.#textChars = 0
    const bytes = Buffer.from(text, 'utf8')
    if (this.#gzip === null) {
      await this.#writer.write(bytes)
      return
    }
    await new Promise<void>((resolve, reject) => {
      this.#gzip!.write(bytes, (err) => (err ? reject(err) : resolve()))
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
