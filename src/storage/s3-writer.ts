/**
 * S3ObjectWriter: a streaming writer of one S3 object.
 *
 * Written chunks are COPIED into a part buffer (never concatenated). The buffer starts small and
 * doubles up to `partSize`, so a small file costs about its own size. When the buffer is full and
 * more bytes arrive, the multipart upload is created (lazily: an object that fits one part is a
 * single PutObject) and the full buffer is sent as a part, while writing continues into another
 * buffer. At most `queueSize` parts are in flight; write() awaits the oldest when the queue is full
 * (backpressure). Buffers of finished parts are reused.
 *
 * Memory bound per open writer: partSize × (1 + queueSize), e.g. 8 MiB × 3 = 24 MiB by default.
 *
 * `allocated` counts what the writer holds: the buffer's capacity, spare part buffers and the bodies
 * of parts in flight (writer tasks budget memory on it).
 *
 * close(): a single PutObject when no part was uploaded, otherwise the remainder as the last part
 * and CompleteMultipartUpload. abort(): waits for the parts in flight, then AbortMultipartUpload.
 * A part whose upload fails with a retriable error (after the SDK's own retries) is sent again on
 * its own, with exponential backoff and jitter (PART_RETRY in backoff.ts: 4 attempts, at most
 * ~3.5 s of sleeps); a part that still fails poisons the writer: the next write()/close() aborts
 * the upload and throws.
 * Calls must not overlap: await each write() before the next.
 */

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { isSluiceError, SluiceError } from '../errors.js'
import { type BackoffPolicy, PART_RETRY, withBackoff } from './backoff.js'
import type { S3ErrorContext } from './s3-errors.js'
import type { ObjectInfo, ObjectWriter } from './types.js'
import { checkWriterOpen, type WriterState } from './writer-state.js'

export const MIN_PART_SIZE = 5 * 1024 * 1024
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024
export const DEFAULT_QUEUE_SIZE = 2
export const MAX_PARTS = 10_000
const INITIAL_BUFFER = 64 * 1024
const ABORT_IGNORED = new Set(['NoSuchUpload', 'MethodNotAllowed', 'NotImplemented'])

export interface S3WriterTarget {
  client: S3Client
  bucket: string
  /** Full S3 key (location prefix included). */
  fullKey: string
  /** Key relative to the store (what ObjectInfo reports). */
  key: string
  partSize: number
  queueSize: number
  /** Maps an SDK error for an operation on this object. */
  mapError(err: unknown, ctx: Pick<S3ErrorContext, 'op'>): unknown
  /** Retry of a failed part (default PART_RETRY). */
  partRetry?: BackoffPolicy
}

interface InFlight {
  promise: Promise<void>
}

export class S3ObjectWriter implements ObjectWriter {
  readonly key: string
  #t: S3WriterTarget
  #buf: Buffer | null = null
  #fill = 0
  #bytes = 0
  #uploadId: string | undefined
  #etags: string[] = []
  #partNumber = 0
  #inFlight = new Set<InFlight>()
  #free: Buffer[] = []
  #inFlightBytes = 0
  #failure: unknown = undefined
  #state: WriterState = 'open'

  constructor(target: S3WriterTarget) {
    this.#t = target
    this.key = target.key
  }

  get bytes(): number {
    return this.#bytes
  }

  get buffered(): number {
    return this.#fill
  }

