/**
 * What crosses the thread boundary between the coordinator and a writer task: plain data only.
 * One task = one coalesce writer of one batch (Spark's coalesce(N) task): it reads its Kafka
 * ranges, projects every record, buckets rows by partition directory and writes at most one file
 * per directory (more only when the memory bound or the open-file cap forces a cut, see
 * WriterTask.memoryBytes).
 */
import type { JobConfig } from '../config/types.js'
import type { SerializedError } from '../errors.js'
import type { ProjectionOptions } from '../sql/index.js'
import type { StoreSpec } from '../storage/types.js'
import type { RequestRecord } from '../storage/request-stats.js'
import { CODEC_EXTENSION, type Codec } from './compressors.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'

export interface TaskRange {
  topic: string
  partition: number
  /** First offset to read. */
  start: number
  /** Exclusive end: the offset after the last one to read. */
  end: number
  leader: { nodeId: number; host: string; port: number }
}

/** sql's ProjectionOptions with the schema as DDL text (parsed once per worker). */
export type TaskProjection = Omit<ProjectionOptions, 'schema'> & { schema: string }

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
    jsonOptions: c.fromJson,
    writer: {
      timestampFormat: c.sink.timestampFormat,
      dateFormat: c.sink.dateFormat,
      ignoreNullFields: c.sink.ignoreNullFields,
    },
  }
}

export interface WriterTask {
  batchId: number
  /** Coalesce writer index (the `part-NNNNN` number). */
  writer: number
  /**
   * The attempt's id (src/commit/intents.ts attemptUuid): unique per attempt of the batch, in
   * every file name and intent key, so no two attempts share a key (data fencing).
   */
  fileUuid: string
  /** The run holding the owner lease: the task checks it before making files visible. */
  runId: string
  ranges: TaskRange[]
  projection: TaskProjection
  output: StoreSpec
  checkpoint: StoreSpec
  /** sink.compression (compressors.ts). */
  compression: Codec
  /** sink.lineSep: what ends each row (Spark's default \n). */
  lineSep?: string | undefined
  /** Without partitionBy Spark's writer 0 writes a file even when it has no rows. */
  writeEmptyFile: boolean
  /**
   * Budget for the memory this task's files hold allocated (buffers, part buffers, gzip state;
   * see memory-account.ts); past it the least recently used files are closed (the directory
   * continues in the next `-cNNN` file).
   */
  memoryBytes: number
  failOnDataLoss: boolean
  kafka: {
    clientId: string
    requestTimeoutMs: number
    maxPartitionFetchBytes: number
    fetchMaxBytes: number
    fetchMaxWaitMs: number
    isolationLevel: 'read_uncommitted' | 'read_committed'
    /** TLS / SASL of every connection the task opens (plain data; secrets included, never logged). */
    security?: KafkaSecuritySpec | undefined
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
  /** The most memory the task's files held allocated at once (see memory-account.ts). */
  peakAllocatedBytes: number
  /** S3 requests this task made (for sluice_s3_requests_total). */
  s3Requests: RequestRecord[]
}

export interface WriterFailure {
  ok: false
  error: SerializedError
  s3Requests: RequestRecord[]
}

export type WriterOutcome = WriterResult | WriterFailure

/** Spark's data file name; the extension is the codec's (`true`: gzip, as before codecs were added). */
export function dataFileName(writer: number, uuid: string, counter: number, compression: boolean | Codec): string {
  const codec: Codec = compression === true ? 'gzip' : compression === false ? 'none' : compression
  return `part-${String(writer).padStart(5, '0')}-${uuid}-c${String(counter).padStart(3, '0')}.json${CODEC_EXTENSION[codec]}`
}
