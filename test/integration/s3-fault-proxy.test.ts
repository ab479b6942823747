/**
 * The S3 fault proxy (test/helpers/s3-fault-proxy.ts) in front of a real s3rver, driven by the
 * real AWS SDK client with retries off: each fault is seen by the client the way a faulty S3 would
 * show it, and the upstream store is checked directly (not through the proxy) for what was written.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { type S3FaultProxy, startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { type S3rverHandle, S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, startS3rver } from '../helpers/s3rver.js'

const BUCKET = 'proxy-bkt'
let s3: S3rverHandle
let proxy: S3FaultProxy
let direct: S3Client
let viaProxy: S3Client

/** timeout: requestTimeout (until the response headers) or socketTimeout (socket inactivity). */
function client(endpoint: string, timeout?: { requestTimeout: number } | { socketTimeout: number }): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(timeout === undefined ? {} : { requestHandler: { ...timeout, throwOnRequestTimeout: true } }),
  })
}

async function exists(key: string): Promise<boolean> {
  try {
    await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))
    return true
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false
    throw err
  }
}

async function sizeOf(key: string): Promise<number | undefined> {
  try {
    return (await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined
    throw err
  }
}

async function put(c: S3Client, key: string, body: string | Buffer = 'x'): Promise<void> {
  await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
}

async function getText(c: S3Client, key: string): Promise<string> {
  const r = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  return r.Body!.transformToString()
}

before(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] })
  proxy = await startS3FaultProxy({ upstream: s3.endpoint, seed: 7 })
  direct = client(s3.endpoint)
  viaProxy = client(proxy.endpoint)
})
after(async () => {
  direct?.destroy()
  viaProxy?.destroy()
  await proxy?.close()
  await s3?.stop()
})

test('without rules every request is forwarded unchanged (signatures stay valid) and logged', async () => {
  proxy.clearRules()
  await put(viaProxy, 'plain/a.txt', 'hello')
  assert.equal(await getText(direct, 'plain/a.txt'), 'hello')
  assert.equal(await getText(viaProxy, 'plain/a.txt'), 'hello')
  const mine = proxy.log.filter((e) => e.key === 'plain/a.txt')
  assert.deepEqual(
    mine.map((e) => [e.method, e.action, e.status]),
    [
      ['PUT', 'forward', 200],
      ['GET', 'forward', 200],
    ],
  )
})

test('503 SlowDown on the 2nd PUT matching a key pattern only: the client sees SlowDown, nothing is written', async () => {
  proxy.clearRules()
  const rule = proxy.addRule({ method: 'PUT', key: /^slow\//, nth: 2, fault: { type: 'error', status: 503 } })
  await put(viaProxy, 'slow/1')
  await put(viaProxy, 'other/1') // does not match: not counted
  await assert.rejects(put(viaProxy, 'slow/2'), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, 'SlowDown')
    assert.equal(err.$metadata?.httpStatusCode, 503)
    return true
  })
  await put(viaProxy, 'slow/3')
  assert.equal(rule.seen, 3)
  assert.equal(rule.injected, 1)
  assert.deepEqual(
    await Promise.all(['slow/1', 'other/1', 'slow/2', 'slow/3'].map(exists)),
    [true, true, false, true],
  )
})

