/**
 * What crosses the thread boundary between the coordinator and the pool: plain data only, plus one
 * MessagePort per read task.
 *
 * A batch runs as READ tasks on every worker (ReadTask: fetch, decode, project, encode rows to
 * bytes, bucketed by coalesce writer and partition directory) and coalesce-N MERGE writers
 * (merge-writer.ts, on the coordinator thread) that receive those bytes as transferred
 * ArrayBuffers (BlockMessage) and write at most one file per directory each (more only when the
 * memory bound or the open-file cap forces a cut). A WriterTask is the older one-task form (one
 * writer reading its own ranges), still run in one thread by runWriterTask (writer-task.ts).
 */
import type { MessagePort } from 'node:worker_threads'
import type { JobConfig } from '../config/types.js'
import type { SerializedError } from '../errors.js'
import type { ProjectionOptions } from '../sql/index.js'
import type { StoreSpec } from '../storage/types.js'
import type { RequestRecord } from '../storage/request-stats.js'
import { CODEC_EXTENSION, type Codec } from './compressors.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { ParquetFileSpec } from './parquet/parquet-file.js'
import { PARQUET_EXTENSION, type ParquetCodec, type RowGroupMeta } from './parquet/row-group.js'

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
    // With badRecordsPath, corrupt records go there and are left out of the output, whatever the mode.
    mode: c.sink.badRecordsPath === undefined ? c.sink.mode : 'DROPMALFORMED',
    columnNameOfCorruptRecord: c.sink.columnNameOfCorruptRecord,
    includeHeaders: c.source.includeHeaders,
    jsonOptions: c.fromJson,
    writer: {
      timestampFormat: c.sink.timestampFormat,
      dateFormat: c.sink.dateFormat,
      ignoreNullFields: c.sink.ignoreNullFields,
    },
    output: c.sink.parquet === null ? undefined : 'values',
  }
}

/** A read task's range, tagged with the coalesce writer its rows go to. */
export interface ReadRange extends TaskRange {
  writer: number
}

/** The Kafka reader settings of a task. */
export interface TaskKafka {
  clientId: string
  requestTimeoutMs: number
  maxPartitionFetchBytes: number
  fetchMaxBytes: number
  fetchMaxWaitMs: number
  isolationLevel: 'read_uncommitted' | 'read_committed'
  /** TLS / SASL of every connection the task opens (plain data; secrets included, never logged). */
  security?: KafkaSecuritySpec | undefined
}

/**
 * Reads ranges, projects every record and sends the encoded rows as blocks over `port`
 * (BlockMessage), with flow control: at most `inFlightBytes` sent and not yet acknowledged.
 */
export interface ReadTask {
  kind: 'read'
  batchId: number
  ranges: ReadRange[]
  projection: TaskProjection
  /** Budget for the row blocks being filled (their capacity); past it the largest are sent early. */
  memoryBytes: number
  /** Bytes sent and not yet acknowledged by the merge writers before the task waits. */
  inFlightBytes: number
  failOnDataLoss: boolean
  kafka: TaskKafka
  /** sink.lineSep: what ends each row (Spark's default \n). */
  lineSep?: string | undefined
  /** sink.badRecordsPath is set: corrupt records go to the writers' bad-records files (bad-records.ts). */
  badRecords?: boolean | undefined
  /** sink.format parquet: rows become row groups in the task (parquet/row-groups.ts). */
  parquet?: ParquetTaskSpec | undefined
  port: MessagePort
}

/** What a read task and a merge writer need to write Parquet (plain data). */
export interface ParquetTaskSpec extends ParquetFileSpec {
  codec: ParquetCodec
  /** maxRecordsPerFile when set: no row group holds more rows, so the files can hold at most that many. */
  maxRowsPerGroup?: number | undefined
}

/**
 * Reader → merge writer: `rows` rows of writer `w`'s directory `dir`, UTF-8 JSON lines each ending in
 * sink.lineSep (default '\n'), bytes [0, len) of `buf` (transferred, not copied); with sink.format parquet the bytes are
 * one encoded row group and `rg` its metadata (parquet/row-group.ts). `e`: the reader sent everything.
 * Merge writer → reader: `a` acknowledges `n` bytes; `x`: stop, the batch failed.
 */
export type BlockMessage =
  | { t: 'b'; w: number; dir: string; buf: ArrayBuffer; len: number; rows: number; rg?: RowGroupMeta | undefined }
  | { t: 'e' }
export type BlockReply = { t: 'a'; n: number } | { t: 'x' }

export interface ReadResult {
  ok: true
  rows: number
  corruptRows: number
  /** Records written to sink.badRecordsPath. */
  badRows?: number
  inputBytes: number
  ranges: RangeStats[]
  /** The most block capacity the task held at once. */
  peakBufferedBytes: number
  s3Requests: RequestRecord[]
}

export type ReadOutcome = ReadResult | WriterFailure

/** One coalesce writer of one batch: where and how it writes (merge-writer.ts). */
export interface WriterSpec {
  batchId: number
  /** Coalesce writer index (the `part-NNNNN` number). */
  writer: number
  fileUuid: string
  runId: string
  output: StoreSpec
  checkpoint: StoreSpec
  /** sink.compression (compressors.ts). */
  compression: Codec
  /** sink.format parquet: the file's schema and codec (parquet/parquet-file.ts); absent: JSON lines. */
  parquet?: ParquetTaskSpec | undefined
  writeEmptyFile: boolean
  /** Budget for what the writer's open files hold allocated (see memory-account.ts). */
  memoryBytes: number
  /** Spark's maxRecordsPerFile (file-roller.ts); 0 or absent: no limit. */
  maxRecordsPerFile?: number | undefined
  /** sink.targetFileSize in bytes as stored (file-roller.ts); 0 or absent: none. */
  targetFileSize?: number | undefined
  /** sink.lineSep: what ends each row of the blocks (default \n). */
  lineSep?: string | undefined
  /** sink.badRecordsPath: where this writer's bad-records file of the batch goes (bad-records.ts). */
  badRecords?: { store: StoreSpec; key: string } | undefined
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
  kafka: TaskKafka
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
export function dataFileName(writer: number, uuid: string, counter: number, compression: boolean | Codec, parquet?: ParquetCodec): string {
  const codec: Codec = compression === true ? 'gzip' : compression === false ? 'none' : compression
  const ext = parquet === undefined ? `.json${CODEC_EXTENSION[codec]}` : PARQUET_EXTENSION[parquet]
  return `part-${String(writer).padStart(5, '0')}-${uuid}-c${String(counter).padStart(3, '0')}${ext}`
}
