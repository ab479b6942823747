/**
 * A harness for the commit protocol without Kafka or worker threads: file:// stores in a temp
 * dir, a writer that does what a writer task does (lease check → intent file → complete the file),
 * and stores that "crash" (every later call fails, as after SIGKILL) at a chosen write.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { defaultOffsetConf, type OffsetsEntry } from '../../src/checkpoint/index.js'
import { CommitProtocol, intentKey, OwnerLease, serializeIntent, type Resolution } from '../../src/commit/index.js'
import { createLogger } from '../../src/log.js'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import type { ObjectInfo } from '../../src/storage/types.js'
import type { WriterSpec } from '../../src/worker/types.js'

export const TOPIC = 't'

export class Crash extends Error {}

/** One process's view: its stores (maybe crashing) and its protocol. */
export interface Proc {
  runId: string
  checkpoint: Store
  output: Store
  protocol: CommitProtocol
  /** Mutating calls (put/delete) made so far, as `put offsets/0`, `delete sluice/intents/0/…`. */
  ops: string[]
}

export async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-commit-'))
}

/** Wraps a store: the `crashAt`-th mutating call (1-based) and everything after it fail. */
function crashing(store: Store, ops: string[], crashAt: number, dead: { v: boolean }): Store {
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target)
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        if (dead.v) return Promise.reject(new Crash('the process is dead'))
        if (prop === 'put' || prop === 'delete') {
          const what = `${prop} ${prop === 'put' ? String(args[0]) : (args[0] as string[]).join(',')}`
          if (prop === 'delete' && (args[0] as string[]).length === 0) return (v as (...a: unknown[]) => unknown).apply(target, args)
          ops.push(what)
          if (ops.length === crashAt) {
            dead.v = true
            return Promise.reject(new Crash(`killed before: ${what}`))
          }
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

export function proc(root: string, runId: string, o: { crashAt?: number; compactInterval?: number; minBatchesToRetain?: number; lingerMs?: number } = {}): Proc {
  const ops: string[] = []
  const dead = { v: false }
  const wrap = (s: Store): Store => crashing(s, ops, o.crashAt ?? Number.POSITIVE_INFINITY, dead)
  const checkpoint = wrap(createStore({ location: parseLocation(`file://${root}/cp/`) }))
  const output = wrap(createStore({ location: parseLocation(`file://${root}/out/`) }))
  const protocol = new CommitProtocol({
    checkpoint,
    output,
    runId,
    compactInterval: o.compactInterval ?? 10,
    minBatchesToRetain: o.minBatchesToRetain ?? 100,
    allowMismatch: false,
    checkpointUri: `file://${root}/cp/`,
    outputUri: `file://${root}/out/`,
    log: createLogger({ level: 'silent' }),
    lingerMs: o.lingerMs ?? 0,
  })
  return { runId, checkpoint, output, protocol, ops }
}

export function entry(end: number): OffsetsEntry {
  return { metadata: { batchWatermarkMs: 0, batchTimestampMs: 0, conf: defaultOffsetConf() }, sources: [{ [TOPIC]: { 0: end } }] }
}

/** Batch N reads offsets [10N, 10N+10): its records are `r<offset>`, in files of `perFile`. */
export function recordsOf(batchId: number): string[] {
  return Array.from({ length: 10 }, (_, i) => `r${batchId * 10 + i}`)
}

/** What a writer task does for one attempt: per file, lease check → intent → complete. */
export async function writeAttempt(p: Proc, batchId: number, uuid: string, records = recordsOf(batchId), perFile = 4, firstSeq = 0): Promise<ObjectInfo[]> {
  const infos: ObjectInfo[] = []
  for (let i = 0, seq = firstSeq; i < records.length; i += perFile, seq++) {
    const key = `dt=x/part-00000-${uuid}-c${String(seq).padStart(3, '0')}.json`
    await new OwnerLease(p.checkpoint, p.runId).check(batchId)
    await p.checkpoint.put(intentKey(batchId, uuid, 0, seq), serializeIntent({ batchId, attempt: uuid, writer: 0, keys: [key] }))
    await p.output.put(key, `${records.slice(i, i + perFile).join('\n')}\n`)
    infos.push((await p.output.head(key))!)
  }
  return infos
}

/** The query's side of one new batch: walCommit, one attempt, commit. */
export async function runBatch(p: Proc, batchId: number): Promise<void> {
  if (batchId === 0 && (await p.protocol.checkpoint.readInitialOffsets()) === null) {
    await p.protocol.checkpoint.writeInitialOffsets({ [TOPIC]: { 0: 0 } })
  }
  await p.protocol.beginBatch(batchId, entry(batchId * 10 + 10))
  const uuid = p.protocol.newAttempt(batchId)
  await p.protocol.commitBatch(batchId, await writeAttempt(p, batchId, uuid))
}

/** What StreamingQuery does with a resolution, then batches up to `lastBatch`. */
export async function continueTo(p: Proc, r: Resolution, lastBatch: number): Promise<void> {
  let next = r.nextBatchId
  if (r.rerun !== null) {
    if ((await p.protocol.prepareRerun(r.rerun.batchId)) === 'run') {
      const uuid = p.protocol.newAttempt(r.rerun.batchId)
      await p.protocol.commitBatch(r.rerun.batchId, await writeAttempt(p, r.rerun.batchId, uuid))
    }
    next = r.rerun.batchId + 1
  }
  for (let b = next; b <= lastBatch; b++) await runBatch(p, b)
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true })
    return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort()
  } catch {
    return []
  }
}

