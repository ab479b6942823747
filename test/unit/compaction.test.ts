/**
 * Compaction of closed directories (src/commit/compaction.ts, src/query/compaction-scheduler.ts)
 * on file:// stores with the commit-protocol harness (fixtures: compaction-fixtures.ts).
 */
import assert from 'node:assert/strict'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { CompactionEvent } from '../../src/metrics/compaction-metrics.js'
import { Crash, listingRecords, proc, sparkRecords, tempRoot } from './commit-helpers.js'
import { closedHours, CONF, dataBatch, dataFilesPerDir, dirAt, end, HOUR, scheduler, sorted, T0 } from './compaction-fixtures.js'

test('eight simulated hours of small batches end with one file per hour directory; readers see every record once throughout', async () => {
  const root = await tempRoot()
  const p = proc(root, 'run-a', { compactInterval: 10 })
  await p.protocol.open()
  const clock = { now: T0 }
  const events: CompactionEvent[] = []
  const s = scheduler(root, p, clock, 0, (e) => events.push(e))
  const all: string[] = []
  let next = 0
  const PER_HOUR = 12 // one batch every 5 simulated minutes
  const HOURS = 8
  for (let i = 0; i < HOURS * PER_HOUR; i++) {
    clock.now = T0 + i * (HOUR / PER_HOUR)
    all.push(...(await dataBatch(p, next, clock.now)))
    next = await s.between(next + 1, false, end(next), CONF)
    if (i % 24 === 23) {
      // During: Spark sees each record once; a listing never misses one (it may see some twice until removal).
      assert.deepEqual(await sparkRecords(p), sorted(all), `Spark view at batch ${next}`)
      assert.deepEqual(new Set(await listingRecords(root)), new Set(all), `listing at batch ${next}`)
    }
  }
  // The hours are over: idle triggers an hour later let the last hours close, compact and be removed.
  clock.now = T0 + (HOURS + 1) * HOUR
  for (let i = 0; i < 6; i++) next = await s.between(next, true, end(next - 1), CONF)
  await s.drain()
  for (let i = 0; i < 3; i++) next = await s.between(next, true, end(next - 1), CONF)
  assert.deepEqual(await sparkRecords(p), sorted(all))
  assert.deepEqual(await listingRecords(root), sorted(all), 'a plain listing sees every record once after removal')
  const perDir = await dataFilesPerDir(root)
  assert.equal(perDir.size, HOURS)
  for (const [dir, n] of perDir) assert.ok(n <= 2, `${dir}: ${n} files`)
  assert.ok(s.stats.compactions > 0 && s.stats.filesReplaced >= HOURS * PER_HOUR * 3 - HOURS * 2)
  // The metrics' figures (docs/metrics.md): one event per commit, per removal, per planning.
  const of = <K extends CompactionEvent['kind']>(k: K) => events.filter((e): e is Extract<CompactionEvent, { kind: K }> => e.kind === k)
  assert.equal(of('committed').length, s.stats.compactions)
  assert.equal(of('committed').reduce((a, e) => a + e.filesReplaced, 0), s.stats.filesReplaced)
  assert.equal(of('removed').reduce((a, e) => a + e.filesRemoved, 0), s.stats.filesRemoved)
  assert.ok(of('removed').flatMap((e) => e.directories).every((d) => d.files <= 2 && d.bytes > 0), 'files and bytes per compacted directory')
  assert.ok(of('planned').some((e) => e.maxFilesPerDirectory >= 36), 'planning saw an hour of small files (12 batches × 3)')
  // A _SUCCESS marker in each compacted hour, and no plan left behind.
  for (const dir of perDir.keys()) assert.ok((await readdir(dir)).includes('_SUCCESS'), dir)
  assert.deepEqual(await readdir(join(root, 'cp', 'sluice', 'compactions')).catch(() => []), [])
  // Late records for a compacted hour land in new small files and are compacted again later.
  const late = dirAt(T0 + 3 * HOUR)
  for (let k = 0; k < 3; k++) {
    all.push(...(await dataBatch(p, next, clock.now, late)))
    next = await s.between(next + 1, false, end(next), CONF)
  }
  for (let i = 0; i < 4; i++) {
    clock.now += 11_000
    await s.drain()
    next = await s.between(next, true, end(next - 1), CONF)
  }
  assert.deepEqual(await sparkRecords(p), sorted(all))
  assert.deepEqual(await listingRecords(root), sorted(all))
  assert.ok((await dataFilesPerDir(root)).get(join(root, 'out', late).replace(/\/$/, ''))! <= 2)
  await rm(root, { recursive: true, force: true })
})

test('a kill before every write of a compaction batch, then a restart: every record once for Spark, and for a listing after removal', async () => {
  let completed = false
  let writes = 0
  for (let crashAt = 1; !completed && crashAt < 60; crashAt++) {
    const root = await tempRoot()
    const all = await closedHours(root)
    const clock = { now: T0 + 3 * HOUR }
    // The process that gets killed: compacts as the query would, between (idle) triggers.
    const a = proc(root, 'run-a', { compactInterval: 5, crashAt })
    let killed = false
    try {
      const r = await a.protocol.open()
      const s = scheduler(root, a, clock)
      await s.recover()
      let next = r.nextBatchId
      for (let i = 0; i < 4; i++) {
        next = await s.between(next, true, end(next - 1), CONF)
        await s.drain()
        clock.now += 11_000
      }
      completed = true
      writes = a.ops.length
    } catch (err) {
      if (!(err instanceof Crash)) throw err
      killed = true
    }
    // Spark's view is never wrong, even in the dead process's state.
    const b = proc(root, 'run-b', { compactInterval: 5 })
    assert.deepEqual(await sparkRecords(b), sorted(all), `Spark view after a kill at write ${crashAt}`)
    assert.deepEqual(new Set(await listingRecords(root)), new Set(all), `a listing misses nothing after a kill at write ${crashAt}`)
    // Restart: resolve, re-run an uncommitted batch (as a compaction from its plan, else empty), go on.
    const r = await b.protocol.open()
    const s = scheduler(root, b, clock)
    await s.recover()
    let next = r.nextBatchId
    if (r.rerun !== null) {
      const id = r.rerun.batchId
      if ((await b.protocol.prepareRerun(id)) === 'run' && !(await s.rerun(id))) await b.protocol.commitBatch(id, [])
      next = id + 1
    }
    for (let i = 0; i < 4; i++) {
      clock.now += 11_000
      next = await s.between(next, true, end(next - 1), CONF)
      await s.drain()
    }
    next = await s.between(next, true, end(next - 1), CONF)
    assert.deepEqual(await sparkRecords(b), sorted(all), `Spark view after restart (kill at write ${crashAt}, killed ${killed})`)
    assert.deepEqual(await listingRecords(root), sorted(all), `listing after restart and removal (kill at write ${crashAt})`)
    const perDir = await dataFilesPerDir(root)
    for (const [dir, n] of perDir) assert.equal(n, 1, `${dir} after a kill at write ${crashAt}`)
    await rm(root, { recursive: true, force: true })
  }
  assert.ok(completed, 'some run got through the compaction without a kill')
  // open (lease), plan, the empty batch 8 (3 writes), plan → batch 9, offsets, .compact, commits, plan, removal, _SUCCESS ×2, plan gone.
  assert.ok(writes >= 14, `a compaction made ${writes} writes`)
})
