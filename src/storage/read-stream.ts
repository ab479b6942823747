/**
 * Reading an object as a stream of chunks (compaction reads files of any size in bounded memory):
 * file:// through fs.createReadStream, S3 through GetObject's body. A missing object
 * reads as null, as with Store.get. Worker-safe.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { createS3Client, describeCredentials, resolveS3Settings } from './s3-client.js'
import { isNotFound, mapS3Error } from './s3-errors.js'
import type { StoreSpec } from './types.js'

const clients = new Map<string, S3Client>()

function clientFor(spec: StoreSpec): S3Client {
  const key = JSON.stringify(spec.s3 ?? {})
  let c = clients.get(key)
  if (c === undefined) {
    c = createS3Client(resolveS3Settings(spec.s3))
    clients.set(key, c)
  }
  return c
}

/** The object's bytes as an async iterable of chunks, or null when it does not exist. */
export async function openReadStream(spec: StoreSpec, key: string): Promise<AsyncIterable<Uint8Array> | null> {
  const loc = spec.location
  if (loc.scheme === 'file') {
    const path = loc.prefix + key
    try {
      await stat(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    return createReadStream(path, { highWaterMark: 1024 * 1024 })
  }
  try {
    const res = await clientFor(spec).send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.prefix + key }))
    return res.Body as AsyncIterable<Uint8Array>
  } catch (err) {
    if (isNotFound(err) && (err as { name?: string }).name !== 'NoSuchBucket') return null
    const settings = resolveS3Settings(spec.s3)
    throw mapS3Error(err, {
      op: 'GetObject',
      bucket: loc.bucket,
      key: loc.prefix + key,
      credentials: describeCredentials(settings),
      endpoint: settings.endpoint ?? 'AWS',
    })
  }
}