test('500 InternalError on a seeded fraction: the same seed injects into the same requests', async () => {
  const outcomes = async (): Promise<boolean[]> => {
    proxy.clearRules() // also re-seeds the generator
    proxy.addRule({ method: 'PUT', key: /^frac\//, fraction: 0.5, fault: { type: 'error', status: 500 } })
    const out: boolean[] = []
    for (let i = 0; i < 24; i++) {
      try {
        await put(viaProxy, `frac/${i}`)
        out.push(true)
      } catch (err) {
        assert.equal((err as Error).name, 'InternalError')
        out.push(false)
      }
    }
    return out
  }
  const first = await outcomes()
  const second = await outcomes()
  assert.deepEqual(second, first)
  const failed = first.filter((ok) => !ok).length
  assert.ok(failed > 0 && failed < first.length, `a fraction of 0.5 failed ${failed} of ${first.length}`)
})

test('connection reset in the middle of a request body: the client errors, the object is not written', async () => {
  proxy.clearRules()
  proxy.addRule({ method: 'PUT', key: 'reset/req', fault: { type: 'reset-request', afterBytes: 64 * 1024 } })
  await assert.rejects(put(viaProxy, 'reset/req', Buffer.alloc(1024 * 1024, 1)))
  // s3rver (unlike S3) sometimes keeps what it received of an aborted PUT: never the whole body.
  const size = await sizeOf('reset/req')
  assert.ok(size === undefined || size < 1024 * 1024, `upstream kept ${size} bytes`)
  console.log(`reset-request: s3rver kept ${size ?? 'no'} bytes of the aborted PUT`)
  assert.equal(proxy.log.at(-1)!.action, 'reset-request')
})

test('connection reset in the middle of a response body: reading the body fails', async () => {
  proxy.clearRules()
  await put(direct, 'reset/res', Buffer.alloc(512 * 1024, 2))
  proxy.addRule({ method: 'GET', key: 'reset/res', fault: { type: 'reset-response', afterBytes: 1000 } })
  await assert.rejects(async () => {
    const r = await viaProxy.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reset/res' }))
    await r.Body!.transformToByteArray()
  })
  // The rule fired once per request; without times it fires again, with a fresh read it is gone.
  proxy.clearRules()
  assert.equal((await getText(viaProxy, 'reset/res')).length, 512 * 1024)
})

test('latency: beyond the client request timeout the request times out; per-chunk latency keeps the body intact', async () => {
  proxy.clearRules()
  await put(direct, 'slow/body', Buffer.alloc(256 * 1024, 3))
  const impatient = client(proxy.endpoint, { requestTimeout: 300 })
  try {
    proxy.addRule({ method: 'GET', key: 'slow/body', times: 1, fault: { type: 'latency', ms: 3000 } })
    await assert.rejects(impatient.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'slow/body' })), (err: Error) => {
      assert.match(`${err.name} ${err.message}`, /timeout/i)
      return true
    })
  } finally {
    impatient.destroy()
  }
  proxy.clearRules()
  proxy.addRule({ method: 'GET', key: 'slow/body', fault: { type: 'latency', ms: 5, perChunkMs: 5 } })
  const body = await viaProxy.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'slow/body' }))
  const bytes = await body.Body!.transformToByteArray()
  assert.equal(bytes.length, 256 * 1024)
  assert.ok(bytes.every((b) => b === 3))
})

test('hold: a request stalls until the test releases it, before forwarding or in the middle of the body', async () => {
  proxy.clearRules()
  const held = proxy.addRule({ method: 'PUT', key: 'held/1', fault: { type: 'hold' } })
  let settled = false
  const pending = put(viaProxy, 'held/1', 'late').finally(() => (settled = true))
  await held.hit
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(settled, false)
  assert.equal(await exists('held/1'), false, 'a request held before forwarding has not reached S3')
  held.release()
  await pending
  assert.equal(await getText(direct, 'held/1'), 'late')

  // Stalled in the middle of a response body: the client's socket goes idle and times out.
  await put(direct, 'held/2', Buffer.alloc(128 * 1024, 4))
  const stalled = proxy.addRule({ method: 'GET', key: 'held/2', fault: { type: 'hold', stage: 'response', afterBytes: 1024 } })
  const impatient = client(proxy.endpoint, { socketTimeout: 300 })
  try {
    await assert.rejects(async () => {
      const r = await impatient.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'held/2' }))
      await r.Body!.transformToByteArray()
    }, /timed out/)
  } finally {
    impatient.destroy()
    stalled.release()
  }
})

async function multipart(c: S3Client, key: string): Promise<() => Promise<unknown>> {
  const { UploadId } = await direct.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))
  const part = await direct.send(
    new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024, 5) }),
  )
  return () => c.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ ETag: part.ETag!, PartNumber: 1 }] },
    }),
  )
}

test('truncated CompleteMultipartUpload response: the client fails although S3 completed the object', async () => {
  proxy.clearRules()
  proxy.addRule({ method: 'POST', query: /uploadId=/, times: 1, fault: { type: 'truncate', bytes: 40, keepLength: true } })
  await assert.rejects(await multipart(viaProxy, 'mpu/cut-premature-close'))
  assert.equal(await exists('mpu/cut-premature-close'), true)

  proxy.addRule({ method: 'POST', query: /uploadId=/, times: 1, fault: { type: 'truncate', bytes: 40 } })
  await assert.rejects(await multipart(viaProxy, 'mpu/cut-short-xml'))
  assert.equal(await exists('mpu/cut-short-xml'), true)
})

test('request hook: drop before forwarding (nothing written) or call back once upstream answered (written)', async () => {
  proxy.clearRules()
  const seen: string[] = []
  proxy.onRequest({ method: 'PUT', key: /^hook\/drop/ }, (r) => {
    seen.push(`request ${r.key} ${r.status}`)
    return 'drop'
  })
  proxy.onRequest({ method: 'PUT', key: /^hook\/after/, phase: 'response' }, async (r) => {
    seen.push(`response ${r.key} ${r.status}`)
    assert.equal(await exists(r.key), true, 'in a response hook the write is done upstream')
    return 'drop' as const
  })
  await assert.rejects(put(viaProxy, 'hook/drop-1'))
  await assert.rejects(put(viaProxy, 'hook/after-1'))
  assert.deepEqual(seen, ['request hook/drop-1 undefined', 'response hook/after-1 200'])
  assert.equal(await exists('hook/drop-1'), false)
  assert.equal(await exists('hook/after-1'), true)
})