/** Records a plain listing sees (names starting with `_` or `.` skipped, as Hive/Trino do). */
export async function listingRecords(root: string): Promise<string[]> {
  const out: string[] = []
  for (const rel of await filesUnder(join(root, 'out'))) {
    if (rel.split('/').some((s) => s.startsWith('_') || s.startsWith('.'))) continue
    out.push(...(await readFile(join(root, 'out', rel), 'utf8')).split('\n').filter((l) => l !== ''))
  }
  return out.sort()
}

/** Records a Spark reader sees: the files `_spark_metadata` lists (no compaction in these runs beyond `.compact`). */
export async function sparkRecords(p: Proc): Promise<string[]> {
  const out: string[] = []
  for (const f of await p.protocol.sinkLog.allFiles()) {
    const path = decodeURIComponent(f.path.replace(/^file:/, ''))
    out.push(...(await readFile(path, 'utf8')).split('\n').filter((l) => l !== ''))
  }
  return out.sort()
}

export async function intentFiles(root: string): Promise<string[]> {
  return filesUnder(join(root, 'cp', 'sluice', 'intents'))
}

export function expected(lastBatch: number): string[] {
  return Array.from({ length: lastBatch + 1 }, (_, b) => recordsOf(b))
    .flat()
    .sort()
}

/**
 * A merge writer's spec over file:// stores under `root` (out/, cp/), batch `batchId`, with the
 * owner lease of `runId` taken (as the coordinator holds it before any writer runs); `extra`
 * sets the rest (compression, file size limits, bad records, Parquet…).
 */
export async function fileWriterSpec(root: string, batchId: number, writer: number, runId: string, extra: Partial<WriterSpec> = {}): Promise<WriterSpec> {
  const spec: WriterSpec = {
    batchId,
    writer,
    fileUuid: `00000000-0000-4000-8000-${String(batchId).padStart(12, '0')}`,
    runId,
    output: { location: parseLocation(`file://${root}/out/`) },
    checkpoint: { location: parseLocation(`file://${root}/cp/`) },
    compression: 'none',
    writeEmptyFile: false,
    memoryBytes: 16 * 1024 * 1024,
    ...extra,
  }
  await new OwnerLease(createStore(spec.checkpoint), spec.runId).acquire()
  return spec
}
