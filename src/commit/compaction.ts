/**
 * Compaction of closed partition directories (`sink.compaction`), as batches of the commit
 * protocol. What Spark 3.5's readers really do decides the design: FileStreamSinkLog has no
 * `delete` action any more (only ADD_ACTION; CompactibleFileStreamLog.allFiles returns every entry
 * of the latest `.compact` file and the batches after it, filtered only by retention), so an entry
 * with `"action":"delete"` would be read as a file to load. The only way to stop every reader from
 * reading a file is to leave it out of a `.compact` file. So a compaction commits at a batch id
 * that is a compaction id of `_spark_metadata` ((N+1) % compactInterval == 0), and its
 * `N.compact` = the previous snapshot − the replaced files + the merged files. No `delete` entry
 * is ever written.
 *
 * One compaction (plan file `sluice/compactions/<id>.json`, in the checkpoint):
 *   1. plan (coordinator): closed directories, their small files bin-packed in name order into
 *      groups of ≤ targetFileSize; the plan (groups, sources, output keys) is written BEFORE any
 *      output completes, so it is also the intent of the merged files;
 *   2. rewrite (worker pool, one task at a time, in the background while triggers go on):
 *      each group's sources streamed into one new file; lease check; complete;
 *   3. commit, between triggers, at the next compaction id N: plan gets batchId N → lease →
 *      `offsets/N` (the previous batch's end: an empty Kafka range) → `_spark_metadata/N.compact`
 *      → `commits/N` → plan gets committedAt;
 *   4. removal, `removeDelay` after the commit: the replaced files that `_spark_metadata` no longer
 *      lists are deleted, `<dir>/_SUCCESS` is written in each compacted directory, the plan goes.
 *
 * Crash anywhere: a plan without a committed batch has its merged files deleted (those not in
 * `_spark_metadata`) and is planned again; `offsets/N` without `commits/N` re-runs N as a
 * compaction from the plan when all its merged files are complete, otherwise as the empty batch
 * the offsets say (the replaced files then stay listed, so nothing is lost); a committed plan is
 * removed later, exactly once. Deletion of replaced files checks `_spark_metadata` first, so a
 * file that is still listed is never removed.
 */
import type { SinkFileStatus } from '../checkpoint/index.js'
import { SluiceError } from '../errors.js'
import type { ObjectInfo, Store } from '../storage/types.js'
import { attemptUuid } from './intents.js'

export const PLAN_DIR = 'sluice/compactions/'
export const SUCCESS_MARKER = '_SUCCESS'

export interface CompactionSettings {
  targetFileSize: number
  idleTimeMs: number
  closeDelayMs: number
  removeDelayMs: number
}

export interface CompactionGroup {
  /** The directory, relative to the output ('dt=…/dth=…/'; '' without partitions). */
  dir: string
  output: string
  sources: { key: string; size: number }[]
}

export interface CompactionPlan {
  id: string
  runId: string
  /** The batch id it commits as (set just before offsets/N), or null. */
  batchId: number | null
  /** Epoch ms of commits/N, once written. */
  committedAt: number | null
  groups: CompactionGroup[]
}

export function planKey(id: string): string {
  return `${PLAN_DIR}${id}.json`
}

export async function writePlan(checkpoint: Store, plan: CompactionPlan): Promise<void> {
  await checkpoint.put(planKey(plan.id), JSON.stringify(plan))
}

export async function readPlans(checkpoint: Store): Promise<CompactionPlan[]> {
  const out: CompactionPlan[] = []
  for (const o of await checkpoint.list(PLAN_DIR)) {
    if (!o.key.endsWith('.json')) continue
    const body = await checkpoint.get(o.key)
    if (body === null) continue
    try {
      const p = JSON.parse(body.toString('utf8')) as CompactionPlan
      if (typeof p.id === 'string' && Array.isArray(p.groups)) out.push(p)
    } catch (err) {
      throw new SluiceError(
        'SLUICE_CHECKPOINT_CORRUPT',
        `The compaction plan ${checkpoint.uri(o.key)} cannot be parsed (${err instanceof Error ? err.message : String(err)}). ` +
          'It lists the files a compaction wrote and replaced; it was truncated or edited by hand. Restore it, or delete it after ' +
          'removing the merged files it names that `_spark_metadata` does not list, then restart.',
        { details: { where: checkpoint.uri(o.key) } },
      )
    }
  }
  return out
}

/** The key of a `_spark_metadata` path under the output, or null when it lies elsewhere. */
export function keyOfPath(output: Store, path: string): string | null {
  const base = output.uri('')
  if (!path.startsWith(base)) return null
  try {
    return decodeURIComponent(path.slice(base.length))
  } catch {
    return null
  }
}

