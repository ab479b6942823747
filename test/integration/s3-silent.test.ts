/**
 * A silent S3 endpoint must not hang the job (issue 6 item 4). The endpoint here is a TCP server
 * that accepts connections and never answers a byte: what a stuck load balancer or a black-holed
 * route looks like. Before the fix the S3 client had only a connection timeout, so every request
 * waited forever; SIGTERM then waited for the batch forever too, and a second signal exited 0.
 * Now requests fail after s3.requestTimeout / s3.socketTimeout as retriable SLUICE_S3_UNAVAILABLE,
 * a graceful stop has a deadline (--stop-timeout / stopTimeout), and a stop that abandons a batch
 * exits 1 with SLUICE_STOP_ABANDONED.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { after, before, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { createStore, parseLocation } from '../../src/storage/index.js'
import { CliProcess, s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY } from '../helpers/s3rver.js'

let silent: Server
const sockets = new Set<Socket>()
let endpoint: string
let dir: string

before(async () => {
  silent = createServer((socket) => {
    sockets.add(socket)
    socket.on('data', () => undefined)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const addr = silent.address()
  assert.ok(addr !== null && typeof addr === 'object')
  endpoint = `http://127.0.0.1:${addr.port}`
  dir = await tempDir('sluice-s3-silent-')
})
after(async () => {
  for (const s of sockets) s.destroy()
  await new Promise<void>((resolve) => silent?.close(() => resolve()))
  if (dir) await rm(dir, { recursive: true, force: true })
})

const env = (): Record<string, string> => ({
  KAFKA_BOOTSTRAP: '127.0.0.1:9',
  S3_ENDPOINT: endpoint,
  AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
  AWS_REGION: 'us-east-1',
})

test('a request to an endpoint that never answers fails as retriable after the timeouts', { timeout: 90_000 }, async () => {
  const store = createStore({
    location: parseLocation('s3a://silent-bkt/out/'),
    s3: {
      endpoint,
      forcePathStyle: true,
      accessKeyId: S3RVER_ACCESS_KEY_ID,
      secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
      requestTimeout: 1_000,
      socketTimeout: 1_000,
    },
  })
  try {
    await assert.rejects(store.get('offsets/0'), (err: unknown) => {
      assert.ok(isSluiceError(err, 'SLUICE_S3_UNAVAILABLE'), String(err))
      assert.equal(err.retriable, true)
      return true
    })
  } finally {
    await store.close()
  }
})

/** A job whose checkpoint and output are on the silent endpoint, with timeouts long enough to hang. */
async function hangingJob(name: string): Promise<string> {
  const job = s3Job({ name, bucket: 'silent-bkt', prefix: name, topic: 'never' })
  job.s3 = { endpoint: '${S3_ENDPOINT}', forcePathStyle: true, requestTimeout: '10m', socketTimeout: '10m' }
  return writeJob(dir, name, job)
}

test('SIGTERM while S3 hangs: the stop deadline ends the process with status 1 and SLUICE_STOP_ABANDONED', { timeout: 90_000 }, async () => {
  const p = new CliProcess(['run', await hangingJob('deadline'), '--stop-timeout', '2s'], env())
  try {
    await p.waitFor('the query to start', () => p.logs().some((l) => l.msg === 'starting query'))
    p.child.kill('SIGTERM')
    const { code } = await p.exited
    assert.equal(code, 1, p.tail())
    assert.match(p.stderr, /SLUICE_STOP_ABANDONED/)
    assert.match(p.stderr, /deadline of 2s passed/)
  } finally {
    p.kill()
  }
})

test('a second signal during the graceful stop exits with status 1, not 0', { timeout: 90_000 }, async () => {
  const p = new CliProcess(['run', await hangingJob('second')], env())
  try {
    await p.waitFor('the query to start', () => p.logs().some((l) => l.msg === 'starting query'))
    p.child.kill('SIGTERM')
    await p.waitFor('the graceful stop', () => p.logs().some((l) => String(l.msg).startsWith('stopping after the batch in flight')))
    p.child.kill('SIGTERM')
    const { code } = await p.exited
    assert.equal(code, 1, p.tail())
    assert.match(p.stderr, /SLUICE_STOP_ABANDONED/)
  } finally {
    p.kill()
  }
})
