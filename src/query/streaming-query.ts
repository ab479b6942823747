/**
 * A running query: Spark's MicroBatchExecution for one Kafka source and one file sink.
 *
 * Per trigger: latestOffset (discover partitions, list offsets) → plan the end offsets
 * (maxOffsetsPerTrigger, …) → walCommit (`offsets/N`) → addBatch (writer tasks on the pool, then
 * `_spark_metadata/N`, the sink's commit point) → commitOffsets (`commits/N`) → progress event.
 * Restart follows Spark's populateStartOffsets, with sluice's mismatch checks (resolveRestart).
 */
import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CheckpointLog,
  defaultOffsetConf,
  FileSinkLog,
  kafkaSource,
  loadRestart,
  type OffsetsEntry,
  type RestartState,
  type SinkFileStatus,
} from '../checkpoint/index.js'
import type { JobConfig } from '../config/types.js'
import { isSluiceError, SluiceError } from '../errors.js'
import { KafkaAdmin, type PartitionInfo } from '../kafka/index.js'
import { createLogger, type Logger } from '../log.js'
import { nextTriggerTime, planEndOffsets } from '../planner/index.js'
import { compileTaskProjection, taskProjection } from '../worker/index.js'
import { attachMonitoring, type Monitoring, type SourceStatus } from '../metrics/index.js'
import { createStore, sweepIncomplete, takeRequestStats, type RequestRecord } from '../storage/index.js'
import type { Store, StoreSpec } from '../storage/types.js'
import { BatchWriter, type BatchWriteResult } from './batch-writer.js'
import { countBetween, fromKafkaOffsets, splitKey, toKafkaOffsets, tpKey, type OffsetMap } from './offsets.js'
import { buildProgress, sparkTimestamp, type DurationMs, type StreamingQueryProgress } from './progress.js'
import { resolveStartingOffsets } from './starting-offsets.js'
import { OwnerLease } from './owner-lease.js'

