/**
 * When compactions (src/commit/compaction.ts) run, so that they never hold a trigger up: the
 * rewrite runs in the background on the writer pool (one task at a time: compaction's worker
 * budget is one of the pool's task slots), and only the commit — `offsets/N`,
 * `_spark_metadata/N.compact`, `commits/N`, a few small writes — runs between two triggers, at the
 * next batch id that is a compaction id of `_spark_metadata`. While the query is idle (a trigger
 * without new data) and a rewrite is ready, empty batches (offsets/N with the previous end,
 * `_spark_metadata/N` with no files, commits/N: what Spark writes for an empty range) carry the
 * batch id to that compaction id. Removal of the replaced files runs between triggers too, once
 * `compactionRemoveDelay` has passed.
 */
import type { Piscina } from 'piscina'
import { isCompactionBatch, type KafkaOffsets, type OffsetsEntry } from '../checkpoint/index.js'
import type { CommitProtocol } from '../commit/index.js'
import {
  commitSets,
  discardPlan,
  isCommitted,
  planCompaction,
  readPlans,
  removeReplaced,
  writePlan,
  type CompactionPlan,
  type CompactionSettings,
} from '../commit/compaction.js'
import type { JobConfig } from '../config/types.js'
import type { CompactionEvent } from '../metrics/compaction-metrics.js'
import { deserializeError, SluiceError } from '../errors.js'
import type { Logger } from '../log.js'
import { getZone, unescapePathName } from '../sql/index.js'
import { parseSelectItem } from '../sql/select-parse.js'
import { compileDateFormat } from '../sql/time-format.js'
import type { RequestRecord } from '../storage/index.js'
import type { ObjectInfo, Store, StoreSpec } from '../storage/types.js'
import type { CompactOutcome, CompactTask } from '../worker/compact-task.js'

export const compactTaskFile = new URL('../worker/compact-task.js', import.meta.url).href

/** Planning reads the whole sink log: at most this often. */
const PLAN_EVERY_MS = 10_000
/** One plan rewrites at most this many target files' worth of bytes. */
const TARGETS_PER_PLAN = 4
/** Patterns whose values sort as time does, so `value < format(now - delay)` means "ended". */
const SORTABLE = /^yyyy(?:[^A-Za-z']*MM(?:[^A-Za-z']*dd(?:[^A-Za-z']*HH(?:[^A-Za-z']*mm)?)?)?)?$/

export interface CompactionStats {
  compactions: number
  bytesRewritten: number
  filesReplaced: number
  filesWritten: number
  filesRemoved: number
  /** Per directory compacted: files and bytes listed after its last compaction. */
  directories: Map<string, { files: number; bytes: number }>
}

/** How many directories the listed paths are in, and the most files one of them holds. */
export function directoryCounts(paths: readonly string[]): { directories: number; maxFilesPerDirectory: number } {
  const perDir = new Map<string, number>()
  for (const p of paths) {
    const d = p.slice(0, p.lastIndexOf('/') + 1)
    perDir.set(d, (perDir.get(d) ?? 0) + 1)
  }
  let max = 0
  for (const n of perDir.values()) max = Math.max(max, n)
  return { directories: perDir.size, maxFilesPerDirectory: max }
}

/** Partition columns defined as a sortable date_format: value → whether its period ended `delay` ago. */
export function timeClosedTest(config: JobConfig, closeDelayMs: number): (dir: string, now: number) => boolean {
  const formats = new Map<string, (us: number) => string>()
  for (const src of config.select) {
    let item
    try {
      item = parseSelectItem(src)
    } catch {
      continue
    }
    const e = item.expr
    if (item.alias === null || !config.sink.partitionBy.includes(item.alias)) continue
    if (e.kind !== 'call' || e.name.toLowerCase() !== 'date_format' || e.args[1]?.kind !== 'string') continue
    const pattern = e.args[1].value
    if (!SORTABLE.test(pattern)) continue
    formats.set(item.alias, compileDateFormat(pattern, getZone(config.timeZone), (why) => {
      throw new SluiceError('SLUICE_INTERNAL', why)
    }))
  }
  return (dir, now) => {
    if (formats.size === 0) return false
    for (const seg of dir.split('/')) {
      const eq = seg.indexOf('=')
      if (eq < 0) continue
      const fmt = formats.get(unescapePathName(seg.slice(0, eq)))
      if (fmt !== undefined && unescapePathName(seg.slice(eq + 1)) < fmt((now - closeDelayMs) * 1000)) return true
    }
    return false
  }
}

