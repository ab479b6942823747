/**
 * The commit protocol (src/commit) against file:// stores, without Kafka: a process is killed
 * before every single write it makes while committing two batches (each crash point in turn),
 * then a new process restarts on what was left. After each crash the restart must do what the
 * protocol says for that step, and in the end every record is there exactly once for a Spark
 * reader and for a plain listing, with no intent files left.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, test } from 'node:test'
import { attemptUuid, OwnerLease, parseIntentKey, RetryPolicy, intentKey } from '../../src/commit/index.js'
import { SluiceError } from '../../src/errors.js'
import {
  Crash,
  continueTo,
  entry,
  expected,
  intentFiles,
  listingRecords,
  proc,
  runBatch,
  sparkRecords,
  tempRoot,
  writeAttempt,
  type Proc,
} from './commit-helpers.js'

const roots: string[] = []
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true })
})
async function root(): Promise<string> {
  const r = await tempRoot()
  roots.push(r)
  return r
}

/** What a restart must do after a crash right before `op` (a write of batch 1 or earlier). */
function expectedRestart(op: string): { nextBatchId: number; rerun: number | null } {
  const batchOf = (re: RegExp): number => Number(re.exec(op)![1])
  if (/^put sluice\/owner$|^put sluice\/probe|^put _sluice-probe|^put metadata$|^put sources\/0\/0$|^delete (sluice\/probe|_sluice-probe)/.test(op)) {
    return { nextBatchId: 0, rerun: null }
  }
  if (/^put offsets\/(\d+)$/.test(op)) return { nextBatchId: batchOf(/offsets\/(\d+)/), rerun: null }
  // Intent written or not, files completed or not, _spark_metadata/N not yet: re-run N.
  if (/^put sluice\/intents\/(\d+)\//.test(op)) return { nextBatchId: batchOf(/intents\/(\d+)\//), rerun: batchOf(/intents\/(\d+)\//) }
  if (/^put _spark_metadata\/(\d+)$/.test(op)) return { nextBatchId: batchOf(/_spark_metadata\/(\d+)/), rerun: batchOf(/_spark_metadata\/(\d+)/) }
  // _spark_metadata/N written, commits/N not: commit-only, then on at N+1.
  if (/^put commits\/(\d+)$/.test(op)) return { nextBatchId: batchOf(/commits\/(\d+)/) + 1, rerun: null }
  // commits/N written; the sweep (deleting intents) had not finished: resume at N+1.
  if (/^delete sluice\/intents\/(\d+)\//.test(op)) return { nextBatchId: batchOf(/intents\/(\d+)\//) + 1, rerun: null }
  throw new Error(`no rule for crash point ${op}`)
}

test('a kill before each write of two batches: the restart does what the step says, and every record lands exactly once', async () => {
  // The writes of an undisturbed run, in order: every one is a crash point.
  const clean = proc(await root(), 'run-a')
  await clean.protocol.open()
  await runBatch(clean, 0)
  await runBatch(clean, 1)
  const allOps = clean.ops
  assert.ok(allOps.includes('put offsets/1') && allOps.includes('put _spark_metadata/1') && allOps.includes('put commits/1'), allOps.join('\n'))
  let dataFileCrashes = 0

  for (let k = 1; k <= allOps.length; k++) {
    const r = await root()
    const a = proc(r, 'run-a', { crashAt: k })
    const err = await (async () => {
      await a.protocol.open()
      await runBatch(a, 0)
      await runBatch(a, 1)
    })().catch((e: unknown) => e)
    assert.ok(err instanceof Crash, `crash point ${k} (${allOps[k - 1]}): ${String(err)}`)
    const op = a.ops[k - 1]!
    const masked = (o: string): string => o.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<attempt>')
    assert.equal(masked(op), masked(allOps[k - 1]!), 'the run is the same up to the crash (but for the attempt ids)')
    // A data file put on a re-named key is the same step in every run: name it by its batch.
    const opForRule = op.startsWith('put dt=x/') ? `put sluice/intents/${/intents\/(\d+)\//.exec(a.ops[k - 2]!)![1]}/` : op
    if (op.startsWith('put dt=x/')) dataFileCrashes++

    const b = proc(r, 'run-b')
    const resolution = await b.protocol.open()
    const want = expectedRestart(opForRule)
    assert.deepEqual(
      { nextBatchId: resolution.nextBatchId, rerun: resolution.rerun?.batchId ?? null },
      want,
      `restart after a kill before "${op}" (crash point ${k})`,
    )
    await continueTo(b, resolution, 1)
    assert.deepEqual(await sparkRecords(b), expected(1), `via _spark_metadata after a kill before "${op}"`)
    assert.deepEqual(await listingRecords(r), expected(1), `via a plain listing after a kill before "${op}"`)
    assert.deepEqual(await intentFiles(r), [], `no intent files left after a kill before "${op}"`)
    assert.deepEqual(await b.protocol.checkpoint.latestCommit(), 1)
  }
  assert.ok(dataFileCrashes >= 4, 'kills hit completed-but-uncommitted files')
})

test('a kill between housekeeping steps (compaction batch) restarts cleanly', async () => {
  const opts = { compactInterval: 2, minBatchesToRetain: 1 }
  const clean = proc(await root(), 'run-a', opts)
  await clean.protocol.open()
  for (let b = 0; b <= 3; b++) await runBatch(clean, b)
  const purgeOps = clean.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.startsWith('delete ') && !op.includes('sluice/'))
  assert.ok(purgeOps.length > 0, `housekeeping purged something: ${clean.ops.join('\n')}`)
  for (const { op, i } of purgeOps) {
    const r = await root()
    const a = proc(r, 'run-a', { ...opts, crashAt: i + 1 })
    await (async () => {
      await a.protocol.open()
      for (let b = 0; b <= 3; b++) await runBatch(a, b)
    })().catch((e: unknown) => assert.ok(e instanceof Crash, String(e)))
    const b = proc(r, 'run-b', opts)
    const resolution = await b.protocol.open()
    assert.equal(resolution.rerun, null, `after a kill before "${op}"`)
    await continueTo(b, resolution, 5)
    assert.deepEqual(await sparkRecords(b), expected(5), `via _spark_metadata after a kill before "${op}"`)
    assert.deepEqual(await listingRecords(r), expected(5), `via a listing after a kill before "${op}"`)
  }
})

test('data fencing: a fenced process is stopped at each step, and its late files never replace or duplicate committed ones', async () => {
  const r = await root()
  const a = proc(r, 'run-a')
  await a.protocol.open()
  await runBatch(a, 0)
  await a.protocol.beginBatch(1, entry(20))
  const aUuid = a.protocol.newAttempt(1)
  // A's first file of batch 1 is complete; then B takes over.
  const [aFirst] = await writeAttempt(a, 1, aUuid, ['r10', 'r11', 'r12', 'r13'])
  const aFirstBody = (await a.output.get(aFirst!.key))!

  const b = proc(r, 'run-b', { lingerMs: 600_000 })
  const resolution = await b.protocol.open()
  assert.deepEqual({ next: resolution.nextBatchId, rerun: resolution.rerun?.batchId }, { next: 1, rerun: 1 })

  // A is fenced before completing another file (the writer task's check), before offsets/N and
  // before _spark_metadata/N.
  const taken = (e: unknown) => e instanceof SluiceError && e.code === 'SLUICE_CHECKPOINT_TAKEN_OVER' && e.message.includes('run run-b')
  await assert.rejects(writeAttempt(a, 1, aUuid, ['r14']), taken)
  await assert.rejects(a.protocol.beginBatch(2, entry(30)), taken)
  await assert.rejects(a.protocol.commitBatch(1, []), taken)

  await continueTo(b, resolution, 1)
  assert.equal(await b.output.get(aFirst!.key), null, 'the re-run removed what A had completed')
  // Uploads A had sent before the lease moved complete late, after B committed batch 1: the
  // first file again (its intent was written before B took over), and one more (check passed,
  // intent and file written late). Different attempt, different keys: nothing of B's is replaced.
  await b.output.put(aFirst!.key, aFirstBody)
  const late: Proc = { ...a, runId: 'run-b' } // its lease check passed before B took over
  const lateFiles = await writeAttempt(late, 1, aUuid, ['r14', 'r15', 'r16', 'r17', 'r18', 'r19'], 6, 1)
  const committed = new Set((await b.protocol.sinkLog.get(1))!.map((f) => f.path))
  for (const f of [aFirst!, ...lateFiles]) assert.ok(!committed.has(b.output.uri(f.key)), `${f.key} is a key of A's own`)
  assert.deepEqual(await sparkRecords(b), expected(1), 'Spark readers never see the late files')
  // The next commit's sweep removes them from plain listings; A's intents stay swept a while.
  await runBatch(b, 2)
  assert.deepEqual(await sparkRecords(b), expected(2))
  assert.deepEqual(await listingRecords(r), expected(2), 'a plain listing sees each record once after the sweep')
  assert.equal((await intentFiles(r)).length, 2, "A's intents linger (lingerMs), B's are gone")
  // Once they are old enough, the next sweep (here: a restart's) drops them.
  const c = proc(r, 'run-c', { lingerMs: 0 })
  await c.protocol.open()
  assert.deepEqual(await intentFiles(r), [])
  assert.deepEqual(await listingRecords(r), expected(2))
})

test('no two attempts share a key: the attempt id differs per run and per attempt', () => {
  const ids = new Set([
    attemptUuid('q', 1, 'run-a', 0),
    attemptUuid('q', 1, 'run-a', 1),
    attemptUuid('q', 1, 'run-b', 0),
    attemptUuid('q', 2, 'run-a', 0),
    attemptUuid('q2', 1, 'run-a', 0),
  ])
  assert.equal(ids.size, 5)
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

test('intent keys: one layout, parsed back; the layout without attempts still parses', () => {
  const key = intentKey(12, attemptUuid('q', 12, 'r', 0), 3, 7)
  assert.deepEqual(parseIntentKey(key), { batchId: 12, attempt: attemptUuid('q', 12, 'r', 0), writer: 3, seq: 7 })
  assert.deepEqual(parseIntentKey('sluice/intents/4/00001-0.json'), { batchId: 4, attempt: '', writer: 1, seq: 0 })
  assert.equal(parseIntentKey('sluice/intents/4/notes.txt'), null)
})

test('a damaged owner lease or intent file gives SLUICE_CHECKPOINT_CORRUPT naming the file', async () => {
  const r = await root()
  const a = proc(r, 'run-a')
  await a.protocol.open()
  await a.checkpoint.put('sluice/owner', '{"runId": "run-a", trunc')
  await assert.rejects(new OwnerLease(a.checkpoint, 'run-a').check(0), (e: unknown) => {
    assert.ok(e instanceof SluiceError)
    assert.equal(e.code, 'SLUICE_CHECKPOINT_CORRUPT')
    assert.match(e.message, new RegExp(`${r}/cp/sluice/owner`))
    assert.equal(e.details.where, `file://${r}/cp/sluice/owner`)
    return true
  })
  await a.protocol.open()
  await a.protocol.beginBatch(0, entry(10))
  const bad = intentKey(0, attemptUuid('q', 0, 'run-a', 0), 0, 0)
  await a.checkpoint.put(bad, '{"keys": ["a", ')
  await assert.rejects(a.protocol.prepareRerun(0), (e: unknown) => {
    assert.ok(e instanceof SluiceError)
    assert.equal(e.code, 'SLUICE_CHECKPOINT_CORRUPT')
    assert.ok(e.message.includes(`${r}/cp/${bad}`), e.message)
    return true
  })
  await a.checkpoint.put(bad, '{"keys": "a"}')
  await assert.rejects(a.protocol.prepareRerun(0), { code: 'SLUICE_CHECKPOINT_CORRUPT' })
})

test('one retry policy: retriable errors back off with jitter up to the limit; concurrent writes resume at once; others end the query', () => {
  const p = new RetryPolicy(() => 1)
  const retriable = new SluiceError('SLUICE_S3_UNAVAILABLE', 'x', { retriable: true })
  const delays = Array.from({ length: 10 }, () => p.decide(retriable, false).delayMs)
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000])
  assert.throws(() => p.decide(retriable, false), { code: 'SLUICE_S3_UNAVAILABLE' })
  p.succeeded()
  assert.equal(p.decide(retriable, false).attempt, 1)
  assert.equal(new RetryPolicy(() => 0).decide(retriable, false).delayMs, 500)
  assert.throws(() => p.decide(retriable, true), { code: 'SLUICE_S3_UNAVAILABLE' }, 'not while stopping')
  assert.throws(() => p.decide(new SluiceError('SLUICE_S3_ACCESS', 'x'), false), { code: 'SLUICE_S3_ACCESS' })
  assert.throws(() => p.decide(new Error('bug'), false), /bug/)
  const c = p.decide(new SluiceError('SLUICE_SINK_LOG_CONCURRENT', 'x'), false)
  assert.deepEqual({ kind: c.kind, delayMs: c.delayMs }, { kind: 'concurrent', delayMs: 0 })
})