/** Spark's blockSize for S3A files in the sink log (fs.s3a.block.size). */
const S3A_BLOCK_SIZE = 33554432
/** How long to wait between polls when the trigger interval is 0 and there is no new data. */
const IDLE_POLL_MS = 100
/** Retries of a batch whose writers failed with a retriable error (leader moved, broker down). */
const BATCH_ATTEMPTS = 6
/** Triggers in a row that may fail with a retriable error (backoff 1 s doubling to 30 s: ~4 min). */
const TRIGGER_ATTEMPTS = 10
/** A log entry that already exists: another writer (fenced by the owner lease) got there first. */
const CONCURRENT_CODES = new Set(['SLUICE_CHECKPOINT_CONCURRENT', 'SLUICE_SINK_LOG_CONCURRENT'])
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
  #checkpoint!: CheckpointLog
  #sinkLog!: FileSinkLog
  #admin!: KafkaAdmin
  #writer: BatchWriter | null = null
  #lease!: OwnerLease
  /** End offsets of the last committed batch: the next batch starts here. */
  #committed: OffsetMap | null = null
  #nextBatchId = 0
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
    const sub = config.source.subscription
    this.#sourceDescription =
      sub.kind === 'subscribe'
        ? `KafkaV2[Subscribe[${sub.topics.join(', ')}]]`
        : sub.kind === 'subscribePattern'
          ? `KafkaV2[SubscribePattern[${sub.pattern}]]`
          : `KafkaV2[Assign[${Object.entries(sub.partitions)
              .flatMap(([t, ps]) => ps.map((p) => `${t}-${p}`))
              .join(', ')}]]`
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
    this.#checkpoint = new CheckpointLog(this.#checkpointStore)
    this.#sinkLog = new FileSinkLog(this.#outputStore, { compactInterval: c.sink.compactInterval })
    this.#admin = new KafkaAdmin({
      bootstrapServers: c.source.bootstrapServers,
      clientId: c.source.kafka.clientId,
      requestTimeoutMs: c.source.kafka.requestTimeoutMs,
      logger: this.#log.child({ component: 'kafka' }),
    })
    try {
      await this.#recover()
      await this.#admin.connect()
      this.#writer = new BatchWriter({
        config: c,
        queryId: this.id,
        output: this.#outputStore,
        checkpoint: this.#checkpointStore,
        outputSpec,
        checkpointSpec,
        log: this.#log,
        onRequests: (r) => this.emit('s3Requests', r),
      })
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
    this.#log.info(
      { id: this.id, runId: this.runId, nextBatchId: this.#nextBatchId, trigger: c.sink.trigger, workers: c.workers },
      'query started',
    )
    // After start() (and startQuery()) returned, so that listeners attached then see `started`.
    setImmediate(() => {
      this.emit('started', { id: this.id, runId: this.runId, name: c.name, timestamp: sparkTimestamp(Date.now()) })
      void this.#run()
    })
  }

  /** Reads the checkpoint and the sink log and decides where to resume (before writing anything). */
  async #recover(): Promise<void> {
    const c = this.config
    // The lease first: a process still running on this checkpoint stops before its next log
    // write, so what is read below cannot change underneath.
    this.#lease = new OwnerLease(this.#checkpointStore, this.runId)
    await this.#lease.acquire()
    const state = await loadRestart(this.#checkpoint, this.#sinkLog, {
      allowMismatch: c.sink.allowCheckpointMismatch,
      checkpointUri: c.sink.checkpointLocation.original,
      outputUri: c.sink.path.original,
    })
    const plan = state.plan
    this.id = state.queryId ?? randomUUID()
    if ((plan.kind === 'fresh' || plan.kind === 'resume') && plan.warning !== undefined) {
      this.#log.warn({ plan }, plan.warning)
    }
    const [checkpointProtection, outputProtection] = await Promise.all([
      this.#checkpointStore.probeConditionalWrites(`sluice/probe-${this.runId}`),
      this.#outputStore.probeConditionalWrites(`_sluice-probe-${this.runId}`),
    ])
    if (checkpointProtection !== 'enforced' || outputProtection !== 'enforced') {
      this.#log.warn(
        { checkpoint: checkpointProtection, output: outputProtection },
        'this store does not enforce conditional writes (If-None-Match: *): a second process on the same checkpoint is fenced only by ' +
          'the sluice/owner lease checked before offsets/N and _spark_metadata/N and by existence checks before each log write, which leave a short race window; ' +
          'run exactly one process per checkpoint',
      )
    }
    if (state.queryId === null) await this.#checkpoint.writeMetadata(this.id)
    await this.#applyRestart(state)
  }

  /**
   * After a retriable failure mid-trigger (Kafka or S3 unavailable): re-read the logs and resume
   * exactly as a restarted process would (re-run, commit-only or resume), so no half-done step is
   * ever repeated or skipped.
   */
  async #resync(): Promise<void> {
    const c = this.config
    const state = await loadRestart(this.#checkpoint, this.#sinkLog, {
      allowMismatch: c.sink.allowCheckpointMismatch,
      checkpointUri: c.sink.checkpointLocation.original,
      outputUri: c.sink.path.original,
    })
    await this.#applyRestart(state)
  }

  async #applyRestart(state: RestartState): Promise<void> {
    const plan = state.plan
    this.#log.info({ restart: plan }, 'checkpoint read')
    const start = state.startOffsets === null ? null : fromKafkaOffsets(state.startOffsets)
    this.#pendingRerun = null
    switch (plan.kind) {
      case 'fresh':
      case 'resume':
        this.#nextBatchId = plan.nextBatchId
        this.#committed = start
        return
      case 'commit-only':
        await this.#lease.check(plan.batchId)
        await this.#checkpoint.writeCommit(plan.batchId)
        this.#log.info({ batchId: plan.batchId }, 'batch was already in _spark_metadata: wrote only commits/N (sink write skipped)')
        this.#committed = start
        this.#nextBatchId = plan.batchId + 1
        return
      case 'rerun':
        this.#nextBatchId = plan.batchId
        this.#pendingRerun = {
          batchId: plan.batchId,
          start: start ?? new Map(),
          end: fromKafkaOffsets(kafkaSource(state.batchEntry!, `offsets/${plan.batchId}`)),
        }
        return
    }
  }

  #pendingRerun: { batchId: number; start: OffsetMap; end: OffsetMap } | null = null

  async #run(): Promise<void> {
    const trigger = this.config.sink.trigger
    let failures = 0
    let resync = false
    try {
      while (!this.#stopping) {
        try {
          if (resync) {
            await this.#resync()
            resync = false
          }
          if (this.#pendingRerun !== null) {
            const pending = this.#pendingRerun
            await this.#rerun(pending.batchId, pending.start, pending.end)
            this.#pendingRerun = null
          }
          if (trigger.kind === 'availableNow' && this.#availableNowLimit === null) {
            const parts = await this.#admin.discover(this.config.source.subscription)
            this.#availableNowLimit = (await this.#admin.offsets(parts)).latest
          }
          const triggerStart = Date.now()
          const ran = await this.#trigger(triggerStart)
          failures = 0
          if (trigger.kind === 'once') break
          if (trigger.kind === 'availableNow' && !ran) break
          if (this.#stopping) break
          if (!ran) this.#maybeIdle()
          const interval = trigger.kind === 'processingTime' ? trigger.intervalMs : 0
          const next = interval > 0 ? nextTriggerTime(triggerStart, interval) : ran ? Date.now() : Date.now() + IDLE_POLL_MS
          await this.#sleepUntil(next)
        } catch (err) {
          // A log entry written by a process we have just fenced (it held the lease until we took
          // it): if the lease is still ours, the logs say where to go on.
          if (isSluiceError(err) && CONCURRENT_CODES.has(err.code)) {
            await this.#lease.check(this.#nextBatchId)
            if (++failures > TRIGGER_ATTEMPTS) throw err
            this.#log.warn({ err: { code: err.code, message: err.message } }, 'a log entry was written by the process this one fenced; resuming from the logs')
            resync = true
            continue
          }
          // Kafka or S3 briefly unavailable: wait, re-read the logs, go on where they say.
          if (!isSluiceError(err) || !err.retriable || this.#stopping || ++failures > TRIGGER_ATTEMPTS) throw err
          const delay = Math.min(30_000, 1000 * 2 ** (failures - 1))
          this.#log.warn(
            { attempt: failures, of: TRIGGER_ATTEMPTS, err: { code: err.code, message: err.message }, retryInMs: delay },
            'trigger failed with a retriable error; resuming from the checkpoint after a pause',
          )
          this.emit('batchRetry', { batchId: this.#nextBatchId, attempt: failures, code: err.code })
          await this.#sleepUntil(Date.now() + delay)
          resync = true
        }
      }
      await this.#shutdown(null)
    } catch (err) {
      await this.#shutdown(err)
    }
  }

  #maybeIdle(): void {
    const now = Date.now()
    if (now - this.#lastBatchEnd >= IDLE_EVENT_MS && now - this.#lastIdleEvent >= IDLE_EVENT_MS) {
      this.#lastIdleEvent = now
      this.emit('idle', { id: this.id, runId: this.runId, timestamp: sparkTimestamp(now) })
    }
  }

  /**
   * Sleeps until the clock reads `when` (or stop()). Timers may fire a little before Date.now()
   * reaches the target; starting a trigger then would put it just before its slot, and the next
   * aligned slot would fire at once (two batches ~0 ms apart). So wait until the clock is there,
   * as Spark's ProcessingTimeExecutor does.
   */
  async #sleepUntil(when: number): Promise<void> {
    const ac = new AbortController()
    this.#wake = () => ac.abort()
    try {
      for (let ms = when - Date.now(); ms > 0 && !this.#stopping; ms = when - Date.now()) {
        await sleep(ms, undefined, { signal: ac.signal })
      }
    } catch {
      // woken by stop()
    } finally {
      this.#wake = null
    }
  }

  /** One trigger. Returns whether a batch ran (Spark: no new data → no batch). */
  async #trigger(triggerStart: number): Promise<boolean> {
    const c = this.config
    const t0 = performance.now()
    const parts = await this.#admin.discover(c.source.subscription)
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
    for (const e of plan.dataLoss) this.#log.warn({ event: e }, 'Skip missing records: offsets are no longer in Kafka (failOnDataLoss: false)')
    const latestOffsetMs = performance.now() - t0
    if (plan.skip || countBetween(plan.start, plan.end) === 0) {
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
    await this.#lease.check(batchId)
    await this.#checkpoint.writeOffsets(batchId, entry)
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
    const stored = await this.#checkpoint.readInitialOffsets()
    if (stored !== null) return fromKafkaOffsets(stored)
    const initial = resolveStartingOffsets(this.config.source.startingOffsets, parts, earliest, latest)
    await this.#checkpoint.writeInitialOffsets(toKafkaOffsets(initial))
    return initial
  }

  /** Re-runs an uncommitted batch with exactly its recorded range. */
  async #rerun(batchId: number, start: OffsetMap, end: OffsetMap): Promise<void> {
    if ((await this.#sinkLog.get(batchId)) !== null) {
      // Committed to the sink meanwhile (by a process fenced since): only commits/N is missing.
      await this.#lease.check(batchId)
      await this.#checkpoint.writeCommit(batchId)
      this.#committed = end
      this.#nextBatchId = batchId + 1
      return
    }
    const t0 = performance.now()
    const triggerStart = Date.now()
    const parts = await this.#admin.discover(this.config.source.subscription)
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

  async #execute(b: {
    batchId: number
    start: OffsetMap
    end: OffsetMap
    latest: OffsetMap
    parts: PartitionInfo[]
    triggerStart: number
    t0: number
    latestOffsetMs: number
    walCommitMs: number
    rerun: boolean
  }): Promise<void> {
    const writer = this.#writer!
    this.state = 'active'
    const t2 = performance.now()
    let result: BatchWriteResult | null = null
    let parts = b.parts
    for (let attempt = 1; ; attempt++) {
      const leaders = new Map(parts.map((p) => [tpKey(p.topic, p.partition), p]))
      try {
        if (b.rerun || attempt > 1) await writer.removeEarlierAttempt(b.batchId)
        if (b.rerun || attempt > 1) await sweepIncomplete(this.#outputStore, writer.fileUuid(b.batchId), this.#log)
        result = await writer.write(b.batchId, b.start, b.end, leaders)
        break
      } catch (err) {
        if (!isSluiceError(err) || !err.retriable || attempt >= BATCH_ATTEMPTS || this.#stopping) throw err
        const delay = Math.min(30_000, 500 * 2 ** (attempt - 1))
        this.#log.warn({ batchId: b.batchId, attempt, err: { code: err.code, message: err.message }, retryInMs: delay }, 'batch failed with a retriable error; retrying')
        this.emit('batchRetry', { batchId: b.batchId, attempt, code: err.code })
        await sleep(delay)
        parts = await this.#admin.discover(this.config.source.subscription)
      }
    }
    await this.#lease.check(b.batchId)
    const statuses: SinkFileStatus[] = result.files.map((f) => ({
      path: this.#outputStore.uri(f.key),
      size: f.size,
      isDir: false,
      modificationTime: f.lastModified,
      blockReplication: 1,
      blockSize: S3A_BLOCK_SIZE,
      action: 'add',
    }))
    await this.#sinkLog.add(b.batchId, statuses)
    const addBatchMs = performance.now() - t2
    const t3 = performance.now()
    await this.#checkpoint.writeCommit(b.batchId)
    const commitOffsetsMs = performance.now() - t3
    this.#committed = b.end
    this.#nextBatchId = b.batchId + 1
    this.#lastBatchEnd = Date.now()
    await this.#housekeeping(b.batchId)
    await this.#commitToGroup(b.batchId, b.end)

    const durationMs: DurationMs = {
      addBatch: Math.round(addBatchMs),
      commitOffsets: Math.round(commitOffsetsMs),
      getBatch: 0,
      latestOffset: Math.round(b.latestOffsetMs),
      queryPlanning: 0,
      triggerExecution: Math.round(performance.now() - b.t0),
      walCommit: Math.round(b.walCommitMs),
    }
    const filesPerDirectory: Record<string, number> = {}
    let bytes = 0
    for (const f of result.files) {
      const dir = f.key.includes('/') ? f.key.slice(0, f.key.lastIndexOf('/')) : ''
      filesPerDirectory[dir] = (filesPerDirectory[dir] ?? 0) + 1
      bytes += f.size
    }
    const progress = buildProgress({
      id: this.id,
      runId: this.runId,
      name: this.config.name,
      batchId: b.batchId,
      triggerStartMs: b.triggerStart,
      previousTriggerStartMs: this.#previousTriggerStart,
      numInputRows: result.rows,
      durationMs,
      sourceDescription: this.#sourceDescription,
      sinkPath: this.config.sink.path.original,
      start: b.start,
      end: b.end,
      latest: b.latest,
      figures: {
        filesWritten: result.files.length,
        bytesWritten: bytes,
        inputBytes: result.inputBytes,
        corruptRows: result.corruptRows,
        lostOffsets: result.lostOffsets,
        filesPerDirectory,
        rerun: b.rerun,
      },
    })
    this.#previousTriggerStart = b.triggerStart
    this.lastProgress = progress
    this.recentProgress.push(progress)
    if (this.recentProgress.length > RECENT_PROGRESS) this.recentProgress.shift()
    const src = progress.sources[0]!
    this.#log.info(
      {
        batchId: b.batchId,
        progress,
        rows: result.rows,
        inputRowsPerSecond: Math.round(progress.inputRowsPerSecond),
        processedRowsPerSecond: Math.round(progress.processedRowsPerSecond),
        offsetsBehindLatest: { avg: src.metrics.avgOffsetsBehindLatest, max: src.metrics.maxOffsetsBehindLatest },
        files: result.files.length,
        bytes,
        corruptRows: result.corruptRows,
        durationMs,
      },
      'batch committed',
    )
    this.emit('progress', progress)
    this.#emitStatus(b.latest, b.end, b.parts)
  }

  /**
   * Monitoring only (the checkpoint stays the source of truth): the batch's end offsets go to
   * `kafka.group.id`, so consumer-group lag tools see the query. Failures are logged, not fatal.
   */
  async #commitToGroup(batchId: number, end: OffsetMap): Promise<void> {
    const groupId = this.config.source.kafka.groupId
    if (groupId === undefined || !this.config.source.commitOffsets) return
    const offsets = [...end].map(([k, offset]) => ({ ...splitKey(k), offset }))
    try {
      await this.#admin.commitGroupOffsets(groupId, offsets)
    } catch (err) {
      this.#log.warn(
        { batchId, groupId, err: isSluiceError(err) ? { code: err.code, message: err.message } : String(err) },
        'could not commit the batch offsets to the consumer group (monitoring only; the checkpoint is unaffected)',
      )
    }
  }

  async #housekeeping(batchId: number): Promise<void> {
    const interval = this.config.sink.compactInterval
    if ((batchId + 1) % interval !== 0) return
    const keepFrom = batchId + 1 - this.config.sink.minBatchesToRetain
    if (keepFrom > 0) {
      await this.#checkpoint.purge(keepFrom)
      // Spark's fileSink.log.deletion with its 10-minute cleanupDelay: sink-log files below the
      // newest compaction that is at least minBatchesToRetain old.
      await this.#sinkLog.cleanup(keepFrom, { minAgeMs: 600_000 })
    }
    // Intent files of committed batches are no longer needed.
    const intents = await this.#checkpointStore.list('sluice/intents/')
    const stale = intents.filter((o) => Number(o.key.split('/')[2]) <= batchId).map((o) => o.key)
    if (stale.length > 0) await this.#checkpointStore.delete(stale)
  }

  #offsetConf(): Record<string, string> {
    return {
      ...defaultOffsetConf(),
      'spark.sql.session.timeZone': this.config.timeZone,
    }
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
    await Promise.allSettled([
      this.#writer?.close(),
      this.#admin?.close(),
      this.#lease?.release(),
    ])
    await Promise.allSettled([this.#outputStore?.close(), this.#checkpointStore?.close()])
    this.emit('terminated', {
      id: this.id,
      runId: this.runId,
      exception: this.exception === null ? null : this.exception.message,
      errorClassOnException: this.exception === null ? null : this.exception.code,
    })
    // maxRSS and CPU time cover the whole process, worker threads included.
    const usage = process.resourceUsage()
    this.#log.info(
      {
        id: this.id,
        runId: this.runId,
        failed: this.exception !== null,
        maxRssMb: Math.round(usage.maxRSS / 1024),
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      },
      'query terminated',
    )
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
