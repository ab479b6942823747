/**
 * The file sink's `retention` (Spark 3.3+, FileStreamSinkLog.shouldRetain): an entry whose
 * modificationTime is more than `retention` before now is left out when `_spark_metadata`
 * compacts; readers (allFiles) do not apply it, as Spark's MetadataLogFileIndex does not.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { FileSinkLog, type SinkFileStatus } from '../../src/checkpoint/index.js'
import { createStore, parseLocation } from '../../src/storage/index.js'

const root = mkdtempSync(join(tmpdir(), 'sluice-retention-'))
after(() => rmSync(root, { recursive: true, force: true }))

const status = (path: string, modificationTime: number): SinkFileStatus => ({
  path, size: 10, isDir: false, modificationTime, blockReplication: 1, blockSize: 33554432, action: 'add',
})

function storeAt(name: string) {
  return createStore({ location: parseLocation(`file://${root}/${name}/`) })
}

test('retention drops expired entries when the log compacts, keeps young ones, and allFiles never filters', async () => {
  let now = 1_000_000
  const log = new FileSinkLog(storeAt('a'), { compactInterval: 3, retentionMs: 10_000, now: () => now })
  await log.add(0, [status('file:///o/old0', now - 20_000)])
  await log.add(1, [status('file:///o/young1', now - 5_000)])
  // Not a compaction batch: nothing dropped, and allFiles lists what is in the log.
  assert.deepEqual((await log.allFiles()).map((f) => f.path), ['file:///o/old0', 'file:///o/young1'])
  now += 6_000 // young1 is now 11 s old: expired too, by Spark's rule (now - mtime > retention)
  await log.add(2, [status('file:///o/new2', now)])
  assert.deepEqual((await log.allFiles()).map((f) => f.path), ['file:///o/new2'])
})

test('an entry exactly `retention` old is kept (Spark drops only now - mtime > retention)', async () => {
  const now = 5_000_000
  const log = new FileSinkLog(storeAt('b'), { compactInterval: 1, retentionMs: 1000, now: () => now })
  await log.add(0, [status('file:///o/edge', now - 1000), status('file:///o/past', now - 1001)])
  assert.deepEqual((await log.allFiles()).map((f) => f.path), ['file:///o/edge'])
})

test('without retention every entry stays through compactions', async () => {
  const log = new FileSinkLog(storeAt('c'), { compactInterval: 2, now: () => 9e12 })
  for (let b = 0; b < 6; b++) await log.add(b, [status(`file:///o/f${b}`, 1)])
  assert.equal((await log.allFiles()).length, 6)
})

test('the compact file stays bounded with retention over many batches', async () => {
  let now = 0
  const log = new FileSinkLog(storeAt('d'), { compactInterval: 10, retentionMs: 50_000, now: () => now })
  for (let b = 0; b < 200; b++) {
    now = b * 1000
    await log.add(b, [status(`file:///o/f${b}`, now)])
  }
  // Batch 199 compacted: entries written within the last 50 s (batches 149..199) remain.
  const files = await log.allFiles()
  assert.equal(files.length, 51)
  assert.equal(files[0]!.path, 'file:///o/f149')
})
