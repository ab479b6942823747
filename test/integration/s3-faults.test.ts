/**
 * S3 failures that must be retried where they happen (issue 6 item 6), against a real s3rver
 * behind a fault-injecting HTTP proxy in this test:
 * - a multipart part answered 503 SlowDown more often than the SDK retries is sent again on its
 *   own (backoff with jitter) and the object is complete; before, the writer failed, and with it
 *   the batch (which re-uploads everything, multiplying load under SlowDown);
 * - a DeleteObjects answer with a per-key InternalError (or SlowDown) is retriable
 *   SLUICE_S3_UNAVAILABLE; before, it was SLUICE_S3_REQUEST, which ends the query.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { after, before, test } from 'node:test'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { isSluiceError } from '../../src/errors.js'
import { createStore, MIN_PART_SIZE, parseLocation, type Store } from '../../src/storage/index.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle, s3SettingsFor, startS3rver } from '../helpers/s3rver.js'

const BUCKET = 'faults-bkt'
let s3: S3rverHandle
let proxy: Server
let proxyEndpoint: string
/** Decides per request: a canned answer, or undefined to forward to s3rver. */
let fault: (method: string, url: string) => { status: number; body: string } | undefined = () => undefined
const seen: string[] = []

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

before(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] })
  const upstream = new URL(s3.endpoint)
  proxy = createServer((req, res) => {
    void body(req).then((data) => {
      const method = req.method ?? 'GET'
      const url = req.url ?? '/'
      seen.push(`${method} ${url}`)
      const canned = fault(method, url)
      if (canned !== undefined) {
        res.writeHead(canned.status, { 'content-type': 'application/xml' }).end(canned.body)
        return
      }
      const up = request(
        { host: upstream.hostname, port: upstream.port, method, path: url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers)
          r.pipe(res)
        },
      )
      up.on('error', () => res.destroy())
      up.end(data)
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const addr = proxy.address()
  assert.ok(addr !== null && typeof addr === 'object')
  proxyEndpoint = `http://127.0.0.1:${addr.port}`
})
after(async () => {
  proxy?.closeAllConnections()
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()))
  await s3?.stop()
})

function storeViaProxy(prefix: string): Store {
  return createStore({
    location: parseLocation(`s3://${BUCKET}/${prefix}/`),
    s3: s3SettingsFor(proxyEndpoint, { partSize: MIN_PART_SIZE, queueSize: 2 }),
  })
}

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`

test('a part refused with SlowDown more often than the SDK retries is retried on its own; the object is complete', { timeout: 120_000 }, async () => {
  // The SDK makes 3 attempts per request: 4 refusals outlast them once.
  let refused = 0
  fault = (method, url) => {
    if (method === 'PUT' && /[?&]partNumber=1(&|$)/.test(url) && refused < 4) {
      refused++
      return { status: 503, body: xmlError('SlowDown', 'Please reduce your request rate.') }
    }
    return undefined
  }
  const store = storeViaProxy('part-retry')
  const data = randomBytes(2 * MIN_PART_SIZE + 1024 * 1024)
  try {
    const w = store.createWriter('big.json')
    for (let off = 0; off < data.length; off += 256 * 1024) await w.write(data.subarray(off, off + 256 * 1024))
    const info = await w.close()
    assert.equal(info.size, data.length)
  } finally {
    fault = () => undefined
    await store.close()
  }
  assert.equal(refused, 4, 'the proxy refused part 1 four times')
  assert.ok(seen.filter((s) => s.startsWith('PUT') && /partNumber=1(&|$)/.test(s)).length >= 5, 'part 1 was sent again after the SDK gave up')
  const raw = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
  })
  try {
    const got = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'part-retry/big.json' }))
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data), 'the object holds exactly the bytes written')
  } finally {
    raw.destroy()
  }
})

for (const code of ['InternalError', 'SlowDown']) {
  test(`a per-key ${code} in a DeleteObjects answer is retriable SLUICE_S3_UNAVAILABLE`, { timeout: 60_000 }, async () => {
    fault = (method, url) =>
      method === 'POST' && /[?&]delete(=|&|$)/.test(url)
        ? {
            status: 200,
            body:
              '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
              `<Error><Key>del/a.json</Key><Code>${code}</Code><Message>try again</Message></Error></DeleteResult>`,
          }
        : undefined
    const store = storeViaProxy('del')
    try {
      await store.put('a.json', '{}\n')
      await assert.rejects(store.delete(['a.json']), (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_S3_UNAVAILABLE'), `got ${String((err as { code?: string }).code)}: ${String(err)}`)
        assert.equal(err.retriable, true)
        return true
      })
    } finally {
      fault = () => undefined
      await store.close()
    }
  })
}

test('sweepIncomplete on a server without ListMultipartUploads (s3rver) sweeps nothing and does not fail', async () => {
  const store = storeViaProxy('sweep-unsupported')
  try {
    assert.equal(await store.sweepIncomplete!('any'), 0)
  } finally {
    await store.close()
  }
})

test('sweepIncomplete aborts the listed uploads whose key holds the batch UUID, and only those', async () => {
  // s3rver has no ListMultipartUploads nor AbortMultipartUpload: the proxy answers both (a listing
  // of two uploads, as S3 documents the XML) and records the aborts. What is tested is the
  // client's side: paging, matching, and the abort requests it sends.
  const aborts: string[] = []
  fault = (method, url) => {
    if (method === 'GET' && /[?&]uploads(=|&|$)/.test(url)) {
      assert.match(url, /prefix=sweep%2F/, 'the listing is limited to the output prefix')
      return {
        status: 200,
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Bucket>${BUCKET}</Bucket><IsTruncated>false</IsTruncated>` +
          '<Upload><Key>sweep/dt=1/part-00000-aaaa-c000.json</Key><UploadId>u-match</UploadId></Upload>' +
          '<Upload><Key>sweep/dt=1/part-00000-bbbb-c000.json</Key><UploadId>u-other</UploadId></Upload>' +
          '</ListMultipartUploadsResult>',
      }
    }
    if (method === 'DELETE' && /[?&]uploadId=/.test(url)) {
      aborts.push(url)
      return { status: 204, body: '' }
    }
    return undefined
  }
  const store = storeViaProxy('sweep')
  try {
    assert.equal(await store.sweepIncomplete!('aaaa'), 1)
  } finally {
    fault = () => undefined
    await store.close()
  }
  assert.equal(aborts.length, 1)
  assert.match(aborts[0]!, /part-00000-aaaa-c000\.json\?.*uploadId=u-match/)
})
