/**
 * A StoreSpec crosses a thread boundary as plain data, and the worker opens the same store with
 * its own S3Client: objects written in a worker_threads Worker are read back in the main thread.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Worker } from 'node:worker_threads'
import { createStore, parseLocation, type StoreSpec } from '../../src/storage/index.js'
import { type S3rverHandle, s3SettingsFor, startS3rver } from '../helpers/s3rver.js'

const STORAGE_INDEX = new URL('../../src/storage/index.js', import.meta.url).href

// CommonJS eval'd code; the store module is loaded with a dynamic import of its URL.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { createStore } = await import(workerData.index);
  const store = createStore(workerData.spec);
  try {
    const w = store.createWriter('dt=2024-01-01/part-00000.json');
    for (let i = 0; i < 1000; i++) await w.write(Buffer.from(JSON.stringify({ i }) + '\\n'));
    const info = await w.close();
    await store.put('_spark_metadata/0', 'v1\\n' + JSON.stringify({ path: store.uri(info.key), size: info.size }));
    const listed = (await store.list('')).map((o) => o.key);
    parentPort.postMessage({ ok: true, info, listed });
  } catch (err) {
    parentPort.postMessage({ ok: false, code: err.code, message: err.message });
  } finally {
    await store.close();
  }
})();
`

let s3: S3rverHandle
let tmp: string

before(async () => {
  s3 = await startS3rver({ buckets: ['worker-bkt'] })
  tmp = await mkdtemp(join(tmpdir(), 'sluice-storage-worker-'))
})
after(async () => {
  await s3?.stop()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

async function runInWorker(spec: StoreSpec): Promise<{
  ok: boolean
  info: { key: string; size: number }
  listed: string[]
  message?: string
}> {
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: { index: STORAGE_INDEX, spec },
  })
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
  } finally {
    await worker.terminate()
  }
}

const expectedBody = Array.from({ length: 1000 }, (_, i) => `${JSON.stringify({ i })}\n`).join('')

for (const kind of ['s3', 'file'] as const) {
  test(`a ${kind} store opened in a worker writes what the main thread reads`, async () => {
    const spec: StoreSpec =
      kind === 's3'
        ? { location: parseLocation('s3a://worker-bkt/out'), s3: s3SettingsFor(s3.endpoint) }
        : { location: parseLocation(`file://${tmp}/out`) }
    const result = await runInWorker(spec)
    assert.equal(result.ok, true, result.message)
    assert.equal(result.info.size, Buffer.byteLength(expectedBody))
    assert.deepEqual(result.listed, ['_spark_metadata/0', 'dt=2024-01-01/part-00000.json'])
    const store = createStore(spec)
    try {
      const body = await store.get('dt=2024-01-01/part-00000.json')
      assert.equal(body!.toString(), expectedBody)
      const log = (await store.get('_spark_metadata/0'))!.toString().split('\n')
      assert.equal(log[0], 'v1')
      const entry = JSON.parse(log[1]!) as { path: string }
      assert.equal(entry.path, store.uri('dt=2024-01-01/part-00000.json'))
      assert.match(entry.path, kind === 's3' ? /^s3a:\/\/worker-bkt\/out\/dt=/ : /^file:\/[^/]/)
    } finally {
      await store.close()
    }
  })
}
