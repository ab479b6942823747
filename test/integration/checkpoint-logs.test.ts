import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import {
  CheckpointLog,
  FileSinkLog,
  type OffsetsEntry,
  type SinkFileStatus,
  defaultOffsetConf,
  loadRestart,
} from '../../src/checkpoint/index.js'
import { createStore, parseLocation } from '../../src/storage/index.js'
import type { Store } from '../../src/storage/index.js'

// Spark's own test files: test/fixtures/spark in the repository, else the shared copy, or
// SLUICE_SPARK_FIXTURES. (Compiled tests run from dist/test/…, hence the ../../../.)
const FIX = [
  process.env['SLUICE_SPARK_FIXTURES'],
  fileURLToPath(new URL('../../../test/fixtures/spark', import.meta.url)),
  '/work/shared/fixtures/spark',
].find((d): d is string => d !== undefined && existsSync(`${d}/README.md`))!
const dirs: string[] = []
const stores: Store[] = []
after(async () => {
  for (const s of stores) await s.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-checkpoint-'))
  dirs.push(d)
  return d
}
function fileStore(dir: string): Store {
  const s = createStore({ location: parseLocation(`file://${dir}/`) })
  stores.push(s)
  return s
}

const entry = (ts: number, offsets: Record<string, number>): OffsetsEntry => ({
  metadata: { batchWatermarkMs: 0, batchTimestampMs: ts, conf: defaultOffsetConf() },
  sources: [{ events: offsets }],
})
const file = (n: number, action: 'add' | 'delete' = 'add'): SinkFileStatus => ({
  path: `file:/out/dt=2024-01-01/part-${String(n).padStart(5, '0')}.json`,
  size: n,
  isDir: false,
  modificationTime: 1000 + n,
  blockReplication: 1,
  blockSize: 33554432,
  action,
})
const code = (c: string, ...includes: string[]) => (e: { code?: string; message: string }) => {
  assert.equal(e.code, c, e.message)
  for (const s of includes) assert.ok(e.message.includes(s), `message lacks "${s}": ${e.message}`)
  return true
}

test('CheckpointLog writes Spark-identical files and reads them back', async () => {
  const dir = tempDir()
  const cp = new CheckpointLog(fileStore(dir))
  assert.equal(await cp.readMetadata(), null)
  assert.equal(await cp.latestOffsets(), null)
  assert.equal(await cp.latestCommit(), null)
  await cp.writeMetadata('dddc5e7f-1e71-454c-8362-de184444fb5a')
  assert.equal(readFileSync(join(dir, 'metadata'), 'utf8'), '{"id":"dddc5e7f-1e71-454c-8362-de184444fb5a"}')
  assert.deepEqual(await cp.readMetadata(), { id: 'dddc5e7f-1e71-454c-8362-de184444fb5a' })

  await cp.writeInitialOffsets({ events: { '1': 0, '0': 0 } })
  assert.deepEqual(readFileSync(join(dir, 'sources/0/0')), Buffer.from('\0v1\n{"events":{"0":0,"1":0}}'))
  assert.deepEqual(await cp.readInitialOffsets(), { events: { '0': 0, '1': 0 } })

  for (let n = 0; n <= 11; n++) await cp.writeOffsets(n, entry(1000 + n, { '0': 10 * (n + 1) }))
  for (let n = 0; n <= 10; n++) await cp.writeCommit(n)
  assert.equal(readFileSync(join(dir, 'commits/10'), 'utf8'), 'v1\n{"nextBatchWatermarkMs":0}')
  assert.ok(readFileSync(join(dir, 'offsets/11'), 'utf8').endsWith('\n{"events":{"0":120}}'))
  // Names Spark or Hadoop leave around are not batches.
  writeFileSync(join(dir, 'offsets/.12.crc'), 'x')
  writeFileSync(join(dir, 'offsets/.12.8f4e.tmp'), 'x')
  writeFileSync(join(dir, 'commits/notes'), 'x')

  const latest = await cp.latestOffsets()
  assert.equal(latest?.batchId, 11)
  assert.equal(latest?.entry.metadata.batchTimestampMs, 1011)
  assert.equal(await cp.latestCommit(), 10)
  assert.deepEqual((await cp.getOffsets(3))?.sources, [{ events: { '0': 40 } }])
  assert.equal(await cp.getOffsets(99), null)

  const deleted = await cp.purge(5)
  assert.equal(deleted.length, 10)
  assert.deepEqual(await cp.offsetIds(), [5, 6, 7, 8, 9, 10, 11])
  assert.deepEqual(await cp.commitIds(), [5, 6, 7, 8, 9, 10])
  assert.ok(readdirSync(join(dir, 'offsets')).includes('.12.crc'))
})

test('a second writer of offsets/N, commits/N or metadata gets SLUICE_CHECKPOINT_CONCURRENT', async () => {
  const dir = tempDir()
  const store = fileStore(dir)
  const cp = new CheckpointLog(store)
  await cp.writeOffsets(4, entry(1, { '0': 1 }))
  // Not probed yet: sluice checks existence first and says that this is all it has.
  await assert.rejects(
    cp.writeOffsets(4, entry(2, { '0': 2 })),
    code('SLUICE_CHECKPOINT_CONCURRENT', 'offsets/4', 'another query', 'only protection left'),
  )
  assert.equal(await store.probeConditionalWrites('_probe/x'), 'enforced')
  await assert.rejects(
    cp.writeOffsets(4, entry(2, { '0': 2 })),
    code('SLUICE_CHECKPOINT_CONCURRENT', 'offsets/4', 'second writer was refused'),
  )
  // The first write is intact.
  assert.equal((await cp.getOffsets(4))?.metadata.batchTimestampMs, 1)
  await cp.writeCommit(4)
  await assert.rejects(cp.writeCommit(4), code('SLUICE_CHECKPOINT_CONCURRENT', 'commits/4'))
  await cp.writeMetadata('a')
  await assert.rejects(cp.writeMetadata('b'), code('SLUICE_CHECKPOINT_CONCURRENT', 'metadata'))
})

test("Spark 2.1.0's checkpoint fixture is read: query id, latest offsets 1, conf filled", async () => {
  const dir = tempDir()
  cpSync(`${FIX}/checkpoint-version-2.1.0`, dir, { recursive: true })
  const cp = new CheckpointLog(fileStore(dir))
  assert.deepEqual(await cp.readMetadata(), { id: 'dddc5e7f-1e71-454c-8362-de184444fb5a' })
  const latest = await cp.latestOffsets()
  assert.equal(latest?.batchId, 1)
  assert.equal(latest?.entry.metadata.batchTimestampMs, 1489180209261)
  assert.equal(latest?.entry.metadata.conf['spark.sql.streaming.multipleWatermarkPolicy'], 'min')
  assert.equal(await cp.latestCommit(), null)
})

test("Spark's sink-log fixture: interval derived from 7.compact, reader sees /a/b/1 … /a/b/9, appends continue", async () => {
  const dir = tempDir()
  cpSync(`${FIX}/file-sink-log-version-2.1.0`, join(dir, '_spark_metadata'), { recursive: true })
  const log = new FileSinkLog(fileStore(dir), { compactInterval: 10 })
  assert.equal(await log.compactInterval(), 8)
  assert.equal(await log.latestBatchId(), 9)
  const paths = (await log.allFiles()).map((f) => f.path)
  assert.deepEqual(paths, ['/a/b/1', '/a/b/2', '/a/b/3', '/a/b/4', '/a/b/5', '/a/b/6', '/a/b/7', '/a/b/8', '/a/b/9'])
  assert.equal((await log.get(7))?.length, 8)

  // With interval 8 the next compaction is batch 15.
  for (let n = 10; n <= 15; n++) await log.add(n, [file(n)])
  const names = readdirSync(join(dir, '_spark_metadata')).sort()
  assert.ok(names.includes('15.compact') && !names.includes('15'), names.join(','))
  const compact = readFileSync(join(dir, '_spark_metadata/15.compact'), 'utf8')
  assert.ok(!compact.endsWith('\n'))
  assert.ok(!compact.includes('"/a/b/0"'), 'the deleted file is dropped at compaction')
  assert.equal(compact.split('\n').length, 1 + 9 + 6)
  const after = (await new FileSinkLog(fileStore(dir)).allFiles()).map((f) => f.path)
  assert.equal(after.length, 15)
  assert.equal(after[14], file(15).path)
})

test('FileSinkLog compacts at 9 and 19, reads across compactions, refuses a second writer, cleans up', async () => {
  const dir = tempDir()
  const store = fileStore(dir)
  const log = new FileSinkLog(store, { compactInterval: 10 })
  assert.equal(await log.latestBatchId(), null)
  assert.deepEqual(await log.allFiles(), [])
  for (let n = 0; n <= 21; n++) {
    // Batch 12 deletes the file of batch 3; batch 5 is an empty batch.
    const files = n === 5 ? [] : n === 12 ? [file(n), file(3, 'delete')] : [file(n)]
    await log.add(n, files)
  }
  const meta = join(dir, '_spark_metadata')
  const names = new Set(readdirSync(meta))
  assert.ok(names.has('9.compact') && names.has('19.compact') && names.has('20') && names.has('8'))
  assert.ok(!names.has('9') && !names.has('19'))
  assert.equal(readFileSync(join(meta, '5'), 'utf8'), 'v1')
  const nine = readFileSync(join(meta, '9.compact'), 'utf8').split('\n')
  assert.equal(nine[0], 'v1')
  assert.equal(nine.length, 1 + 9) // batches 0-9 minus the empty batch 5
  const nineteen = readFileSync(join(meta, '19.compact'), 'utf8')
  assert.ok(!nineteen.includes('part-00003'), 'batch 12 deleted part-00003')
  assert.equal(await log.latestBatchId(), 21)

  const expected = [...Array(22).keys()].filter((n) => n !== 5 && n !== 3).map((n) => file(n).path)
  assert.deepEqual((await log.allFiles()).map((f) => f.path), expected)

  await assert.rejects(
    log.add(21, [file(99)]),
    code('SLUICE_SINK_LOG_CONCURRENT', '_spark_metadata/21', 'another query'),
  )
  await assert.rejects(log.add(19, [file(99)]), code('SLUICE_SINK_LOG_CONCURRENT', '19.compact'))

  // Cleanup below the latest compaction at or before 20 (19.compact): reading is unchanged.
  const deleted = await log.cleanup(20)
  assert.equal(deleted.length, 19) // 0-8, 9.compact, 10-18
  assert.deepEqual([...readdirSync(meta)].sort(), ['19.compact', '20', '21'])
  assert.deepEqual((await log.allFiles()).map((f) => f.path), expected)
  assert.equal(await log.get(4), null)
  // A new reader derives its interval from the lone 19.compact as Spark does (20) and agrees.
  const fresh = new FileSinkLog(store, { compactInterval: 10 })
  assert.equal(await fresh.compactInterval(), 20)
  assert.deepEqual((await fresh.allFiles()).map((f) => f.path), expected)
  // minAgeMs keeps files younger than the delay.
  await log.add(22, [file(22)])
  assert.deepEqual(await log.cleanup(22, { minAgeMs: 60_000, now: Date.now() }), [])
})

test('a compaction that misses an earlier batch fails with SLUICE_SINK_LOG_MISSING naming the file', async () => {
  const dir = tempDir()
  const log = new FileSinkLog(fileStore(dir), { compactInterval: 5 })
  for (let n = 0; n <= 7; n++) await log.add(n, [file(n)])
  rmSync(join(dir, '_spark_metadata/6'))
  await log.add(8, [file(8)])
  await assert.rejects(log.add(9, [file(9)]), code('SLUICE_SINK_LOG_MISSING', '_spark_metadata/6', 'compacting batch 9'))
})

/** Builds a checkpoint with offsets 0..o, commits 0..c, sink log 0..s (-1 = none). */
async function scenario(o: number, c: number, s: number) {
  const cpDir = tempDir()
  const outDir = tempDir()
  const cp = new CheckpointLog(fileStore(cpDir))
  const sink = new FileSinkLog(fileStore(outDir))
  await cp.writeMetadata('q-1')
  await cp.writeInitialOffsets({ events: { '0': 0 } })
  for (let n = 0; n <= o; n++) await cp.writeOffsets(n, entry(500 + n, { '0': 10 * (n + 1) }))
  for (let n = 0; n <= c; n++) await cp.writeCommit(n)
  for (let n = 0; n <= s; n++) await sink.add(n, [file(n)])
  const opts = { allowMismatch: false, checkpointUri: `file://${cpDir}/`, outputUri: `file://${outDir}/` }
  return { cp, sink, cpDir, outDir, opts }
}

test('loadRestart: offsets/N without commits/N → rerun N with exactly offsets/N-1 → offsets/N', async () => {
  const { cp, sink, opts } = await scenario(4, 3, 3)
  const r = await loadRestart(cp, sink, opts)
  assert.deepEqual(r.plan, { kind: 'rerun', batchId: 4 })
  assert.deepEqual(r.startOffsets, { events: { '0': 40 } })
  assert.deepEqual(r.batchEntry?.sources, [{ events: { '0': 50 } }])
  assert.equal(r.batchEntry?.metadata.batchTimestampMs, 504)
  assert.equal(r.queryId, 'q-1')
})

test('loadRestart: rerun of batch 0 starts at sources/0/0', async () => {
  const { cp, sink, opts } = await scenario(0, -1, -1)
  const r = await loadRestart(cp, sink, opts)
  assert.deepEqual(r.plan, { kind: 'rerun', batchId: 0 })
  assert.deepEqual(r.startOffsets, { events: { '0': 0 } })
})

test('loadRestart: sink committed N but commits/N missing → commit-only, next start at offsets/N', async () => {
  const { cp, sink, opts } = await scenario(4, 3, 4)
  const r = await loadRestart(cp, sink, opts)
  assert.deepEqual(r.plan, { kind: 'commit-only', batchId: 4 })
  assert.deepEqual(r.startOffsets, { events: { '0': 50 } })
})

test('loadRestart: all committed → resume from the last offsets', async () => {
  const { cp, sink, opts } = await scenario(4, 4, 4)
  const r = await loadRestart(cp, sink, opts)
  assert.deepEqual(r.plan, { kind: 'resume', nextBatchId: 5, fromBatchId: 4 })
  assert.deepEqual(r.startOffsets, { events: { '0': 50 } })
})

test('loadRestart: sink log ahead (checkpoint restored from an old backup) → mismatch naming both ids', async () => {
  const { cp, sink, opts } = await scenario(2, 2, 6)
  await assert.rejects(loadRestart(cp, sink, opts), code('SLUICE_CHECKPOINT_MISMATCH', 'batch 6', 'latest batch 2'))
})

test('loadRestart: checkpoint deleted, output log kept → mismatch; allowed → fresh at S+1 from sources/0/0', async () => {
  const { sink, outDir } = await scenario(-1, -1, 3)
  const emptyCpDir = tempDir()
  const cp = new CheckpointLog(fileStore(emptyCpDir))
  const opts = { allowMismatch: false, checkpointUri: `file://${emptyCpDir}`, outputUri: `file://${outDir}` }
  await assert.rejects(
    loadRestart(cp, sink, opts),
    code('SLUICE_CHECKPOINT_MISMATCH', 'up to 3', 'next batch would be 0', `file://${outDir}/_spark_metadata`),
  )
  const r = await loadRestart(cp, sink, { ...opts, allowMismatch: true })
  assert.equal(r.plan.kind, 'fresh')
  assert.equal(r.plan.kind === 'fresh' && r.plan.nextBatchId, 4)
  assert.equal(r.startOffsets, null)
})

test('loadRestart: offsets/N-1 missing for a rerun → SLUICE_CHECKPOINT_MISSING_OFFSETS', async () => {
  const { cp, sink, cpDir, opts } = await scenario(4, 3, 3)
  rmSync(join(cpDir, 'offsets/3'))
  await assert.rejects(loadRestart(cp, sink, opts), code('SLUICE_CHECKPOINT_MISSING_OFFSETS', 'offsets/3', 'batch 4'))
})
