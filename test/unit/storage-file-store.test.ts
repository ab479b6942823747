/**
 * file:// specifics beyond the shared contract (test/integration/storage-contract.test.ts):
 * exclusive create under a race, temporary files of writers in progress, atomic replacement,
 * and the errors of a path that cannot be a directory.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'

let tmp: string
let n = 0

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sluice-file-store-'))
})
after(async () => {
  await rm(tmp, { recursive: true, force: true })
})

function open(): { store: Store; dir: string } {
  const dir = join(tmp, `s${++n}`)
  return { store: createStore({ location: parseLocation(`file://${dir}`) }), dir }
}

test('ten racing conditional puts of one key: exactly one wins, its bytes stay', async () => {
  const { store, dir } = open()
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => store.put('commits/7', `writer ${i}`, { ifNoneMatch: true })),
  )
  const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
  assert.equal(won.length, 1)
  for (const r of results) {
    if (r.status === 'rejected') {
      assert.ok(isSluiceError(r.reason, 'SLUICE_STORE_CONFLICT'), String(r.reason))
      assert.match(r.reason.message, /commits\/7 already exists/)
    }
  }
  assert.equal((await store.get('commits/7'))!.toString(), `writer ${won[0]}`)
  assert.deepEqual(await readdir(join(dir, 'commits')), ['7'], 'no temporary files left behind')
})

test('a writer in progress is not listed; close replaces an existing object whole', async () => {
  const { store, dir } = open()
  await store.put('dt=1/part-0.json', 'old\n')
  const w = store.createWriter('dt=1/part-0.json')
  await w.write(Buffer.alloc(300_000, 0x61)) // larger than the coalescing buffer: hits the disk
  const onDisk = await readdir(join(dir, 'dt=1'))
  assert.equal(onDisk.length, 2, `temporary file exists: ${onDisk}`)
  assert.deepEqual((await store.list('')).map((o) => [o.key, o.size]), [['dt=1/part-0.json', 4]])
  assert.equal((await store.get('dt=1/part-0.json'))!.toString(), 'old\n')
  await w.write(Buffer.from('\n'))
  const info = await w.close()
  assert.equal(info.size, 300_001)
  assert.equal((await store.head('dt=1/part-0.json'))!.size, 300_001)
  assert.deepEqual(await readdir(join(dir, 'dt=1')), ['part-0.json'])
})

test('many small writes are coalesced and kept in order', async () => {
  const { store } = open()
  const w = store.createWriter('lines.json')
  let expected = ''
  for (let i = 0; i < 20_000; i++) {
    const line = `{"i":${i}}\n`
    expected += line
    await w.write(Buffer.from(line))
  }
  assert.ok(w.buffered <= 256 * 1024)
  await w.close()
  assert.equal((await store.get('lines.json'))!.toString(), expected)
})

test('abort removes the temporary file', async () => {
  const { store, dir } = open()
  const w = store.createWriter('x/y.json')
  await w.write(Buffer.alloc(400_000))
  await w.abort()
  assert.deepEqual(await readdir(join(dir, 'x')), [])
  assert.equal(await store.head('x/y.json'), null)
})

test('a file where a directory is needed: SLUICE_FILE_IO naming the path and the fix', async () => {
  const { store, dir } = open()
  await store.put('a', 'file')
  await assert.rejects(store.put('a/b', 'x'), (err: unknown) => {
    assert.ok(isSluiceError(err, 'SLUICE_FILE_IO'), String(err))
    assert.ok(err.message.includes(join(dir, 'a/b')), err.message)
    assert.match(err.message, /a file stands where a directory is needed/)
    return true
  })
  assert.equal(await store.get('a/b'), null, 'reading below a file is just missing')
  // A foreign file in the tree that is not a store object is still listed; directories are not.
  await writeFile(join(dir, 'foreign'), 'z')
  assert.deepEqual((await store.list('')).map((o) => o.key), ['a', 'foreign'])
})
