/**
 * A running query: Spark's MicroBatchExecution for one Kafka source and one file sink.
 *
 * Per trigger: latestOffset (discover partitions, list offsets) → plan the end offsets
 * (maxOffsetsPerTrigger, …) → walCommit (`offsets/N`) → addBatch (writer tasks on the pool, then
 * `_spark_metadata/N`, the sink's commit point) → commitOffsets (`commits/N`) → progress event.
 * The log writes, restart resolution, re-run cleanup, fencing and the retry policy are the commit
 * protocol's (src/commit); this file keeps the trigger loop, the batch's plan and the events.
 */
import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { jobOffsetConf, type OffsetsEntry } from '../checkpoint/index.js'
import { CommitProtocol, isConcurrentWrite, RetryPolicy, retrying, RETRY_ATTEMPTS, type Resolution } from '../commit/index.js'
import type { JobConfig } from '../config/types.js'
import { isSluiceError, SluiceError } from '../errors.js'
import type { PartitionInfo } from '../kafka/index.js'
import { KafkaAdmin } from '../kafka-admin/index.js'
import { securitySummary, warnInsecure } from '../kafka-admin/security.js'
import { createLogger, type Logger } from '../log.js'
import {
  countBetween,
  fromKafkaOffsets,
  nextTriggerTime,
  planEndOffsets,
  sleepUntil,
  toKafkaOffsets,
  tpKey,
  type OffsetMap,
} from '../planner/index.js'
import { compileTaskProjection, taskProjection } from '../worker/index.js'
import { attachMonitoring, type Monitoring, type SourceStatus } from '../metrics/index.js'
import { createStore, takeRequestStats, type RequestRecord } from '../storage/index.js'
import type { Store, StoreSpec } from '../storage/types.js'
import { BatchWriter, reportSkipped, type BatchWriteResult } from './batch-writer.js'
import { sparkTimestamp, type DurationMs, type StreamingQueryProgress } from '../metrics/progress.js'
import { commitToGroup, committedBatchReport, describeSource, type BatchRun } from './batch-report.js'
import { newQueryOffsets } from './starting-offsets.js'
import { CompactionScheduler } from './compaction-scheduler.js'
import type { CompactionEvent } from '../metrics/compaction-metrics.js'

/** How long to wait between polls when the trigger interval is 0 and there is no new data. */
const IDLE_POLL_MS = 100
/** Spark's QueryIdleEvent: after this long without a batch. */
const IDLE_EVENT_MS = 10_000
const RECENT_PROGRESS = 100

export interface QueryStartedEvent { id: string; runId: string; name: string; timestamp: string }
export interface QueryIdleEvent { id: string; runId: string; timestamp: string }
export interface QueryTerminatedEvent { id: string; runId: string; exception: string | null; errorClassOnException: string | null }

export interface StreamingQueryEvents {
  started: [QueryStartedEvent]
  progress: [StreamingQueryProgress]
  idle: [QueryIdleEvent]
  terminated: [QueryTerminatedEvent]
  /** sluice: latest and committed offsets after every trigger (lag monitoring). */
  sourceStatus: [SourceStatus]
  /** sluice: S3 requests made by the workers and the coordinator. */
  s3Requests: [RequestRecord[]]
  /** sluice: a batch failed with a retriable error and is being retried. */
  batchRetry: [{ batchId: number; attempt: number; code: string }]
  /** sluice: compaction planned, committed, replaced files removed (docs/metrics.md "Compaction"). */
  compaction: [CompactionEvent]
}

export type QueryState = 'starting' | 'active' | 'idle' | 'terminated'

export interface StartQueryOptions {
  logger?: Logger
}

export class StreamingQuery extends EventEmitter<StreamingQueryEvents> {
  readonly config: JobConfig
  readonly runId = randomUUID()
  id = ''
  lastProgress: StreamingQueryProgress | null = null
  readonly recentProgress: StreamingQueryProgress[] = []
  /** The error that ended the query, if one did. */
  exception: SluiceError | null = null
  /** starting → active (a batch ran in the last trigger) / idle (no new data) → terminated. */
  state: QueryState = 'starting'
  #monitoring: Monitoring | null = null

