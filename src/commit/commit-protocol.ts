/**
 * The commit protocol of one query, in one place (docs/architecture.md, "The commit protocol"):
 *
 *   open:    owner lease → read offsets/, commits/, _spark_metadata/ → restart plan
 *   batch N: lease check → offsets/N → [writer tasks: lease check → intent file → complete files]
 *            → lease check → _spark_metadata/N → commits/N → sweep losing attempts → housekeeping
 *
 * Restart resolution (resolveRestart) is read the same way at start and after every retriable
 * failure (`resolve`), so a half-done step is never repeated or skipped; there is one commit-only
 * path (`#commitOnly`) and one removal of earlier attempts. Data fencing: every attempt of a batch
 * writes its own keys (`attemptUuid`), so a fenced process's late uploads can never replace a
 * committed file; `_spark_metadata/N` names the winner and the sweep after `commits/N` removes
 * every other listed key. StreamingQuery keeps the trigger loop and the events and calls this.
 */
import { randomUUID } from 'node:crypto'
import {
  CheckpointLog,
  FileSinkLog,
  kafkaSource,
  loadRestart,
  type KafkaOffsets,
  type OffsetsEntry,
  type RestartState,
  type SinkFileStatus,
} from '../checkpoint/index.js'
import { isSluiceError } from '../errors.js'
import type { Logger } from '../log.js'
import { sweepIncomplete } from '../storage/index.js'
import type { ObjectInfo, Store } from '../storage/types.js'
import { removeAttempts, sweepAttempts, type CleanupStores } from './attempt-cleanup.js'
import { attemptUuid } from './intents.js'
import { OwnerLease } from './owner-lease.js'

/** Spark's blockSize for S3A files in the sink log (fs.s3a.block.size). */
const S3A_BLOCK_SIZE = 33554432
/** Spark's fileSink.log.cleanupDelay. */
const SINK_LOG_CLEANUP_DELAY_MS = 600_000

export interface CommitProtocolOptions {
  checkpoint: Store
  output: Store
  /** This process's run id: the owner lease and every attempt id carry it. */
  runId: string
  compactInterval: number
  /** The sink option `retention` (ms): TTL of `_spark_metadata` entries at log compaction. */
  retentionMs?: number | undefined
  minBatchesToRetain: number
  allowMismatch: boolean
  /** The locations as the user wrote them (for messages). */
  checkpointUri: string
  outputUri: string
  log: Logger
  /** How long the intent files of losing attempts stay swept (default 10 min, see attempt-cleanup.ts). */
  lingerMs?: number
  /** sink.badRecordsPath's store: intents' `badRecords` keys are removed there before a re-run. */
  badRecords?: Store | undefined
}

/** Where the query goes on after reading the logs. Offsets as stored (Kafka JSON). */
export interface Resolution {
  /** The id of the next batch to plan (after `rerun`, if any). */
  nextBatchId: number
  /** Where the next batch starts; null: resolve startingOffsets. For a re-run: the re-run's start. */
  start: KafkaOffsets | null
  /** An uncommitted batch to run again with exactly its recorded range. */
  rerun: { batchId: number; end: KafkaOffsets } | null
}

export class CommitProtocol {
  readonly checkpoint: CheckpointLog
  readonly sinkLog: FileSinkLog
  readonly lease: OwnerLease
  queryId = ''
  readonly #o: CommitProtocolOptions
  readonly #stores: CleanupStores
  #attempts = 0
  /** The attempt whose files the batch in flight writes. */
  #attempt: { batchId: number; uuid: string } | null = null

  constructor(o: CommitProtocolOptions) {
    this.#o = o
    this.checkpoint = new CheckpointLog(o.checkpoint)
    this.sinkLog = new FileSinkLog(o.output, { compactInterval: o.compactInterval, retentionMs: o.retentionMs })
    this.lease = new OwnerLease(o.checkpoint, o.runId)
    this.#stores = { checkpoint: o.checkpoint, output: o.output, badRecords: o.badRecords, log: o.log, swept: new Set() }
  }

