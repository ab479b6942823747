/**
 * S3 failures a user can meet, against a real s3rver: a missing bucket, an unknown access key
 * (s3rver knows only S3RVER; it does not verify SigV4 signatures, so a wrong secret cannot be
 * tested here), and an endpoint where nothing listens. Plus the settings checks done before any
 * request.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { createStore, parseLocation } from '../../src/storage/index.js'
import { type S3rverHandle, s3SettingsFor, startS3rver } from '../helpers/s3rver.js'

let s3: S3rverHandle

before(async () => {
  s3 = await startS3rver({ buckets: ['errors-bkt'] })
})
after(async () => {
  await s3?.stop()
})

test('missing bucket: SLUICE_S3_NO_BUCKET naming the bucket, on get, head, put and list', async () => {
  const store = createStore({
    location: parseLocation('s3a://missing-bkt/out'),
    s3: s3SettingsFor(s3.endpoint),
  })
  try {
    const ops: [string, () => Promise<unknown>][] = [
      ['get', () => store.get('k')],
      ['head', () => store.head('k')],
      ['put', () => store.put('k', 'x')],
      ['list', () => store.list('')],
    ]
    for (const [name, op] of ops) {
      await assert.rejects(op(), (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_S3_NO_BUCKET'), `${name}: ${String(err)}`)
        assert.equal(err.retriable, false)
        assert.match(err.message, /bucket "missing-bkt" does not exist/)
        assert.match(err.message, /Create the bucket/)
        return true
      })
    }
  } finally {
    await store.close()
  }
})

test('unknown access key: SLUICE_S3_ACCESS naming the credentials source, not the secret', async () => {
  const store = createStore({
    location: parseLocation('s3://errors-bkt/x'),
    s3: s3SettingsFor(s3.endpoint, {
      accessKeyId: 'AKIAWRONGKEY12345678',
      secretAccessKey: 'very-secret-value',
    }),
  })
  try {
    await assert.rejects(store.list(''), (err: unknown) => {
      assert.ok(isSluiceError(err, 'SLUICE_S3_ACCESS'), String(err))
      assert.equal(err.retriable, false)
      assert.match(err.message, /InvalidAccessKeyId/)
      assert.match(err.message, /static credentials from s3\.accessKeyId \(AKIA…5678\)/)
      assert.match(err.message, /s3:ListBucket on arn:aws:s3:::errors-bkt/)
      assert.doesNotMatch(err.message, /very-secret-value/)
      return true
    })
  } finally {
    await store.close()
  }
})

test('nothing listening: SLUICE_S3_UNAVAILABLE, retriable', async () => {
  // Reserve a free port, then close it so that connections are refused.
  const port = await new Promise<number>((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port
      srv.close(() => resolve(p))
    })
  })
  const store = createStore({
    location: parseLocation('s3://errors-bkt/x'),
    s3: s3SettingsFor(`http://127.0.0.1:${port}`),
  })
  try {
    await assert.rejects(store.put('k', 'x'), (err: unknown) => {
      assert.ok(isSluiceError(err, 'SLUICE_S3_UNAVAILABLE'), String(err))
      assert.equal(err.retriable, true)
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
      assert.match(err.message, /s3:\/\/errors-bkt\/x\/k/)
      return true
    })
  } finally {
    await store.close()
  }
})

test('half-set static credentials and a malformed endpoint are refused at creation', () => {
  const location = parseLocation('s3://errors-bkt/x')
  assert.throws(
    () => createStore({ location, s3: { accessKeyId: 'AKIA1', secretAccessKey: '' } }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_CONFIG_S3_CREDENTIALS') &&
      /s3\.accessKeyId is set but s3\.secretAccessKey is not/.test(err.message),
  )
  assert.throws(
    () => createStore({ location, s3: { endpoint: '127.0.0.1:9000' } }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_CONFIG_S3_ENDPOINT') && /127\.0\.0\.1:9000/.test(err.message),
  )
  // Empty strings count as not set: this store uses the SDK's chain and opens fine.
  const store = createStore({
    location,
    s3: { endpoint: '', region: '', accessKeyId: '', secretAccessKey: '' },
  })
  void store.close()
})
