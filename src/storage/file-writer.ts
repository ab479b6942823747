/**
 * FileObjectWriter: streams one object of a file:// store into a hidden temporary sibling
 * `.<name>.sluice-tmp-<random>` and renames it to its final name on close(), so the object appears
 * whole or not at all (the local equivalent of CompleteMultipartUpload). abort() removes the
 * temporary file. The leading `.` hides the temporary file from readers that skip names starting
 * with `_` or `.` (Hadoop's hidden-file filter, so Spark, Hive and Trino): a file left behind by a
 * killed process is never read as data, and the next run sweeps it (see sweepTempFiles).
 *
 * Small chunks are copied into a buffer that grows on demand up to 256 KiB and are written
 * together (fewer syscalls); chunks of 64 KiB or more are written directly. The file is opened on
 * the first write (parent directories are created then) and flushed to disk (fdatasync) before
 * the rename, so that a checkpoint never refers to a file whose bytes a crash could lose.
 *
 * Memory bound per open writer: its buffer's capacity, at most 256 KiB (`allocated`).
 */

import { randomBytes } from 'node:crypto'
import { type FileHandle, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { mapFsError } from './file-errors.js'
import type { ObjectInfo, ObjectWriter } from './types.js'
import { checkWriterOpen, type WriterState } from './writer-state.js'

export const TMP_MARKER = '.sluice-tmp-'
const BUFFER_SIZE = 256 * 1024
const DIRECT_WRITE = 64 * 1024
const INITIAL_BUFFER = 16 * 1024

/** `<dir>/.<name>.sluice-tmp-<12 hex>`: hidden from Hadoop-style readers, unique per writer. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TMP_MARKER}${randomBytes(6).toString('hex')}`)
}

/** Whether a file name (not a path) is a temporary file of a FileStore writer or put. */
export function isTempName(name: string): boolean {
  return name.includes(TMP_MARKER)
}

export class FileObjectWriter implements ObjectWriter {
  readonly key: string
  #path: string
  #tmp: string
  #fh: FileHandle | null = null
  #buf: Buffer | null = null
  #fill = 0
  #bytes = 0
  #state: WriterState = 'open'

  constructor(key: string, path: string) {
    this.key = key
    this.#path = path
    this.#tmp = tempPathFor(path)
  }

  get bytes(): number {
    return this.#bytes
  }

  get buffered(): number {
    return this.#fill
  }

  get allocated(): number {
    return this.#buf?.length ?? 0
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#checkOpen('write')
    const len = chunk.byteLength
    if (len === 0) return
    try {
      if (len >= DIRECT_WRITE) {
        await this.#flush()
        await this.#writeAll(chunk)
      } else {
        if (this.#fill + len > BUFFER_SIZE) await this.#flush()
        const buf = this.#room(len)
        buf.set(chunk, this.#fill)
        this.#fill += len
      }
      this.#bytes += len
    } catch (err) {
      await this.abort().catch(() => undefined)
      throw mapFsError(err, 'write', this.#path)
    }
  }

  /** The buffer, grown (doubling, up to BUFFER_SIZE) so that `len` more bytes fit. */
  #room(len: number): Buffer {
    const old = this.#buf
    if (old !== null && old.length - this.#fill >= len) return old
    let size = old === null ? INITIAL_BUFFER : old.length * 2
    while (size < this.#fill + len) size *= 2
    const grown = Buffer.allocUnsafe(Math.min(size, BUFFER_SIZE))
    if (old !== null) old.copy(grown, 0, 0, this.#fill)
    this.#buf = grown
    return grown
  }

  async close(): Promise<ObjectInfo> {
    this.#checkOpen('close')
    try {
      await this.#flush()
      const fh = await this.#handle()
      await fh.datasync()
      await fh.close()
      this.#fh = null
      await rename(this.#tmp, this.#path)
      this.#state = 'closed'
      this.#buf = null
      const st = await stat(this.#path)
      return { key: this.key, size: this.#bytes, lastModified: Math.floor(st.mtimeMs) }
    } catch (err) {
      await this.abort().catch(() => undefined)
      throw mapFsError(err, 'close', this.#path)
    }
  }

  async abort(): Promise<void> {
    if (this.#state !== 'open') return
    this.#state = 'aborted'
    this.#buf = null
    this.#fill = 0
    const fh = this.#fh
    this.#fh = null
    if (fh !== null) {
      await fh.close().catch(() => undefined)
      await unlink(this.#tmp).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw mapFsError(err, 'abort', this.#tmp)
      })
    }
  }

  async #handle(): Promise<FileHandle> {
    if (this.#fh === null) {
      await mkdir(dirname(this.#path), { recursive: true })
      this.#fh = await open(this.#tmp, 'wx')
    }
    return this.#fh
  }

  async #flush(): Promise<void> {
    if (this.#buf === null || this.#fill === 0) return
    const n = this.#fill
    this.#fill = 0
    await this.#writeAll(this.#buf.subarray(0, n))
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    const fh = await this.#handle()
    let off = 0
    while (off < data.byteLength) {
      const { bytesWritten } = await fh.write(data, off, data.byteLength - off)
      off += bytesWritten
    }
  }

  #checkOpen(op: string): void {
    checkWriterOpen(this.#state, op, this.key)
  }
}