export function dirOf(key: string): string {
  const i = key.lastIndexOf('/')
  return i < 0 ? '' : key.slice(0, i + 1)
}

/** `-c000.json`, `-c001.json.gz`: the suffix a merged file keeps from its first source. */
function suffixOf(key: string): string {
  const m = /-c\d{3,}(\..*)$/.exec(key)
  return m ? m[1]! : '.json'
}

export interface PlanInput {
  files: readonly SinkFileStatus[]
  output: Store
  settings: CompactionSettings
  now: number
  /** Whether the directory's time partition ended closeDelay ago (see compaction-scheduler.ts). */
  timeClosed: (dir: string) => boolean
  /** Keys already in a plan not yet removed (never planned twice). */
  busy: ReadonlySet<string>
  queryId: string
  runId: string
  seq: number
  /** Bound on the bytes one plan rewrites (so a plan commits after a bounded time). */
  maxBytes: number
}

/** The groups of one compaction, or null when nothing is worth rewriting. */
export function planCompaction(p: PlanInput): CompactionPlan | null {
  const byDir = new Map<string, { key: string; size: number; mtime: number }[]>()
  for (const f of p.files) {
    const key = keyOfPath(p.output, f.path)
    if (key === null || f.isDir) continue
    const dir = dirOf(key)
    const list = byDir.get(dir)
    const e = { key, size: f.size, mtime: f.modificationTime }
    if (list) list.push(e)
    else byDir.set(dir, [e])
  }
  const id = attemptUuid(p.queryId, p.seq, `${p.runId}/compaction`, 0)
  const groups: CompactionGroup[] = []
  let bytes = 0
  for (const [dir, files] of [...byDir].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const newest = Math.max(...files.map((f) => f.mtime))
    if (!(p.now - newest >= p.settings.idleTimeMs || p.timeClosed(dir))) continue
    if (files.some((f) => p.busy.has(f.key))) continue
    const small = files.filter((f) => f.size < p.settings.targetFileSize).sort((a, b) => (a.key < b.key ? -1 : 1))
    let bin: { key: string; size: number }[] = []
    let binBytes = 0
    const flush = (): void => {
      if (bin.length >= 2) {
        groups.push({ dir, output: `${dir}part-${String(groups.length).padStart(5, '0')}-${id}-c000${suffixOf(bin[0]!.key)}`, sources: bin })
        bytes += binBytes
      }
      bin = []
      binBytes = 0
    }
    for (const f of small) {
      if (bin.length > 0 && binBytes + f.size > p.settings.targetFileSize) flush()
      bin.push({ key: f.key, size: f.size })
      binBytes += f.size
    }
    flush()
    if (bytes >= p.maxBytes) break
  }
  return groups.length === 0 ? null : { id, runId: p.runId, batchId: null, committedAt: null, groups }
}

/** The merged files as the sink log lists them, and the paths they replace. */
export function commitSets(output: Store, plan: CompactionPlan, merged: readonly ObjectInfo[]): { files: ObjectInfo[]; replaced: Set<string> } {
  const replaced = new Set<string>()
  for (const g of plan.groups) for (const s of g.sources) replaced.add(output.uri(s.key))
  return { files: [...merged], replaced }
}

/**
 * After the commit: deletes the replaced files `_spark_metadata` no longer lists, writes the
 * `_SUCCESS` markers, deletes the plan. Returns how many files were removed.
 */
export async function removeReplaced(output: Store, checkpoint: Store, plan: CompactionPlan, listed: ReadonlySet<string>): Promise<number> {
  const gone: string[] = []
  for (const g of plan.groups) for (const s of g.sources) if (!listed.has(output.uri(s.key))) gone.push(s.key)
  if (gone.length > 0) await output.delete(gone)
  for (const dir of new Set(plan.groups.map((g) => g.dir))) await output.put(`${dir}${SUCCESS_MARKER}`, '')
  await checkpoint.delete([planKey(plan.id)])
  return gone.length
}

/** A plan that will not be committed: deletes its merged files `_spark_metadata` does not list, then the plan. */
export async function discardPlan(output: Store, checkpoint: Store, plan: CompactionPlan, listed: ReadonlySet<string>): Promise<void> {
  const orphans = plan.groups.map((g) => g.output).filter((k) => !listed.has(output.uri(k)))
  if (orphans.length > 0) await output.delete(orphans)
  await checkpoint.delete([planKey(plan.id)])
}

/** Whether `_spark_metadata` lists every merged file of the plan (it was committed). */
export function isCommitted(output: Store, plan: CompactionPlan, listed: ReadonlySet<string>): boolean {
  return plan.groups.every((g) => listed.has(output.uri(g.output)))
}
