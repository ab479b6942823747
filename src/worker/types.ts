/**
 * What crosses the thread boundary between the coordinator and a writer task: plain data only.
 * One task = one coalesce writer of one batch (Spark's coalesce(N) task): it reads its Kafka
 * ranges, projects every record, buckets rows by partition directory and writes at most one file
 * per directory (more only when the memory bound forces a cut, see WriterTask.memoryBytes).
 */
import type { JobConfig } from '../config/types.js'
import type { SerializedError } from '../errors.js'
import type { StoreSpec } from '../storage/types.js'
import type { RequestRecord } from '../storage/request-stats.js'

export interface TaskRange {
  topic: string
  partition: number
  /** First offset to read. */
  start: number
  /** Exclusive end: the offset after the last one to read. */
  end: number
  leader: { nodeId: number; host: string; port: number }
}

export interface TaskProjection {
  schema: string
  select: string[]
  partitionBy: string[]
  timeZone: string
  mode: 'PERMISSIVE' | 'FAILFAST'
  columnNameOfCorruptRecord: string
  includeHeaders: boolean
}

/** The projection of a job, as plain data a worker compiles (see compile-projection.ts). */
export function taskProjection(c: JobConfig): TaskProjection {
  return {
    schema: c.schema,
    select: c.select,
    partitionBy: c.sink.partitionBy,
    timeZone: c.timeZone,
    mode: c.sink.mode,
    columnNameOfCorruptRecord: c.sink.columnNameOfCorruptRecord,
    includeHeaders: c.source.includeHeaders,
  }
}

export interface WriterTask {
  batchId: number
  /** Coalesce writer index (the `part-NNNNN` number). */
  writer: number
  /** Deterministic per (query id, batch id), so a re-run writes the same keys. */
  fileUuid: string
  ranges: TaskRange[]
  projection: TaskProjection
  output: StoreSpec
  checkpoint: StoreSpec
  compression: 'none' | 'gzip'
  /** Without partitionBy Spark's writer 0 writes a file even when it has no rows. */
  writeEmptyFile: boolean
  /** Budget for bytes held in memory by this task's open files before the largest is cut. */
  memoryBytes: number
  failOnDataLoss: boolean
  kafka: {
    clientId: string
    requestTimeoutMs: number
    maxPartitionFetchBytes: number
    fetchMaxBytes: number
    fetchMaxWaitMs: number
    isolationLevel: 'read_uncommitted' | 'read_committed'
  }
}

export interface WrittenFile {
  /** Key relative to the output path. */
  key: string
  size: number
  lastModified: number
  rows: number
}

export interface RangeStats {
  topic: string
  partition: number
  /** Records delivered from the range. */
  records: number
  /** Offsets skipped because they were no longer in the log (failOnDataLoss: false). */
  lost: number
  minTimestamp: number
  maxTimestamp: number
}

export interface WriterResult {
  ok: true
  files: WrittenFile[]
  rows: number
  corruptRows: number
  inputBytes: number
  ranges: RangeStats[]
  /** Milliseconds spent waiting for Kafka, processing records, and closing files. */
  timings: { fetchWaitMs: number; processMs: number; closeMs: number }
  /** S3 requests this task made (for sluice_s3_requests_total). */
  s3Requests: RequestRecord[]
}

export interface WriterFailure {
  ok: false
  error: SerializedError
  s3Requests: RequestRecord[]
}

export type WriterOutcome = WriterResult | WriterFailure

/** Where a writer records the keys it is about to make visible (see docs/architecture.md). */
export function intentKey(batchId: number, writer: number, seq: number): string {
  return `sluice/intents/${batchId}/${String(writer).padStart(5, '0')}-${seq}.json`
}

export function intentPrefix(batchId: number): string {
  return `sluice/intents/${batchId}/`
}

export function dataFileName(writer: number, uuid: string, counter: number, gzip: boolean): string {
  return `part-${String(writer).padStart(5, '0')}-${uuid}-c${String(counter).padStart(3, '0')}.json${gzip ? '.gz' : ''}`
}
