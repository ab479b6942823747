/**
 * Spark 3.5 itself reads sluice's output through a compaction (issue 16): `spark.read.json(path)`
 * (which lists the files `_spark_metadata` names) sees every record exactly once before the
 * compaction, during it (its `_spark_metadata/N.compact` committed, the replaced small files still
 * in the directories, where a plain listing sees them twice) and after the replaced files are
 * removed. The output is made by the commit-protocol harness and the real compaction scheduler on
 * file:// stores (test/unit/compaction-fixtures.ts): two closed hour directories of 12 small files.
 */
import assert from 'node:assert/strict'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { listingRecords, proc, tempRoot } from '../unit/commit-helpers.js'
import { closedHours, CONF, dataFilesPerDir, end, HOUR, scheduler, sorted, T0 } from '../unit/compaction-fixtures.js'
import { useSharedSpark } from './shared-spark.js'

const sparkPeer = useSharedSpark()

/** The records Spark reads, in the harness's own form (Spark adds the partition columns dt, dth). */
async function sparkRead(root: string): Promise<string[]> {
  const r = await sparkPeer().request<{ lines: string[] }>({ op: 'read_json', path: `file://${root}/out` })
  return sorted(
    r.lines.map((l) => {
      const o = JSON.parse(l) as { b: number; w: number; i: number }
      return JSON.stringify({ b: o.b, w: o.w, i: o.i })
    }),
  )
}

test('spark.read.json sees every record exactly once before, during (committed, replaced files not yet removed) and after a compaction', { timeout: 300_000 }, async () => {
  const root = await tempRoot()
  try {
    const all = sorted(await closedHours(root))
    assert.deepEqual(await sparkRead(root), all, 'before the compaction')
    const p = proc(root, 'run-b', { compactInterval: 5 })
    const r = await p.protocol.open()
    const clock = { now: T0 + 3 * HOUR }
    const s = scheduler(root, p, clock, HOUR) // the replaced files stay for an hour after the commit
    let next = r.nextBatchId
    for (let i = 0; i < 3 && s.stats.compactions === 0; i++) {
      next = await s.between(next, true, end(next - 1), CONF)
      await s.drain()
      clock.now += 11_000
    }
    assert.equal(s.stats.compactions, 1, 'the compaction committed')
    const metadata = await readdir(join(root, 'out', '_spark_metadata'))
    assert.ok(metadata.includes(`${next - 1}.compact`), `_spark_metadata/${next - 1}.compact written: ${metadata.join(' ')}`)
    assert.equal((await listingRecords(root)).length, 2 * all.length, 'during: the replaced files are still there (a listing sees every record twice)')
    assert.deepEqual(await sparkRead(root), all, 'during the compaction: committed, replaced files not yet removed')
    clock.now += HOUR
    next = await s.between(next, true, end(next - 1), CONF)
    assert.equal(s.stats.filesRemoved, 24, 'the 24 replaced files removed')
    assert.deepEqual(await sparkRead(root), all, 'after the removal')
    assert.deepEqual(await listingRecords(root), all, 'a plain listing after the removal')
    for (const [dir, n] of await dataFilesPerDir(root)) assert.equal(n, 1, dir)
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})