  #log: Logger
  #stopping = false
  #wake: (() => void) | null = null
  #done: Promise<void>
  #resolveDone!: () => void
  #checkpointStore!: Store
  #outputStore!: Store
  #protocol!: CommitProtocol
  readonly #retry = new RetryPolicy()
  #admin!: KafkaAdmin
  #writer: BatchWriter | null = null
  #compaction: CompactionScheduler | null = null // sink.compaction: between triggers (compaction-scheduler.ts)
  /** End offsets of the last committed batch: the next batch starts here. */
  #committed: OffsetMap | null = null
  #nextBatchId = 0
  /** The batch whose offsets/N is written but which is not committed yet. */
  #inFlight: number | null = null
  #previousTriggerStart: number | null = null
  #lastBatchEnd = Date.now()
  #lastIdleEvent = 0
  #availableNowLimit: OffsetMap | null = null
  #sourceDescription: string

  constructor(config: JobConfig, options: StartQueryOptions = {}) {
    super()
    this.config = config
    this.#log = (options.logger ?? createLogger()).child({ query: config.name })
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve
    })
    this.#sourceDescription = describeSource(config.source.subscription)
  }

  get isActive(): boolean {
    return !this.#stopping
  }

  /** `http://127.0.0.1:<port>/` of the metrics server and status page, when it runs. */
  get monitoringUrl(): string | null {
    return this.#monitoring?.url ?? null
  }

  poolStats(): { utilization: number; queueSize: number } {
    const pool = this.#writer?.pool
    return pool === undefined ? { utilization: 0, queueSize: 0 } : { utilization: pool.utilization, queueSize: pool.queueSize }
  }

  /** Resolves when the query has stopped; rejects with the error that ended it. */
  async awaitTermination(): Promise<void> {
    await this.#done
    if (this.exception !== null) throw this.exception
  }

  /** Stops after the batch in flight (if any) commits. */
  async stop(): Promise<void> {
    this.#stopping = true
    this.#wake?.()
    await this.#done
  }

  /** Validates everything, touches nothing remote until the config is known good, then runs. */
  async start(): Promise<void> {
    const c = this.config
    // Fails on a bad schema or select before any connection is made.
    compileTaskProjection(taskProjection(c))
    const outputSpec: StoreSpec = { location: c.sink.path, s3: c.s3 }
    const checkpointSpec: StoreSpec = { location: c.sink.checkpointLocation, s3: c.s3 }
    this.#outputStore = createStore(outputSpec)
    this.#checkpointStore = createStore(checkpointSpec)
    this.#protocol = new CommitProtocol({
      checkpoint: this.#checkpointStore,
      output: this.#outputStore,
      runId: this.runId,
      compactInterval: c.sink.compactInterval, retentionMs: c.sink.retentionMs,
      minBatchesToRetain: c.sink.minBatchesToRetain,
      allowMismatch: c.sink.allowCheckpointMismatch,
      checkpointUri: c.sink.checkpointLocation.original,
      outputUri: c.sink.path.original,
      log: this.#log,
      lingerMs: c.sink.attemptCleanupDelayMs,
      badRecords: c.sink.badRecordsPath === undefined ? undefined : createStore({ location: c.sink.badRecordsPath, s3: c.s3 }),
    })
    warnInsecure(c.source.kafka.security, this.#log)
    this.#admin = new KafkaAdmin({
      bootstrapServers: c.source.bootstrapServers,
      clientId: c.source.kafka.clientId,
      requestTimeoutMs: c.source.kafka.requestTimeoutMs,
      isolationLevel: c.source.kafka.isolationLevel,
      security: c.source.kafka.security,
      logger: this.#log.child({ component: 'kafka' }),
    })
    try {
      // Reads the checkpoint and the sink log and decides where to resume (before writing anything); retried like a trigger.
      this.#apply(await retrying(() => this.#protocol.open(), (err) => this.#onFailure(err)))
      this.id = this.#protocol.queryId
      await this.#admin.connect()
      this.#writer = new BatchWriter({
        config: c,
        runId: this.runId,
        queryId: this.id,
        outputSpec,
        checkpointSpec,
        onRequests: (r) => this.emit('s3Requests', r),
      })
      this.#compaction = await CompactionScheduler.start(c, { protocol: this.#protocol, pool: this.#writer.pool, output: this.#outputStore, checkpoint: this.#checkpointStore, outputSpec, checkpointSpec, runId: this.runId, log: this.#log, onRequests: (r) => this.emit('s3Requests', r), onEvent: (e) => this.emit('compaction', e) })
      if (c.metrics.enabled) {
        this.#monitoring = await attachMonitoring(this, {
          host: c.metrics.host,
          port: c.metrics.port,
          serve: true,
          logger: this.#log.child({ component: 'metrics' }),
        })
      }
    } catch (err) {
      await this.#shutdown(err)
      throw this.exception
    }
    const kafkaSecurity = securitySummary(c.source.kafka.security)
    this.#log.info({ id: this.id, runId: this.runId, nextBatchId: this.#nextBatchId, trigger: c.sink.trigger, workers: c.workers, kafkaSecurity }, 'query started')
    // After start() (and startQuery()) returned, so that listeners attached then see `started`.
    setImmediate(() => {
      this.emit('started', { id: this.id, runId: this.runId, name: c.name, timestamp: sparkTimestamp(Date.now()) })
      void this.#run()
    })
  }

  #apply(r: Resolution): void {
    const start = r.start === null ? null : fromKafkaOffsets(r.start)
    this.#nextBatchId = r.nextBatchId
    this.#committed = r.rerun === null ? start : null
    this.#pendingRerun = r.rerun === null ? null : { batchId: r.rerun.batchId, start: start ?? new Map(), end: fromKafkaOffsets(r.rerun.end) }
  }

  #pendingRerun: { batchId: number; start: OffsetMap; end: OffsetMap } | null = null
  #lostOffsets = 0 // skipped by the planner (failOnDataLoss: false) since the last batch; in its progress

  async #run(): Promise<void> {
    const trigger = this.config.sink.trigger
    let resync = false
    try {
      while (!this.#stopping) {
        try {
          if (resync) {
            this.#apply(await this.#protocol.resync())
            resync = false
          }
          if (this.#pendingRerun !== null) {
            const pending = this.#pendingRerun
            await this.#rerun(pending.batchId, pending.start, pending.end)
            this.#pendingRerun = null
          }
          if (trigger.kind === 'availableNow' && this.#availableNowLimit === null) {
            const parts = await this.#admin.discover(this.config.source.subscription, this.#committed !== null)
            this.#availableNowLimit = (await this.#admin.offsets(parts)).latest
          }
          const triggerStart = Date.now()
          const ran = await this.#trigger(triggerStart)
          this.#nextBatchId = (await this.#compaction?.between(this.#nextBatchId, !ran, this.#committed && toKafkaOffsets(this.#committed), this.#offsetConf())) ?? this.#nextBatchId
          this.#retry.succeeded()
          if (trigger.kind === 'once') break
          if (trigger.kind === 'availableNow' && !ran) break
          if (this.#stopping) break
          if (!ran) this.#maybeIdle()
          const interval = trigger.kind === 'processingTime' ? trigger.intervalMs : 0
          const next = interval > 0 ? nextTriggerTime(triggerStart, interval) : ran ? Date.now() : Date.now() + IDLE_POLL_MS
          await this.#sleepUntil(next)
        } catch (err) {
          await this.#onFailure(err)
          resync = true
        }
      }
      await this.#shutdown(null)
    } catch (err) {
      // Mid-batch: remove what the batch made visible (see CommitProtocol.abandonBatch).
      if (this.#inFlight !== null) await this.#protocol.abandonBatch(this.#inFlight, err)
      await this.#shutdown(err)
    }
  }

  /** The one retry policy (src/commit/retry-policy.ts); throws when the query must end. */
  async #onFailure(err: unknown): Promise<void> {
    // A log entry written by a process we have just fenced (it held the lease until we took it):
    // if the lease is still ours, the logs say where to go on.
    if (isConcurrentWrite(err)) await this.#protocol.lease.check(this.#nextBatchId)
    const d = this.#retry.decide(err, this.#stopping)
    const logged = { code: d.err.code, message: d.err.message }
    if (d.kind === 'concurrent') {
      this.#log.warn({ err: logged }, 'a log entry was written by the process this one fenced; resuming from the logs')
      return
    }
    // Kafka or S3 briefly unavailable, a writer task's leader moved: wait, re-read the logs, go
    // on where they say (re-running the batch when it was not committed).
    this.#log.warn(
      { attempt: d.attempt, of: RETRY_ATTEMPTS, err: logged, retryInMs: d.delayMs },
      'trigger failed with a retriable error; resuming from the checkpoint after a pause',
    )
    this.emit('batchRetry', { batchId: this.#nextBatchId, attempt: d.attempt, code: d.err.code })
    await this.#sleepUntil(Date.now() + d.delayMs)
  }

  #maybeIdle(): void {
    const now = Date.now()
    if (now - this.#lastBatchEnd >= IDLE_EVENT_MS && now - this.#lastIdleEvent >= IDLE_EVENT_MS) {
      this.#lastIdleEvent = now
      this.emit('idle', { id: this.id, runId: this.runId, timestamp: sparkTimestamp(now) })
    }
  }

  /** Sleeps until the clock reads `when` or stop(); a clock stepped back does not stall it (planner/trigger-clock.ts). */
  async #sleepUntil(when: number): Promise<void> {
    if (this.#stopping) return
    const ac = new AbortController()
    this.#wake = () => ac.abort()
    try {
      await sleepUntil(when, ac.signal)
    } finally {
      this.#wake = null
    }
  }

  /** One trigger. Returns whether a batch ran (Spark: no new data → no batch). */
  async #trigger(triggerStart: number): Promise<boolean> {
    const c = this.config
    const t0 = performance.now()
    const parts = await this.#admin.discover(c.source.subscription, this.#committed !== null)
    const { earliest, latest: latestNow } = await this.#admin.offsets(parts)
    let latest = latestNow
    if (this.#availableNowLimit !== null) {
      latest = new Map()
      for (const [k, v] of this.#availableNowLimit) latest.set(k, Math.min(v, latestNow.get(k) ?? v))
    }
    let start = this.#committed
    if (start === null) {
      start = await this.#initialOffsets(parts, earliest, latest)
    }
    const plan = planEndOffsets({
      start,
      latest,
      earliest,
      maxOffsetsPerTrigger: c.sink.trigger.kind === 'once' ? undefined : c.source.maxOffsetsPerTrigger,
      minOffsetsPerTrigger: c.sink.trigger.kind === 'processingTime' ? c.source.minOffsetsPerTrigger : undefined,
      maxTriggerDelayMs: c.source.maxTriggerDelayMs,
      msSinceLastBatch: Date.now() - this.#lastBatchEnd,
      failOnDataLoss: c.source.failOnDataLoss,
    })
    this.#lostOffsets += reportSkipped(this.#log, plan.dataLoss)
    const latestOffsetMs = performance.now() - t0
    if (plan.skip || countBetween(plan.start, plan.end) === 0) {
      if (plan.dataLoss.length > 0) this.#committed = plan.start // skipped stays skipped (reported once)
      this.state = 'idle'
      this.#emitStatus(latestNow, start, parts)
      return false
    }
    this.state = 'active'
    const batchId = this.#nextBatchId
    const t1 = performance.now()
    const entry: OffsetsEntry = {
      metadata: { batchWatermarkMs: 0, batchTimestampMs: triggerStart, conf: this.#offsetConf() },
      sources: [toKafkaOffsets(plan.end)],
    }
    await this.#protocol.beginBatch(batchId, entry)
    this.#inFlight = batchId
    const walCommitMs = performance.now() - t1
    await this.#execute({
      batchId,
      start: plan.start,
      end: plan.end,
      latest,
      parts,
      triggerStart,
      t0,
      latestOffsetMs,
      walCommitMs,
      rerun: false,
    })
    return true
  }

  #emitStatus(latest: OffsetMap, committed: OffsetMap, parts: PartitionInfo[]): void {
    const main = takeRequestStats()
    if (main.length > 0) this.emit('s3Requests', main)
    if (this.listenerCount('sourceStatus') > 0) this.emit('sourceStatus', { latest, committed, parts })
  }

  async #initialOffsets(parts: PartitionInfo[], earliest: OffsetMap, latest: OffsetMap): Promise<OffsetMap> {
    const stored = await this.#protocol.checkpoint.readInitialOffsets()
    if (stored !== null) return fromKafkaOffsets(stored)
    const initial = await newQueryOffsets(this.config.source, parts, earliest, latest, (l) => this.#admin.offsetsForTimestamps(l))
    await this.#protocol.checkpoint.writeInitialOffsets(toKafkaOffsets(initial))
    return initial
  }

  /** Re-runs an uncommitted batch with exactly its recorded range. */
  async #rerun(batchId: number, start: OffsetMap, end: OffsetMap): Promise<void> {
    // Committed to the sink meanwhile (by a process fenced since: only commits/N was missing), or a compaction committed again from its plan.
    if ((await this.#protocol.prepareRerun(batchId)) === 'committed' || (await this.#compaction?.rerun(batchId)) === true) {
      this.#committed = end
      this.#nextBatchId = batchId + 1
      return
    }
    this.#inFlight = batchId
    const t0 = performance.now()
    const triggerStart = Date.now()
    const parts = await this.#admin.discover(this.config.source.subscription, true)
    const { earliest, latest } = await this.#admin.offsets(parts)
    // Partitions new in this batch started at earliest (as in Spark).
    for (const k of end.keys()) if (!start.has(k)) start.set(k, earliest.get(k) ?? 0)
    this.#log.info({ batchId, rows: countBetween(start, end) }, 're-running batch that was not committed, with its recorded offsets')
    await this.#execute({
      batchId,
      start,
      end,
      latest,
      parts,
      triggerStart,
      t0,
      latestOffsetMs: performance.now() - t0,
      walCommitMs: 0,
      rerun: true,
    })
  }

  async #execute(b: BatchRun): Promise<void> {
    const writer = this.#writer!
    this.state = 'active'
    const t2 = performance.now()
    const leaders = new Map(b.parts.map((p) => [tpKey(p.topic, p.partition), p]))
    const uuid = this.#protocol.newAttempt(b.batchId)
    const result = await writer.write(b.batchId, uuid, b.start, b.end, leaders)
    result.lostOffsets += reportSkipped(this.#log, result.gone) + this.#lostOffsets
    this.#lostOffsets = 0
    const writeMs = performance.now() - t2
    const { sinkLogMs, commitMs } = await this.#protocol.commitBatch(b.batchId, result.files)
    this.#inFlight = null
    this.#committed = b.end
    this.#nextBatchId = b.batchId + 1
    this.#lastBatchEnd = Date.now()
    await commitToGroup(this.#admin, this.config, this.#log, b.batchId, b.end)
    this.#report(b, result, {
      addBatch: Math.round(writeMs + sinkLogMs),
      commitOffsets: Math.round(commitMs),
      getBatch: 0,
      latestOffset: Math.round(b.latestOffsetMs),
      queryPlanning: 0,
      triggerExecution: Math.round(performance.now() - b.t0),
      walCommit: Math.round(b.walCommitMs),
    })
  }

  /** The progress event and the `batch committed` log line of a committed batch. */
  #report(b: BatchRun, result: BatchWriteResult, durationMs: DurationMs): void {
    const { progress, logFields } = committedBatchReport({
      id: this.id,
      runId: this.runId,
      name: this.config.name,
      sinkPath: this.config.sink.path.original,
      sourceDescription: this.#sourceDescription,
      previousTriggerStartMs: this.#previousTriggerStart,
      batch: b,
      result,
      durationMs,
    })
    this.#previousTriggerStart = b.triggerStart
    this.lastProgress = progress
    this.recentProgress.push(progress)
    if (this.recentProgress.length > RECENT_PROGRESS) this.recentProgress.shift()
    this.#log.info(logFields, 'batch committed')
    this.emit('progress', progress)
    this.#emitStatus(b.latest, b.end, b.parts)
  }

  #offsetConf(): Record<string, string> {
    return jobOffsetConf(this.config.conf, this.config.timeZone)
  }

  async #shutdown(err: unknown): Promise<void> {
    if (err !== null && err !== undefined) {
      this.exception = isSluiceError(err)
        ? err
        : new SluiceError('SLUICE_INTERNAL', `unexpected error: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      this.#log.error({ err: { code: this.exception.code, message: this.exception.message } }, 'query failed')
    }
    this.#stopping = true
    this.state = 'terminated'
    await Promise.allSettled([this.#writer?.close(), this.#admin?.close(), this.#protocol?.release()])
    await Promise.allSettled([this.#outputStore?.close(), this.#checkpointStore?.close()])
    this.emit('terminated', {
      id: this.id,
      runId: this.runId,
      exception: this.exception === null ? null : this.exception.message,
      errorClassOnException: this.exception === null ? null : this.exception.code,
    })
    // maxRSS and CPU time cover the whole process, worker threads included.
    const usage = process.resourceUsage()
    const resources = { maxRssMb: Math.round(usage.maxRSS / 1024), cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }
    this.#log.info({ id: this.id, runId: this.runId, failed: this.exception !== null, ...resources }, 'query terminated')
    await this.#monitoring?.close()
    this.#resolveDone()
  }
}

/** Starts a query; resolves once it runs (the checkpoint is read, Kafka is reachable). */
export async function startQuery(config: JobConfig, options: StartQueryOptions = {}): Promise<StreamingQuery> {
  const q = new StreamingQuery(config, options)
  await q.start()
  return q
}
