/**
 * S3Store: a Store on `s3://bucket/prefix/` or `s3a://…` through @aws-sdk/client-s3.
 *
 * - get/head return null for a missing key (NoSuchKey / 404), never for a missing bucket.
 * - put with ifNoneMatch sends `If-None-Match: *`; AWS S3 (since 2024), MinIO and R2 refuse a
 *   second writer with 412 (409 on a race) → SLUICE_STORE_CONFLICT. s3rver ignores the header:
 *   probeConditionalWrites() finds out which kind of store this is.
 * - list pages through ListObjectsV2 (1000 keys a page); S3 returns keys in UTF-8 byte order.
 * - delete sends DeleteObjects in batches of 1000 keys (missing keys are not errors); a per-key
 *   failure in the answer is classified like a thrown error of that code (InternalError,
 *   SlowDown, ServiceUnavailable → retriable).
 * - sweepIncomplete lists the multipart uploads in progress under the prefix
 *   (ListMultipartUploads) and aborts those whose key contains the given text: a killed writer's
 *   uploads are invisible but billed until aborted (an S3 lifecycle rule with
 *   AbortIncompleteMultipartUpload is the backstop, see docs/architecture.md).
 * One S3Client per store; close() releases its sockets.
 */

import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { probeConditionalWrites } from './conditional-probe.js'
import { hadoopUri } from './hadoop-uri.js'
import { createS3Client, describeCredentials, resolveS3Settings } from './s3-client.js'
import { isNotFound, mapS3Error } from './s3-errors.js'
import { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, MIN_PART_SIZE, S3ObjectWriter } from './s3-writer.js'
import type {
  ConditionalWrites,
  Location,
  ObjectInfo,
  ObjectWriter,
  PutOptions,
  S3Settings,
  Store,
} from './types.js'
import { checkKey, checkS3KeyLength } from './keys.js'

const DELETE_BATCH = 1000
/** Per-key DeleteObjects error codes that are the server's trouble, not the request's: retriable. */
const DELETE_RETRIABLE: Record<string, number> = { InternalError: 500, ServiceUnavailable: 503, SlowDown: 503 }
/** Answers of servers without ListMultipartUploads (s3rver): nothing can be listed, so nothing is swept. */
const LIST_UPLOADS_UNSUPPORTED = new Set(['MethodNotAllowed', 'NotImplemented'])
const ABORT_IGNORED = new Set(['NoSuchUpload', 'MethodNotAllowed', 'NotImplemented'])

export class S3Store implements Store {
  readonly location: Location
  #client: S3Client
  #credentials: string
  #endpoint: string
  #partSize: number
  #queueSize: number
  #conditional: ConditionalWrites = 'unknown'

  constructor(location: Location, s3: S3Settings | undefined) {
    this.location = location
    const settings = resolveS3Settings(s3)
    this.#partSize = Math.max(MIN_PART_SIZE, s3?.partSize || DEFAULT_PART_SIZE)
    this.#queueSize = Math.max(1, Math.floor(s3?.queueSize || DEFAULT_QUEUE_SIZE))
    this.#credentials = describeCredentials(settings)
    this.#endpoint =
      settings.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL ?? 'AWS'
    this.#client = createS3Client(settings)
  }

  get conditionalWrites(): ConditionalWrites {
    return this.#conditional
  }