  /**
   * Takes the lease first (a process still running on this checkpoint stops before its next log
   * write or file completion, so what is read below cannot change underneath), reads the logs,
   * writes `metadata` on a fresh checkpoint and resolves where to go on.
   */
  async open(): Promise<Resolution> {
    await this.lease.acquire()
    const state = await this.#load()
    const plan = state.plan
    this.queryId = state.queryId ?? randomUUID()
    if ((plan.kind === 'fresh' || plan.kind === 'resume') && plan.warning !== undefined) this.#o.log.warn({ plan }, plan.warning)
    await this.#warnUnprotected()
    if (state.queryId === null) await this.checkpoint.writeMetadata(this.queryId)
    return this.#resolve(state)
  }

  /** After a retriable failure mid-trigger: re-read the logs and resume as a restart would. */
  async resync(): Promise<Resolution> {
    return this.#resolve(await this.#load())
  }

  #load(): Promise<RestartState> {
    return loadRestart(this.checkpoint, this.sinkLog, {
      allowMismatch: this.#o.allowMismatch,
      checkpointUri: this.#o.checkpointUri,
      outputUri: this.#o.outputUri,
    })
  }

  async #warnUnprotected(): Promise<void> {
    const [checkpoint, output] = await Promise.all([
      this.#o.checkpoint.probeConditionalWrites(`sluice/probe-${this.#o.runId}`),
      this.#o.output.probeConditionalWrites(`_sluice-probe-${this.#o.runId}`),
    ])
    if (checkpoint === 'enforced' && output === 'enforced') return
    this.#o.log.warn(
      { checkpoint, output },
      'this store does not enforce conditional writes (If-None-Match: *): a second process on the same checkpoint is fenced only by ' +
        'the sluice/owner lease checked before offsets/N, before every file completion and before _spark_metadata/N and by existence checks before each log write, which leave a short race window; ' +
        'run exactly one process per checkpoint',
    )
  }

  async #resolve(state: RestartState): Promise<Resolution> {
    const plan = state.plan
    this.#o.log.info({ restart: plan }, 'checkpoint read')
    switch (plan.kind) {
      case 'fresh':
        return { nextBatchId: plan.nextBatchId, start: state.startOffsets, rerun: null }
      case 'resume':
        // The last committed batch's sweep may not have run (killed right after commits/N).
        if (plan.fromBatchId !== null && !plan.warning) await this.#sweep(plan.fromBatchId, null)
        return { nextBatchId: plan.nextBatchId, start: state.startOffsets, rerun: null }
      case 'commit-only':
        await this.#commitOnly(plan.batchId)
        return { nextBatchId: plan.batchId + 1, start: state.startOffsets, rerun: null }
      case 'rerun':
        return {
          nextBatchId: plan.batchId,
          start: state.startOffsets,
          rerun: { batchId: plan.batchId, end: kafkaSource(state.batchEntry!, `offsets/${plan.batchId}`) },
        }
    }
  }

  /** `_spark_metadata/N` exists but `commits/N` does not: write only commits/N (sink write skipped). */
  async #commitOnly(batchId: number): Promise<void> {
    await this.lease.check(batchId)
    await this.checkpoint.writeCommit(batchId)
    await this.#sweep(batchId, null)
    this.#o.log.info({ batchId }, 'batch was already in _spark_metadata: wrote only commits/N (sink write skipped)')
  }

  /** walCommit: from here on batch N's range is fixed. */
  async beginBatch(batchId: number, entry: OffsetsEntry): Promise<void> {
    await this.lease.check(batchId)
    await this.checkpoint.writeOffsets(batchId, entry)
  }

  /**
   * Before running an uncommitted batch again: if it was committed to the sink meanwhile (by a
   * process fenced since) only commits/N is written and 'committed' returned; otherwise what
   * earlier attempts made visible is removed and 'run' returned.
   */
  async prepareRerun(batchId: number): Promise<'committed' | 'run'> {
    if ((await this.sinkLog.get(batchId)) !== null) {
      await this.#commitOnly(batchId)
      return 'committed'
    }
    await removeAttempts(this.#stores, batchId)
    // What killed or failed attempts left unfinished (file:// temp files, S3 multipart uploads in
    // progress) is invisible to readers but costs storage: every attempt's, since attempt ids are
    // not derivable; the owner runs no other attempt now.
    await sweepIncomplete(this.#o.output, '', this.#o.log)
    return 'run'
  }

  /**
   * The query ends with `err` while batch N is uncommitted (a poison range: a record no retry can
   * write): remove the files its attempts completed, so plain readers do not see part of a batch
   * that will not be committed as it stands. Nothing is touched if another process owns the
   * checkpoint or `_spark_metadata/N` exists; a failure here is logged (the re-run cleans up).
   * Returns how many files were removed.
   */
  async abandonBatch(batchId: number, err: unknown): Promise<number> {
    if (isSluiceError(err) && /TAKEN_OVER|CONCURRENT/.test(err.code)) return 0
    try {
      await this.lease.check(batchId)
      if ((await this.sinkLog.get(batchId)) !== null) return 0
      const removed = await removeAttempts(this.#stores, batchId)
      if (removed > 0) {
        this.#o.log.warn({ batchId, removedFiles: removed }, 'the query ends with this batch uncommitted: removed the files it had completed, so plain readers see none of it')
      }
      return removed
    } catch (e) {
      this.#o.log.warn(
        { batchId, err: isSluiceError(e) ? { code: e.code, message: e.message } : String(e) },
        'could not remove the files of the failed batch; the next run removes them before it re-runs the batch',
      )
      return 0
    }
  }

  /** A new attempt of batch N: the file UUID its writers use in every key and intent. */
  newAttempt(batchId: number): string {
    const uuid = attemptUuid(this.queryId, batchId, this.#o.runId, this.#attempts++)
    this.#attempt = { batchId, uuid }
    return uuid
  }

  /**
   * The sink commit and commitOffsets: lease check → `_spark_metadata/N` (the point where Spark
   * readers see the batch) → `commits/N`; then the sweep and housekeeping. Returns the
   * milliseconds of the sink-log write and of commits/N. `replaced`: a compaction batch's files
   * left out of `N.compact` (src/commit/compaction.ts).
   */
  async commitBatch(batchId: number, files: readonly ObjectInfo[], replaced?: ReadonlySet<string>): Promise<{ sinkLogMs: number; commitMs: number }> {
    const t0 = performance.now()
    await this.lease.check(batchId)
    const statuses: SinkFileStatus[] = files.map((f) => ({
      path: this.#o.output.uri(f.key),
      size: f.size,
      isDir: false,
      modificationTime: f.lastModified,
      blockReplication: 1,
      blockSize: S3A_BLOCK_SIZE,
      action: 'add',
    }))
    await this.sinkLog.add(batchId, statuses, replaced)
    const t1 = performance.now()
    await this.checkpoint.writeCommit(batchId)
    const commitMs = performance.now() - t1
    const winner = this.#attempt?.batchId === batchId ? this.#attempt.uuid : null
    await this.#sweep(batchId, new Set(statuses.map((s) => s.path)), winner)
    await this.#housekeeping(batchId)
    return { sinkLogMs: t1 - t0, commitMs }
  }

  /** Removes what losing attempts of batches ≤ N left visible, then their intent files. */
  async #sweep(batchId: number, committed: ReadonlySet<string> | null, winner: string | null = null): Promise<void> {
    await sweepAttempts(
      this.#stores,
      batchId,
      async (b) => (b === batchId && committed !== null ? committed : this.#committedUris(b)),
      winner,
      this.#o.lingerMs ?? SINK_LOG_CLEANUP_DELAY_MS,
    )
  }

  async #committedUris(batchId: number): Promise<ReadonlySet<string>> {
    const files = (await this.sinkLog.get(batchId)) ?? (await this.sinkLog.allFiles())
    return new Set(files.map((f) => f.path))
  }

  /** Every compactInterval batches: purge old checkpoint entries and sink-log files. */
  async #housekeeping(batchId: number): Promise<void> {
    if ((batchId + 1) % this.#o.compactInterval !== 0) return
    const keepFrom = batchId + 1 - this.#o.minBatchesToRetain
    if (keepFrom <= 0) return
    await this.checkpoint.purge(keepFrom)
    // Spark's fileSink.log.deletion with its 10-minute cleanupDelay: sink-log files below the
    // newest compaction that is at least minBatchesToRetain old.
    await this.sinkLog.cleanup(keepFrom, { minAgeMs: SINK_LOG_CLEANUP_DELAY_MS })
  }

  /** Gives the lease up if this run still holds it. */
  release(): Promise<void> {
    return this.lease.release()
  }
}
