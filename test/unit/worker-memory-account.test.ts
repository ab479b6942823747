/**
 * The memory accounting of writer tasks (memory-account.ts, partition-file.ts): what an open file
 * counts is its allocated capacity (text buffer, full buffers, gzip state, the store writer's
 * buffers), reported on open, on every growing append and on flush, and given back on close and
 * abort; least-recently-used selection of files to close.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import { MemoryAccount, pickLeastRecentlyUsed } from '../../src/worker/memory-account.js'
import { FLUSH_BYTES, GZIP_STATE_BYTES, INITIAL_BYTES, PartitionFile } from '../../src/worker/partition-file.js'

let dir: string
let store: Store
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-memory-account-'))
  store = createStore({ location: parseLocation(`file://${dir}/`) })
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const row = 'x'.repeat(1000)

test('a new file counts its first buffer, not the bytes in it', () => {
  const account = new MemoryAccount()
  const f = new PartitionFile(store, 'a/one.json', false, account)
  assert.equal(account.used, INITIAL_BYTES)
  f.append('{}')
  assert.equal(account.used, INITIAL_BYTES, 'an append that fits changes nothing')
  void f.abort()
})

test('a growing buffer is counted at every append that grows it, up to FLUSH_BYTES, then full buffers add up', async () => {
  const account = new MemoryAccount()
  const f = new PartitionFile(store, 'b/grow.json', false, account)
  let last = account.used
  let grew = 0
  for (let i = 0; i < 600; i++) {
    f.append(row)
    assert.equal(account.used, f.allocatedBytes, `after append ${i}`)
    if (account.used > last) grew++
    last = account.used
  }
  assert.ok(grew >= 6, `the buffer grew ${grew} times`)
  // 600 rows of ~1 KB: more than two FLUSH_BYTES buffers are held until flush().
  assert.ok(account.used >= 2 * FLUSH_BYTES, `${account.used}`)
  await f.flush()
  // The file writer writes big chunks straight to disk: what is left is one text buffer.
  assert.equal(account.used, f.allocatedBytes)
  assert.ok(account.used <= FLUSH_BYTES * 2, `${account.used} after flush`)
  await f.finish()
  await f.close()
  assert.equal(account.used, 0, 'a closed file holds nothing')
  assert.ok(account.peak >= 2 * FLUSH_BYTES)
  const text = await readFile(join(dir, 'b/grow.json'), 'utf8')
  assert.equal(text, `${row}\n`.repeat(600))
})

test('gzip state is counted once the compressor exists, and given back on close', async () => {
  const account = new MemoryAccount()
  const f = new PartitionFile(store, 'c/z.json.gz', true, account)
  assert.equal(account.used, INITIAL_BYTES, 'no compressor before the first flush')
  for (let i = 0; i < 400; i++) f.append(row)
  await f.flush()
  assert.ok(account.used >= GZIP_STATE_BYTES, `${account.used} with a compressor`)
  assert.equal(account.used, f.allocatedBytes)
  await f.finish()
  assert.ok(account.used < GZIP_STATE_BYTES, 'finish() ends the compressor')
  await f.close()
  assert.equal(account.used, 0)
  assert.equal(gunzipSync(await readFile(join(dir, 'c/z.json.gz'))).toString('utf8'), `${row}\n`.repeat(400))
})

test('abort gives everything back', async () => {
  const account = new MemoryAccount()
  const f = new PartitionFile(store, 'd/x.json', true, account)
  for (let i = 0; i < 400; i++) f.append(row)
  await f.flush()
  assert.ok(account.used > 0)
  await f.abort()
  assert.equal(account.used, 0)
})

test('several files share one account', () => {
  const account = new MemoryAccount()
  const files = Array.from({ length: 10 }, (_, i) => new PartitionFile(store, `e/${i}.json`, false, account))
  assert.equal(account.used, 10 * INITIAL_BYTES)
  for (const f of files) void f.abort()
})

test('least recently used files are picked until enough is freed', () => {
  const files = [
    { name: 'a', lastUsed: 5, allocatedBytes: 100 },
    { name: 'b', lastUsed: 1, allocatedBytes: 100 },
    { name: 'c', lastUsed: 9, allocatedBytes: 100 },
    { name: 'd', lastUsed: 3, allocatedBytes: 100 },
  ]
  assert.deepEqual(pickLeastRecentlyUsed(files, 400, 400).map((f) => f.name), [])
  assert.deepEqual(pickLeastRecentlyUsed(files, 400, 350).map((f) => f.name), ['b'])
  assert.deepEqual(pickLeastRecentlyUsed(files, 400, 150).map((f) => f.name), ['b', 'd', 'a'])
  assert.deepEqual(pickLeastRecentlyUsed(files, 400, 400, 2).map((f) => f.name), ['b', 'd'], 'at least minCount')
  assert.deepEqual(pickLeastRecentlyUsed(files, 400, 0).map((f) => f.name), ['b', 'd', 'a', 'c'])
})