  get allocated(): number {
    let free = 0
    for (const b of this.#free) free += b.length
    return (this.#buf?.length ?? 0) + free + this.#inFlightBytes
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#checkOpen('write')
    if (this.#failure !== undefined) await this.#fail()
    const len = chunk.byteLength
    let off = 0
    while (off < len) {
      let buf = this.#buf
      if (buf === null || this.#fill === buf.length) {
        buf = await this.#room(len - off)
      }
      const n = Math.min(buf.length - this.#fill, len - off)
      buf.set(off === 0 && n === len ? chunk : chunk.subarray(off, off + n), this.#fill)
      this.#fill += n
      off += n
    }
    this.#bytes += len
  }

  async close(): Promise<ObjectInfo> {
    this.#checkOpen('close')
    this.#state = 'closed'
    const { client, bucket, fullKey } = this.#t
    try {
      if (this.#uploadId === undefined) {
        const body = this.#buf === null ? Buffer.alloc(0) : this.#buf.subarray(0, this.#fill)
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: fullKey, Body: body }))
        } catch (err) {
          throw this.#t.mapError(err, { op: 'PutObject' })
        }
      } else {
        if (this.#fill > 0) this.#uploadPart(this.#buf!.subarray(0, this.#fill), this.#buf!)
        this.#buf = null
        this.#fill = 0
        await Promise.all([...this.#inFlight].map((f) => f.promise))
        if (this.#failure !== undefined) throw this.#failure
        const Parts = this.#etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }))
        try {
          await client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: fullKey,
              UploadId: this.#uploadId,
              MultipartUpload: { Parts },
            }),
          )
        } catch (err) {
          throw this.#t.mapError(err, { op: 'CompleteMultipartUpload' })
        }
      }
    } catch (err) {
      // Best effort: the first error is the one to report. An upload that cannot be aborted is
      // invisible but billed; an S3 lifecycle rule (AbortIncompleteMultipartUpload) removes it.
      await this.#abortUpload().catch(() => undefined)
      throw err
    } finally {
      this.#release()
    }
    return { key: this.key, size: this.#bytes, lastModified: Date.now() }
  }

  async abort(): Promise<void> {
    if (this.#state === 'aborted') return
    const wasOpen = this.#state === 'open'
    this.#state = 'aborted'
    if (wasOpen) await this.#abortUpload()
    this.#release()
  }

  /** Makes room for more bytes: grows the buffer, or ships it as a part and takes a fresh one. */
  async #room(wanted: number): Promise<Buffer> {
    const partSize = this.#t.partSize
    const old = this.#buf
    if (old === null || old.length < partSize) {
      let size = old === null ? INITIAL_BUFFER : old.length * 2
      while (size < this.#fill + wanted && size < partSize) size *= 2
      const grown = Buffer.allocUnsafe(Math.min(size, partSize))
      if (old !== null) old.copy(grown, 0, 0, this.#fill)
      this.#buf = grown
      return grown
    }
    // The buffer holds a full part and more bytes are coming: upload it.
    if (this.#uploadId === undefined) await this.#createUpload()
    if (this.#partNumber + 1 >= MAX_PARTS) {
      throw new SluiceError(
        'SLUICE_STORE_TOO_LARGE',
        `s3://${this.#t.bucket}/${this.#t.fullKey} would exceed ${MAX_PARTS} multipart parts of ` +
          `${partSize} bytes: raise s3.partSize or write smaller files (fewer rows per file).`,
        { details: { key: this.key, partSize } },
      )
    }
    this.#uploadPart(old, old)
    while (this.#inFlight.size >= this.#t.queueSize) {
      await Promise.race([...this.#inFlight].map((f) => f.promise))
    }
    if (this.#failure !== undefined) await this.#fail()
    const next = this.#free.pop() ?? Buffer.allocUnsafe(partSize)
    this.#buf = next
    this.#fill = 0
    return next
  }

  async #createUpload(): Promise<void> {
    const { client, bucket, fullKey } = this.#t
    try {
      const res = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: fullKey }),
      )
      this.#uploadId = res.UploadId
    } catch (err) {
      throw this.#t.mapError(err, { op: 'CreateMultipartUpload' })
    }
  }

  /** Starts one part upload (retried on its own, see PART_RETRY); `owner` returns to the free list when it is done. */
  #uploadPart(body: Buffer, owner: Buffer): void {
    const partNumber = ++this.#partNumber
    const { client, bucket, fullKey } = this.#t
    const entry: InFlight = { promise: Promise.resolve() }
    const op = `UploadPart ${partNumber}`
    const send = async (): Promise<string> => {
      try {
        const res = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: fullKey, UploadId: this.#uploadId, PartNumber: partNumber, Body: body }),
        )
        return res.ETag!
      } catch (err) {
        throw this.#t.mapError(err, { op })
      }
    }
    this.#inFlightBytes += owner.length
    entry.promise = withBackoff(send, {
      policy: this.#t.partRetry ?? PART_RETRY,
      retriable: (err) => isSluiceError(err) && err.retriable,
      // An aborted writer stops retrying: nobody will complete the upload.
      stopped: () => this.#state === 'aborted',
    })
      .then(
        (etag) => {
          this.#etags[partNumber - 1] = etag
          if (this.#state === 'open' && owner.length === this.#t.partSize) this.#free.push(owner)
        },
        (err: unknown) => {
          this.#failure ??= err
        },
      )
      .finally(() => {
        this.#inFlightBytes -= owner.length
        this.#inFlight.delete(entry)
      })
    this.#inFlight.add(entry)
  }

  async #fail(): Promise<never> {
    const failure = this.#failure
    this.#state = 'aborted'
    await this.#abortUpload().catch(() => undefined)
    this.#release()
    throw failure
  }

  async #abortUpload(): Promise<void> {
    await Promise.all([...this.#inFlight].map((f) => f.promise))
    const uploadId = this.#uploadId
    if (uploadId === undefined) return
    this.#uploadId = undefined
    const { client, bucket, fullKey } = this.#t
    try {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: fullKey, UploadId: uploadId }),
      )
    } catch (err) {
      // NoSuchUpload: already gone. MethodNotAllowed/NotImplemented: the server (s3rver) has no
      // AbortMultipartUpload; its parts stay invisible, so there is nothing more to do.
      const name = (err as { name?: string }).name ?? ''
      if (!ABORT_IGNORED.has(name)) throw this.#t.mapError(err, { op: 'AbortMultipartUpload' })
    }
  }

  #release(): void {
    this.#buf = null
    this.#fill = 0
    this.#free.length = 0
  }

  #checkOpen(op: string): void {
    checkWriterOpen(this.#state, op, this.key)
  }
}
