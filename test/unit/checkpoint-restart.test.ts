import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type RestartInputs, resolveRestart } from '../../src/checkpoint/index.js'

const base = {
  allowMismatch: false,
  checkpointUri: 's3://bkt/cp',
  outputUri: 's3://bkt/out/',
}
const ids = (o: number | null, c: number | null, s: number | null, allow = false): RestartInputs => ({
  ...base,
  latestOffsetsId: o,
  latestCommitId: c,
  sinkLatestId: s,
  allowMismatch: allow,
})

function mismatch(kind: string, ...mustInclude: string[]) {
  return (e: { code?: string; message: string; details?: Record<string, unknown> }) => {
    assert.equal(e.code, 'SLUICE_CHECKPOINT_MISMATCH')
    assert.equal(e.details?.['kind'], kind)
    for (const s of mustInclude) assert.ok(e.message.includes(s), `message lacks "${s}": ${e.message}`)
    return true
  }
}

test('nothing anywhere → fresh at batch 0', () => {
  assert.deepEqual(resolveRestart(ids(null, null, null)), { kind: 'fresh', nextBatchId: 0 })
})

test('last batch committed in both logs → resume after it from its offsets', () => {
  assert.deepEqual(resolveRestart(ids(12, 12, 12)), { kind: 'resume', nextBatchId: 13, fromBatchId: 12 })
  assert.deepEqual(resolveRestart(ids(0, 0, 0)), { kind: 'resume', nextBatchId: 1, fromBatchId: 0 })
})

test('offsets/N without commits/N, sink at N-1 → rerun N', () => {
  assert.deepEqual(resolveRestart(ids(13, 12, 12)), { kind: 'rerun', batchId: 13 })
  assert.deepEqual(resolveRestart(ids(0, null, null)), { kind: 'rerun', batchId: 0 })
  // commits/ lost entirely (Spark: "no commit log present") but the sink agrees: rerun as Spark does.
  assert.deepEqual(resolveRestart(ids(5, null, 4)), { kind: 'rerun', batchId: 5 })
})

test('sink already has N but commits/N is missing → commit-only', () => {
  assert.deepEqual(resolveRestart(ids(13, 12, 13)), { kind: 'commit-only', batchId: 13 })
  assert.deepEqual(resolveRestart(ids(0, null, 0)), { kind: 'commit-only', batchId: 0 })
})

test('checkpoint empty, _spark_metadata up to S → the silent stall is refused, naming both ids and the fixes', () => {
  assert.throws(
    () => resolveRestart(ids(null, null, 340)),
    mismatch(
      'checkpoint-missing',
      'batches up to 340',
      'next batch would be 0',
      'silently',
      's3://bkt/out/_spark_metadata',
      's3://bkt/cp/',
      'sink.allowCheckpointMismatch: true',
      'batch 341',
    ),
  )
})

test('sink log ahead of the checkpoint → mismatch naming both ids', () => {
  assert.throws(
    () => resolveRestart(ids(12, 12, 340)),
    mismatch('sink-ahead', 'batch 340', 'latest batch 12', 'older backup', 'skip batches 13 to 340'),
  )
  assert.throws(() => resolveRestart(ids(12, 11, 14)), mismatch('sink-ahead', 'batch 14', 'latest batch 12'))
})

test('sink log behind the checkpoint → mismatch naming both ids (output path changed / log deleted)', () => {
  assert.throws(
    () => resolveRestart(ids(340, 340, 12)),
    mismatch('sink-behind', 'batch 12', 'last committed batch 340', 'output path changed', 'when compacting'),
  )
  assert.throws(
    () => resolveRestart(ids(340, 339, 12)),
    mismatch('sink-behind', 'batch 12', 'previous batch 339'),
  )
  assert.throws(() => resolveRestart(ids(7, 7, null)), mismatch('sink-behind', 'batch none', 'batch 7'))
})

test('commits ahead of offsets, or commits without offsets → mismatch', () => {
  assert.throws(() => resolveRestart(ids(5, 9, 5)), mismatch('commits-ahead', 'commits/9', 'offsets/5'))
  assert.throws(() => resolveRestart(ids(null, 3, null)), mismatch('offsets-missing', 'commits/3'))
})

test('allowMismatch continues at max(all ids)+1 with a warning, never reusing a sink batch id', () => {
  const stall = resolveRestart(ids(null, null, 340, true))
  assert.equal(stall.kind, 'fresh')
  assert.equal(stall.kind === 'fresh' && stall.nextBatchId, 341)
  assert.ok(stall.kind === 'fresh' && stall.warning?.includes('batch is 341'))

  assert.deepEqual(
    { ...resolveRestart(ids(12, 12, 340, true)), warning: undefined },
    { kind: 'resume', nextBatchId: 341, fromBatchId: 12, warning: undefined },
  )
  // Uncommitted batch 13: its range (offsets/12 → …) is read again under a new id.
  assert.deepEqual(
    { ...resolveRestart(ids(13, 12, 340, true)), warning: undefined },
    { kind: 'resume', nextBatchId: 341, fromBatchId: 12, warning: undefined },
  )
  assert.deepEqual(
    { ...resolveRestart(ids(340, 340, 12, true)), warning: undefined },
    { kind: 'resume', nextBatchId: 341, fromBatchId: 340, warning: undefined },
  )
  // Consistent logs are unaffected by the flag.
  assert.deepEqual(resolveRestart(ids(13, 12, 12, true)), { kind: 'rerun', batchId: 13 })
})
