/**
 * The Store contract, run against both implementations: S3 (a real s3rver on 127.0.0.1, and
 * versitygw, an S3 server that enforces conditional writes) and a local directory. Same
 * assertions for all, so the checkpoint and sink code can rely on them.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import { type S3rverHandle, s3SettingsFor, startS3rver } from '../helpers/s3rver.js'
import { startVersitygw, type VersitygwHandle } from '../helpers/versitygw.js'

interface Backend {
  name: string
  open(): Promise<Store>
  expectedConditional: 'enforced' | 'ignored'
}

let s3: S3rverHandle
let vgw: VersitygwHandle
let tmp: string
let n = 0

before(async () => {
  s3 = await startS3rver({ buckets: ['contract-bkt'] })
  vgw = await startVersitygw({ buckets: ['contract-bkt'] })
  tmp = await mkdtemp(join(tmpdir(), 'sluice-storage-contract-'))
})
after(async () => {
  await s3?.stop()
  await vgw?.stop()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

const backends: Backend[] = [
  {
    name: 's3rver',
    expectedConditional: 'ignored',
    open: async () =>
      createStore({
        location: parseLocation(`s3a://contract-bkt/run-${++n}/out`),
        s3: s3SettingsFor(s3.endpoint),
      }),
  },
  {
    name: 'versitygw',
    expectedConditional: 'enforced',
    open: async () =>
      createStore({
        location: parseLocation(`s3a://contract-bkt/run-${++n}/out`),
        s3: s3SettingsFor(vgw.endpoint),
      }),
  },
  {
    name: 'file',
    expectedConditional: 'enforced',
    open: async () => createStore({ location: parseLocation(`file://${tmp}/run-${++n}/out`) }),
  },
]

for (const backend of backends) {
  describe(`Store contract on ${backend.name}`, () => {
    test('put/get/head round-trip bytes and strings; missing keys are null', async () => {
      const store = await backend.open()
      try {
        assert.equal(await store.get('offsets/0'), null)
        assert.equal(await store.head('offsets/0'), null)
        await store.put('offsets/0', 'v1\n{"a":1}')
        const bytes = Buffer.from([0, 1, 2, 255, 10])
        await store.put('sources/0/0', bytes)
        assert.equal((await store.get('offsets/0'))!.toString('utf8'), 'v1\n{"a":1}')
        assert.deepEqual(await store.get('sources/0/0'), bytes)
        const info = await store.head('sources/0/0')
        assert.equal(info!.key, 'sources/0/0')
        assert.equal(info!.size, 5)
        assert.ok(Math.abs(info!.lastModified - Date.now()) < 10 * 60_000, 'lastModified is recent')
        await store.put('offsets/0', 'v1\nreplaced')
        assert.equal((await store.get('offsets/0'))!.toString(), 'v1\nreplaced')
        // A directory-like prefix is not an object.
        assert.equal(await store.get('sources/0'), null)
      } finally {
        await store.close()
      }
    })

    test('list returns relative keys under a prefix in byte order, recursively', async () => {
      const store = await backend.open()
      try {
        const keys = [
          'commits/10',
          'commits/9',
          'commits/1',
          'offsets/2',
          'dt=2024-01-01/dth=2024-01-01-00/part-00000.json',
          'dt=2024-01-01/dth=2024-01-01-01/part-00000.json',
          'dt=2024-01-02/part-00001.json',
          '_spark_metadata/0',
          '_spark_metadata/9.compact',
          'é/x',
          'Z/x',
        ]
        for (const k of keys) await store.put(k, k)
        assert.deepEqual(
          (await store.list('commits/')).map((o) => o.key),
          ['commits/1', 'commits/10', 'commits/9'],
        )
        assert.deepEqual(
          (await store.list('dt=2024-01-01')).map((o) => o.key),
          [
            'dt=2024-01-01/dth=2024-01-01-00/part-00000.json',
            'dt=2024-01-01/dth=2024-01-01-01/part-00000.json',
          ],
        )
        const all = await store.list('')
        assert.deepEqual(
          all.map((o) => o.key),
          [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        )
        const meta = await store.list('_spark_metadata/')
        assert.deepEqual(
          meta.map((o) => [o.key, o.size]),
          [
            ['_spark_metadata/0', '_spark_metadata/0'.length],
            ['_spark_metadata/9.compact', '_spark_metadata/9.compact'.length],
          ],
        )
        assert.deepEqual(await store.list('nothing-here/'), [])
        assert.deepEqual(
          (await store.list('commits/1')).map((o) => o.key),
          ['commits/1', 'commits/10'],
        )
      } finally {
        await store.close()
      }
    })

    test('delete removes keys and ignores missing ones', async () => {
      const store = await backend.open()
      try {
        await store.put('a/1', '1')
        await store.put('a/2', '2')
        await store.put('b/1', '3')
        await store.delete(['a/1', 'a/missing', 'b/1'])
        assert.deepEqual(
          (await store.list('')).map((o) => o.key),
          ['a/2'],
        )
        await store.delete([])
      } finally {
        await store.close()
      }
    })

    test('put with ifNoneMatch: first write succeeds; the probe reports the store', async () => {
      const store = await backend.open()
      try {
        assert.equal(store.conditionalWrites, 'unknown')
        await store.put('commits/0', 'v1', { ifNoneMatch: true })
        assert.equal((await store.get('commits/0'))!.toString(), 'v1')
        assert.equal(await store.probeConditionalWrites('_sluice_probe'), backend.expectedConditional)
        assert.equal(store.conditionalWrites, backend.expectedConditional)
        assert.equal(await store.head('_sluice_probe'), null, 'scratch key deleted')
        if (backend.expectedConditional === 'enforced') {
          await assert.rejects(
            store.put('commits/0', 'v2', { ifNoneMatch: true }),
            (err: unknown) => isSluiceError(err, 'SLUICE_STORE_CONFLICT') && !err.retriable,
          )
          assert.equal((await store.get('commits/0'))!.toString(), 'v1', 'not overwritten')
        }
      } finally {
        await store.close()
      }
    })

    test('writer: small object appears only on close, with its bytes and size', async () => {
      const store = await backend.open()
      try {
        const w = store.createWriter('dt=x/part-00000.json')
        await w.write(Buffer.from('{"a":1}\n'))
        await w.write(new TextEncoder().encode('{"a":2}\n'))
        assert.equal(w.bytes, 16)
        assert.equal(await store.head('dt=x/part-00000.json'), null, 'invisible before close')
        assert.deepEqual(await store.list('dt=x/'), [], 'nothing listed before close')
        const info = await w.close()
        assert.equal(info.key, 'dt=x/part-00000.json')
        assert.equal(info.size, 16)
        assert.equal((await store.get('dt=x/part-00000.json'))!.toString(), '{"a":1}\n{"a":2}\n')
        await assert.rejects(w.write(Buffer.from('x')), (err: unknown) =>
          isSluiceError(err, 'SLUICE_STORE_WRITER_CLOSED'),
        )
      } finally {
        await store.close()
      }
    })

    test('writer: an empty object can be written; abort leaves nothing', async () => {
      const store = await backend.open()
      try {
        const empty = store.createWriter('empty.json')
        assert.equal((await empty.close()).size, 0)
        assert.equal((await store.head('empty.json'))!.size, 0)
        const w = store.createWriter('aborted.json')
        await w.write(Buffer.alloc(1000, 1))
        await w.abort()
        await w.abort()
        assert.equal(await store.head('aborted.json'), null)
        assert.deepEqual(
          (await store.list('')).map((o) => o.key),
          ['empty.json'],
        )
      } finally {
        await store.close()
      }
    })

    test('invalid keys are refused before any I/O', async () => {
      const store = await backend.open()
      try {
        for (const bad of ['', '/abs', 'a//b', '../escape', 'a/./b', 'a/..']) {
          await assert.rejects(store.put(bad, 'x'), (err: unknown) =>
            isSluiceError(err, 'SLUICE_STORE_KEY'),
          )
        }
        assert.throws(() => store.createWriter('../x'), (err: unknown) =>
          isSluiceError(err, 'SLUICE_STORE_KEY'),
        )
      } finally {
        await store.close()
      }
    })
  })
}