export interface SchedulerOptions {
  config: JobConfig
  settings: CompactionSettings
  protocol: CommitProtocol
  pool: Piscina
  output: Store
  checkpoint: Store
  outputSpec: StoreSpec
  checkpointSpec: StoreSpec
  runId: string
  log: Logger
  onRequests: (r: RequestRecord[]) => void
  /** The figures of docs/metrics.md "Compaction" (the query emits them as `compaction`). */
  onEvent?: (e: CompactionEvent) => void
  now?: () => number
}

export class CompactionScheduler {
  readonly stats: CompactionStats = { compactions: 0, bytesRewritten: 0, filesReplaced: 0, filesWritten: 0, filesRemoved: 0, directories: new Map() }
  readonly #o: SchedulerOptions
  readonly #now: () => number
  readonly #timeClosed: (dir: string, now: number) => boolean
  /** Type of the rewrite in flight (for the field below). */
  declare readonly _job: { plan: CompactionPlan; files: ObjectInfo[] | null; error: unknown; running: Promise<void> } | null
  #job: CompactionScheduler['_job'] = null
  /** Plans committed (awaiting removal) or left by an earlier run for batch N (awaiting its re-run). */
  #pending: CompactionPlan[] = []
  #seq = 0
  #lastPlan = -Infinity

  /** The scheduler of a job with `sink.compaction`, after settling what earlier runs left; null when off. */
  static async start(config: JobConfig, o: Omit<SchedulerOptions, 'config' | 'settings'>): Promise<CompactionScheduler | null> {
    if (config.sink.compaction === null) return null
    const s = new CompactionScheduler({ ...o, config, settings: config.sink.compaction, log: o.log.child({ component: 'compaction' }) })
    await s.recover()
    return s
  }

  constructor(o: SchedulerOptions) {
    this.#o = o
    this.#now = o.now ?? Date.now
    this.#timeClosed = timeClosedTest(o.config, o.settings.closeDelayMs)
  }