  async get(key: string): Promise<Buffer | null> {
    const full = this.#full(key)
    try {
      const res = await this.#client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: full }),
      )
      return Buffer.from(await res.Body!.transformToByteArray())
    } catch (err) {
      if (isNotFound(err) && (err as { name?: string }).name !== 'NoSuchBucket') return null
      throw this.#map(err, 'GetObject', full)
    }
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    const full = this.#full(key)
    const conditional = options?.ifNoneMatch === true
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.location.bucket,
          Key: full,
          Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
          ...(conditional ? { IfNoneMatch: '*' } : {}),
        }),
      )
    } catch (err) {
      throw this.#map(err, 'PutObject', full, conditional)
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const full = this.#full(key)
    try {
      const res = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.location.bucket, Key: full }),
      )
      return { key, size: res.ContentLength ?? 0, lastModified: res.LastModified?.getTime() ?? 0 }
    } catch (err) {
      // HEAD has no body, so a missing bucket is also a bare 404; tell them apart by listing.
      if (isNotFound(err)) {
        await this.#assertBucket(full)
        return null
      }
      throw this.#map(err, 'HeadObject', full)
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const full = this.location.prefix + prefix
    const strip = this.location.prefix.length
    const out: ObjectInfo[] = []
    let token: string | undefined
    do {
      let page: ListObjectsV2CommandOutput
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: full,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        )
      } catch (err) {
        throw this.#map(err, 'ListObjectsV2', full)
      }
      for (const o of page.Contents ?? []) {
        out.push({
          key: o.Key!.slice(strip),
          size: o.Size ?? 0,
          lastModified: o.LastModified?.getTime() ?? 0,
        })
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token !== undefined)
    return out
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH).map((k) => ({ Key: this.#full(k) }))
      let errors: { Key?: string; Code?: string; Message?: string }[] | undefined
      try {
        const res = await this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.location.bucket,
            Delete: { Objects: batch, Quiet: true },
          }),
        )
        errors = res.Errors
      } catch (err) {
        throw this.#map(err, 'DeleteObjects', batch[0]!.Key)
      }
      const failed = errors?.find((e) => e.Code !== 'NoSuchKey')
      if (failed) {
        // Per-key failures come back in a 200 response; classify the first like a thrown error.
        const code = failed.Code ?? ''
        const status = code === 'AccessDenied' ? 403 : (DELETE_RETRIABLE[code] ?? 400)
        const synthetic = Object.assign(new Error(failed.Message ?? failed.Code ?? 'failed'), {
          name: failed.Code ?? 'Error',
          $metadata: { httpStatusCode: status },
        })
        throw this.#map(synthetic, `DeleteObjects (${errors!.length} of ${batch.length} keys)`, failed.Key)
      }
    }
  }

  createWriter(key: string): ObjectWriter {
    const full = this.#full(key)
    return new S3ObjectWriter({
      client: this.#client,
      bucket: this.location.bucket,
      fullKey: full,
      key,
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      mapError: (err, ctx) => this.#map(err, ctx.op, full),
    })
  }

  uri(key: string): string {
    return hadoopUri(this.location, key)
  }

  async sweepIncomplete(match: string): Promise<number> {
    const prefix = this.location.prefix
    let aborted = 0
    let keyMarker: string | undefined
    let uploadIdMarker: string | undefined
    do {
      let page: ListMultipartUploadsCommandOutput
      try {
        page = await this.#client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.location.bucket,
            Prefix: prefix,
            ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          }),
        )
      } catch (err) {
        if (LIST_UPLOADS_UNSUPPORTED.has((err as { name?: string }).name ?? '')) return aborted
        throw this.#map(err, 'ListMultipartUploads', prefix)
      }
      for (const u of page.Uploads ?? []) {
        if (u.Key === undefined || u.UploadId === undefined || !u.Key.slice(prefix.length).includes(match)) continue
        try {
          await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: u.Key, UploadId: u.UploadId }))
          aborted++
        } catch (err) {
          // NoSuchUpload: already gone; MethodNotAllowed/NotImplemented: the server cannot abort.
          if (!ABORT_IGNORED.has((err as { name?: string }).name ?? '')) throw this.#map(err, 'AbortMultipartUpload', u.Key)
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined
      uploadIdMarker = page.NextUploadIdMarker
    } while (keyMarker !== undefined)
    return aborted
  }

  async probeConditionalWrites(scratchKey: string): Promise<ConditionalWrites> {
    this.#conditional = await probeConditionalWrites(this, scratchKey)
    return this.#conditional
  }

  async close(): Promise<void> {
    this.#client.destroy()
  }

  #full(key: string): string {
    checkKey(key, this.location)
    const full = this.location.prefix + key
    checkS3KeyLength(full, this.location)
    return full
  }

  async #assertBucket(fullKey: string): Promise<void> {
    try {
      await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: fullKey, MaxKeys: 1 }),
      )
    } catch (err) {
      throw this.#map(err, 'HeadObject', fullKey)
    }
  }

  #map(err: unknown, op: string, key: string | undefined, conditional = false): unknown {
    return mapS3Error(err, {
      op,
      bucket: this.location.bucket,
      key,
      credentials: this.#credentials,
      endpoint: this.#endpoint,
      conditional,
    })
  }
}
