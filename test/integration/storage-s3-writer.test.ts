/**
 * The S3 writer against a real s3rver: single PUT below the part size, multipart above it, bytes
 * identical, bounded buffering, and abort after parts were uploaded. Whether a multipart upload
 * happened is read from s3rver's own storage: it keeps parts in
 * `<dir>/<bucket>/._S3rver_uploads/<uploadId>/<partNumber>` until CompleteMultipartUpload.
 * (s3rver gives assembled objects a plain MD5 ETag, not S3's `-<parts>` form.)
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { createStore, MIN_PART_SIZE, parseLocation, type Store } from '../../src/storage/index.js'
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  type S3rverHandle,
  s3SettingsFor,
  startS3rver,
} from '../helpers/s3rver.js'

const BUCKET = 'writer-bkt'
let s3: S3rverHandle
let raw: S3Client
let n = 0

before(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] })
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
  })
})
after(async () => {
  raw?.destroy()
  await s3?.stop()
})

function open(queueSize = 2): Store {
  return createStore({
    location: parseLocation(`s3://${BUCKET}/w${++n}`),
    s3: s3SettingsFor(s3.endpoint, { partSize: MIN_PART_SIZE, queueSize }),
  })
}

async function etag(store: Store, key: string): Promise<string> {
  const res = await raw.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: store.location.prefix + key }),
  )
  return res.ETag ?? ''
}

/** Part files of each multipart upload s3rver holds open: uploadId → part numbers. */
async function openUploads(): Promise<Map<string, number[]>> {
  const dir = join(s3.dir, BUCKET, '._S3rver_uploads')
  const out = new Map<string, number[]>()
  const ids = await readdir(dir).catch(() => [] as string[])
  for (const id of ids) {
    const parts = (await readdir(join(dir, id))).filter((f) => /^\d+$/.test(f)).map(Number)
    out.set(id, parts.sort((a, b) => a - b))
  }
  return out
}

/** Writes `data` in chunks of the given sizes (cycled), checking buffering stays bounded. */
async function writeInChunks(store: Store, key: string, data: Buffer, sizes: number[]) {
  const w = store.createWriter(key)
  let off = 0
  let i = 0
  while (off < data.length) {
    const size = Math.min(sizes[i++ % sizes.length]!, data.length - off)
    await w.write(data.subarray(off, off + size))
    off += size
    assert.ok(w.buffered <= MIN_PART_SIZE, `buffered ${w.buffered} exceeds the part size`)
  }
  assert.equal(w.bytes, data.length)
  return w
}

test('below the part size: one PutObject, bytes intact', async () => {
  const store = open()
  try {
    const data = randomBytes(MIN_PART_SIZE - 10)
    const w = await writeInChunks(store, 'small.json', data, [100_000, 7, 65_536])
    const info = await w.close()
    assert.equal(info.size, data.length)
    assert.ok(Math.abs(info.lastModified - Date.now()) < 60_000)
    assert.deepEqual(await store.get('small.json'), data)
    assert.match(await etag(store, 'small.json'), /^"[0-9a-f]{32}"$/)
    assert.equal((await openUploads()).size, 0, 'no multipart upload')
  } finally {
    await store.close()
  }
})

test('exactly one part size: still a single PutObject', async () => {
  const store = open()
  try {
    const data = randomBytes(MIN_PART_SIZE)
    const w = await writeInChunks(store, 'exact.json', data, [1 << 20])
    await w.close()
    assert.deepEqual(await store.get('exact.json'), data)
    assert.equal((await openUploads()).size, 0, 'no multipart upload')
  } finally {
    await store.close()
  }
})

for (const queueSize of [1, 2, 3]) {
  test(`above the part size: multipart with queueSize ${queueSize}, bytes intact`, async () => {
    const store = open(queueSize)
    try {
      // 3 full parts + a 12345-byte tail, written in uneven chunks, one larger than a part.
      const data = randomBytes(3 * MIN_PART_SIZE + 12_345)
      const w = await writeInChunks(store, 'dt=a%2Fb/big.json', data, [
        1_000_003,
        MIN_PART_SIZE + 17,
        333,
        2_500_000,
      ])
      assert.equal(await store.head('dt=a%2Fb/big.json'), null, 'invisible before close')
      const uploads = await openUploads()
      assert.equal(uploads.size, 1, 'one multipart upload in progress')
      const parts = [...uploads.values()][0]!
      assert.ok(parts.length >= 1 && parts[0] === 1, `parts on the server: ${parts}`)
      const info = await w.close()
      assert.equal((await openUploads()).size, 0, 'the upload was completed')
      assert.equal(info.size, data.length)
      const back = await store.get('dt=a%2Fb/big.json')
      assert.equal(back!.length, data.length)
      assert.ok(back!.equals(data), 'multipart object has the written bytes in order')
      assert.deepEqual(
        (await store.list('')).map((o) => [o.key, o.size]),
        [['dt=a%2Fb/big.json', data.length]],
      )
    } finally {
      await store.close()
    }
  })
}

test('abort after parts were uploaded leaves nothing visible', async () => {
  const store = open()
  try {
    const w = await writeInChunks(store, 'aborted.json', randomBytes(2 * MIN_PART_SIZE + 5), [
      1 << 20,
    ])
    await w.abort()
    assert.equal(await store.head('aborted.json'), null)
    assert.deepEqual(await store.list(''), [])
  } finally {
    await store.close()
  }
})

test('a writer to a missing bucket fails on close with SLUICE_S3_NO_BUCKET', async () => {
  const store = createStore({
    location: parseLocation('s3://no-such-bucket-w/x'),
    s3: s3SettingsFor(s3.endpoint, { partSize: MIN_PART_SIZE }),
  })
  try {
    const w = store.createWriter('f.json')
    await w.write(Buffer.from('abc'))
    await assert.rejects(w.close(), (err: unknown) => {
      const e = err as { code: string; message: string }
      assert.equal(e.code, 'SLUICE_S3_NO_BUCKET')
      assert.match(e.message, /no-such-bucket-w/)
      return true
    })
  } finally {
    await store.close()
  }
})
