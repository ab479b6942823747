/**
 * FileObjectWriter: streams one object of a file:// store into `<key>.sluice-tmp-<random>` next
 * to its final name and renames it on close(), so the object appears whole or not at all (the
 * local equivalent of CompleteMultipartUpload). abort() removes the temporary file.
 *
 * Small chunks are copied into a 256 KiB buffer and written together (fewer syscalls); larger
 * chunks are written directly. The file is opened on the first write (parent directories are
 * created then) and flushed to disk (fdatasync) before the rename, so that a checkpoint never
 * refers to a file whose bytes a crash could lose.
 *
 * Memory bound per open writer: 256 KiB.
 */

import { randomBytes } from 'node:crypto'
import { type FileHandle, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { mapFsError } from './file-errors.js'
import type { ObjectInfo, ObjectWriter } from './types.js'
import { checkWriterOpen, type WriterState } from './writer-state.js'

export const TMP_MARKER = '.sluice-tmp-'
const BUFFER_SIZE = 256 * 1024

export function tempPathFor(path: string): string {
  return `${path}${TMP_MARKER}${randomBytes(6).toString('hex')}`
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

  async write(chunk: Uint8Array): Promise<void> {
    this.#checkOpen('write')
    const len = chunk.byteLength
    if (len === 0) return
    try {
      if (this.#fill + len <= BUFFER_SIZE) {
        this.#buf ??= Buffer.allocUnsafe(BUFFER_SIZE)
        this.#buf.set(chunk, this.#fill)
        this.#fill += len
      } else {
        await this.#flush()
        if (len < BUFFER_SIZE) {
          this.#buf!.set(chunk, 0)
          this.#fill = len
        } else {
          await this.#writeAll(chunk)
        }
      }
      this.#bytes += len
    } catch (err) {
      await this.abort().catch(() => undefined)
      throw mapFsError(err, 'write', this.#path)
    }
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
    if (this.#buf === null) this.#buf = Buffer.allocUnsafe(BUFFER_SIZE)
    if (this.#fill === 0) return
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