  async #listed(): Promise<Set<string>> {
    return new Set((await this.#o.protocol.sinkLog.allFiles()).map((f) => f.path))
  }

  /** At start, after the protocol resolved the restart: settles what earlier runs left. */
  async recover(): Promise<void> {
    const plans = await readPlans(this.#o.checkpoint)
    if (plans.length === 0) return
    const listed = await this.#listed()
    for (const plan of plans) {
      const uncommitted = plan.batchId !== null && (await this.#o.protocol.sinkLog.get(plan.batchId)) === null
      if (uncommitted && (await this.#o.protocol.checkpoint.getOffsets(plan.batchId!)) !== null) {
        this.#pending.push(plan) // offsets/N without _spark_metadata/N: the re-run of N decides (rerun below)
      } else if (!uncommitted && plan.batchId !== null && isCommitted(this.#o.output, plan, listed)) {
        plan.committedAt ??= this.#now() // committed; commits/N written by the restart's commit-only path
        this.#pending.push(plan)
      } else {
        await discardPlan(this.#o.output, this.#o.checkpoint, plan, listed)
        this.#o.log.info({ compaction: plan.id }, 'discarded a compaction an earlier run did not commit (its merged files removed); it is planned again')
      }
    }
  }

  /**
   * Batch N is re-run after a restart or a retriable failure: when N was a compaction whose merged
   * files are all complete, commit it again from its plan (true); otherwise discard the plan and
   * let the query run N as the empty batch its offsets describe (false).
   */
  async rerun(batchId: number): Promise<boolean> {
    const plan = this.#pending.find((p) => p.batchId === batchId && p.committedAt === null)
    if (plan === undefined) return false
    const heads = await Promise.all(plan.groups.map((g) => this.#o.output.head(g.output)))
    if (heads.every((h): h is ObjectInfo => h !== null)) {
      await this.#commit(batchId, plan, heads)
      return true
    }
    this.#pending = this.#pending.filter((p) => p !== plan)
    await discardPlan(this.#o.output, this.#o.checkpoint, plan, await this.#listed())
    return false
  }

  /**
   * Between two triggers. Returns the next batch id: after the batches it committed (a
   * compaction and the empty batches before it), or `nextBatchId`. offsets/N of such a batch is `end` (the last batch's end; null
   * before the first batch) with the job's `conf`.
   */
  async between(nextBatchId: number, idle: boolean, end: KafkaOffsets | null, conf: Record<string, string>): Promise<number> {
    const entry = end === null ? null : (): OffsetsEntry => ({ metadata: { batchWatermarkMs: 0, batchTimestampMs: this.#now(), conf }, sources: [end] })
    await this.#settle(nextBatchId)
    await this.#removeDue()
    const now = this.#now()
    if (this.#job === null && now - this.#lastPlan >= PLAN_EVERY_MS && entry !== null) {
      this.#lastPlan = now
      await this.#start()
    }
    const job = this.#job
    if (job === null || (job.files === null && job.error === undefined) || entry === null) return nextBatchId
    if (job.error !== undefined) {
      this.#job = null
      const e = job.error
      this.#o.log.warn({ compaction: job.plan.id, err: e instanceof SluiceError ? { code: e.code, message: e.message } : String(e) }, 'compaction failed; its merged files are removed and it is planned again')
      await discardPlan(this.#o.output, this.#o.checkpoint, job.plan, await this.#listed())
      return nextBatchId
    }
    const interval = await this.#o.protocol.sinkLog.compactInterval()
    let id = nextBatchId
    if (!isCompactionBatch(id, interval)) {
      if (!idle) return nextBatchId
      for (; !isCompactionBatch(id, interval); id++) {
        await this.#o.protocol.beginBatch(id, entry())
        await this.#o.protocol.commitBatch(id, [])
      }
    }
    this.#job = null
    this.#pending.push(job.plan)
    job.plan.batchId = id
    await writePlan(this.#o.checkpoint, job.plan)
    await this.#o.protocol.beginBatch(id, entry())
    await this.#commit(id, job.plan, job.files!)
    return id + 1
  }

  async #commit(batchId: number, plan: CompactionPlan, files: ObjectInfo[]): Promise<void> {
    const sets = commitSets(this.#o.output, plan, files)
    await this.#o.protocol.commitBatch(batchId, sets.files, sets.replaced)
    plan.committedAt = this.#now()
    await writePlan(this.#o.checkpoint, plan)
    const bytes = files.reduce((a, f) => a + f.size, 0)
    this.stats.compactions++
    this.stats.bytesRewritten += bytes
    this.stats.filesReplaced += sets.replaced.size
    this.stats.filesWritten += files.length
    this.#o.onEvent?.({ kind: 'committed', filesReplaced: sets.replaced.size, filesWritten: files.length, bytesRewritten: bytes })
    this.#o.log.info(
      { batchId, compaction: plan.id, directories: new Set(plan.groups.map((g) => g.dir)).size, filesReplaced: sets.replaced.size, filesWritten: files.length, bytes },
      'compaction committed',
    )
  }

  async #start(): Promise<void> {
    const files = await this.#o.protocol.sinkLog.allFiles()
    this.#o.onEvent?.({ kind: 'planned', ...directoryCounts(files.map((f) => f.path)) })
    const busy = new Set<string>()
    for (const p of this.#pending) for (const g of p.groups) for (const s of g.sources) busy.add(s.key)
    const plan = planCompaction({
      files,
      output: this.#o.output,
      settings: this.#o.settings,
      now: this.#now(),
      timeClosed: (dir) => this.#timeClosed(dir, this.#now()),
      busy,
      queryId: this.#o.protocol.queryId,
      runId: this.#o.runId,
      seq: this.#seq++,
      maxBytes: TARGETS_PER_PLAN * this.#o.settings.targetFileSize,
    })
    if (plan === null) return
    // The plan is the intent of the merged files: written before any of them completes.
    await writePlan(this.#o.checkpoint, plan)
    const job: NonNullable<CompactionScheduler['_job']> = { plan, files: null, error: undefined, running: Promise.resolve() }
    job.running = this.#rewrite(plan).then(
      (f) => void (job.files = f),
      (err: unknown) => void (job.error = err ?? new Error('compaction failed')),
    )
    this.#job = job
  }

  async #rewrite(plan: CompactionPlan): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = []
    for (const g of plan.groups) {
      const task: CompactTask = {
        outputSpec: this.#o.outputSpec,
        checkpointSpec: this.#o.checkpointSpec,
        runId: this.#o.runId,
        batchId: -1,
        output: g.output,
        sources: g.sources.map((s) => s.key),
        text: this.#o.config.sink.compression === 'none',
      }
      const r = (await this.#o.pool.run(task, { filename: compactTaskFile })) as CompactOutcome
      if (r.s3Requests.length > 0) this.#o.onRequests(r.s3Requests)
      if (!r.ok) throw deserializeError(r.error)
      out.push(r.file)
    }
    return out
  }

  /**
   * Plans of an earlier run whose batch id is behind the query now and that no re-run committed:
   * committed (the commit-only path wrote commits/N) → removal is due from now; otherwise (killed
   * before offsets/N, or N re-run as an empty batch) → discarded.
   */
  async #settle(nextBatchId: number): Promise<void> {
    const open = this.#pending.filter((p) => p.committedAt === null && p.batchId !== null && p.batchId < nextBatchId)
    if (open.length === 0) return
    const listed = await this.#listed()
    for (const plan of open) {
      if (isCommitted(this.#o.output, plan, listed)) {
        plan.committedAt = this.#now()
        await writePlan(this.#o.checkpoint, plan)
      } else {
        this.#pending = this.#pending.filter((p) => p !== plan)
        await discardPlan(this.#o.output, this.#o.checkpoint, plan, listed)
      }
    }
  }

  async #removeDue(): Promise<void> {
    const now = this.#now()
    const due = this.#pending.filter((p) => p.committedAt !== null && now - p.committedAt >= this.#o.settings.removeDelayMs)
    if (due.length === 0) return
    const listed = await this.#listed()
    for (const plan of due) {
      this.#pending = this.#pending.filter((p) => p !== plan)
      if (!isCommitted(this.#o.output, plan, listed)) {
        await discardPlan(this.#o.output, this.#o.checkpoint, plan, listed)
        continue
      }
      const removed = await removeReplaced(this.#o.output, this.#o.checkpoint, plan, listed)
      this.stats.filesRemoved += removed
      const dirs = await this.#directoryStats(new Set(plan.groups.map((g) => g.dir)))
      this.#o.onEvent?.({ kind: 'removed', filesRemoved: removed, directories: dirs })
      this.#o.log.info({ compaction: plan.id, removedFiles: removed }, 'compaction: replaced files removed, _SUCCESS written')
    }
  }

  /** Files and bytes `_spark_metadata` lists per compacted directory (metrics; the last 100 directories). */
  async #directoryStats(dirs: Set<string>): Promise<{ files: number; bytes: number }[]> {
    const bases = [...dirs].map((d) => [d, this.#o.output.uri(d)] as const)
    const acc = new Map<string, { files: number; bytes: number }>(bases.map(([d]) => [d, { files: 0, bytes: 0 }]))
    for (const f of await this.#o.protocol.sinkLog.allFiles()) {
      for (const [d, base] of bases) {
        if (f.path.startsWith(base) && !f.path.slice(base.length).includes('/')) {
          const a = acc.get(d)!
          a.files++
          a.bytes += f.size
        }
      }
    }
    for (const [d, a] of acc) {
      this.stats.directories.delete(d)
      this.stats.directories.set(d, a)
    }
    while (this.stats.directories.size > 100) this.stats.directories.delete(this.stats.directories.keys().next().value!)
    return [...acc.values()]
  }

  /** Waits for a rewrite in flight (stop). */
  async drain(): Promise<void> {
    await this.#job?.running
  }
}
