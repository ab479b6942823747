/**
 * What a committed batch reports: Spark's progress event and the `batch committed` log line,
 * built once per batch from the writers' result (never per record), and the consumer-group
 * commit that lets lag tools see the query.
 */
import type { JobConfig } from '../config/types.js'
import { isSluiceError } from '../errors.js'
import type { KafkaAdmin } from '../kafka-admin/index.js'
import type { Logger } from '../log.js'
import type { PartitionInfo } from '../kafka/index.js'
import type { BatchWriteResult } from './batch-writer.js'
import { splitKey, type OffsetMap } from '../planner/index.js'
import { buildProgress, type DurationMs, type StreamingQueryProgress } from '../metrics/progress.js'

/** One batch to write and commit (a new one, or a re-run of an uncommitted one). */
export interface BatchRun {
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
}

/** Spark's source description: `KafkaV2[Subscribe[a, b]]`, `KafkaV2[SubscribePattern[p]]`, `KafkaV2[Assign[t-0, …]]`. */
export function describeSource(sub: JobConfig['source']['subscription']): string {
  if (sub.kind === 'subscribe') return `KafkaV2[Subscribe[${sub.topics.join(', ')}]]`
  if (sub.kind === 'subscribePattern') return `KafkaV2[SubscribePattern[${sub.pattern}]]`
  return `KafkaV2[Assign[${Object.entries(sub.partitions)
    .flatMap(([t, ps]) => ps.map((p) => `${t}-${p}`))
    .join(', ')}]]`
}

export function committedBatchReport(o: {
  id: string
  runId: string
  name: string
  sinkPath: string
  sourceDescription: string
  previousTriggerStartMs: number | null
  batch: { batchId: number; start: OffsetMap; end: OffsetMap; latest: OffsetMap; triggerStart: number; rerun: boolean }
  result: BatchWriteResult
  durationMs: DurationMs
}): { progress: StreamingQueryProgress; logFields: Record<string, unknown> } {
  const { batch: b, result, durationMs } = o
  const filesPerDirectory: Record<string, number> = {}
  let bytes = 0
  for (const f of result.files) {
    const dir = f.key.includes('/') ? f.key.slice(0, f.key.lastIndexOf('/')) : ''
    filesPerDirectory[dir] = (filesPerDirectory[dir] ?? 0) + 1
    bytes += f.size
  }
  const progress = buildProgress({
    id: o.id,
    runId: o.runId,
    name: o.name,
    batchId: b.batchId,
    triggerStartMs: b.triggerStart,
    previousTriggerStartMs: o.previousTriggerStartMs,
    numInputRows: result.rows,
    durationMs,
    sourceDescription: o.sourceDescription,
    sinkPath: o.sinkPath,
    start: b.start,
    end: b.end,
    latest: b.latest,
    figures: {
      filesWritten: result.files.length,
      bytesWritten: bytes,
      inputBytes: result.inputBytes,
      corruptRows: result.corruptRows,
      badRecords: result.badRecords,
      lostOffsets: result.lostOffsets,
      filesPerDirectory,
      rerun: b.rerun,
    },
  })
  const src = progress.sources[0]!
  const logFields = {
    batchId: b.batchId,
    progress,
    rows: result.rows,
    inputRowsPerSecond: Math.round(progress.inputRowsPerSecond),
    processedRowsPerSecond: Math.round(progress.processedRowsPerSecond),
    offsetsBehindLatest: { avg: src.metrics.avgOffsetsBehindLatest, max: src.metrics.maxOffsetsBehindLatest },
    files: result.files.length,
    bytes,
    corruptRows: result.corruptRows,
    ...(result.badRecordFiles.length > 0 ? { badRecords: result.badRecords, badRecordFiles: result.badRecordFiles.map((f) => f.key) } : {}),
    durationMs,
  }
  return { progress, logFields }
}

/**
 * Monitoring only (the checkpoint stays the source of truth): the batch's end offsets go to
 * `kafka.group.id`, so consumer-group lag tools see the query. Failures are logged, not fatal.
 */
export async function commitToGroup(admin: KafkaAdmin, config: JobConfig, log: Logger, batchId: number, end: OffsetMap): Promise<void> {
  const groupId = config.source.kafka.groupId
  if (groupId === undefined || !config.source.commitOffsets) return
  const offsets = [...end].map(([k, offset]) => ({ ...splitKey(k), offset }))
  try {
    await admin.commitGroupOffsets(groupId, offsets)
  } catch (err) {
    log.warn(
      { batchId, groupId, err: isSluiceError(err) ? { code: err.code, message: err.message } : String(err) },
      'could not commit the batch offsets to the consumer group (monitoring only; the checkpoint is unaffected)',
    )
  }
}
