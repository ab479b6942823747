/**
 * The normalised job: what `loadJob()` returns after interpolation, validation and defaults.
 * Everything downstream (planner, query loop, workers) reads this, never the raw file.
 */
import type { Location, S3Settings } from '../storage/types.js'

export type Trigger =
  | { kind: 'processingTime'; intervalMs: number }
  | { kind: 'once' }
  | { kind: 'availableNow' }

/** -2 = earliest, -1 = latest, else an offset; keyed topic → partition → offset. */
export type PartitionOffsetSpec = Record<string, Record<string, number>>

export type Subscription =
  | { kind: 'subscribe'; topics: string[] }
  | { kind: 'subscribePattern'; pattern: string }
  | { kind: 'assign'; partitions: Record<string, number[]> }

export interface SourceConfig {
  bootstrapServers: string[]
  subscription: Subscription
  startingOffsets: 'earliest' | 'latest' | PartitionOffsetSpec
  maxOffsetsPerTrigger?: number | undefined
  minOffsetsPerTrigger?: number | undefined
  /** Milliseconds; Spark's default 15m. */
  maxTriggerDelayMs: number
  minPartitions?: number | undefined
  failOnDataLoss: boolean
  includeHeaders: boolean
  /** Remaining `kafka.*` options with the prefix stripped, after validation. */
  kafka: {
    clientId: string
    groupId?: string | undefined
    requestTimeoutMs: number
    /** Max bytes per partition per fetch request. */
    maxPartitionFetchBytes: number
    fetchMaxBytes: number
    fetchMaxWaitMs: number
  }
  /**
   * `kafka.metadata.max.age.ms` as given. Not used: partitions are listed on every trigger, as in
   * Spark (docs/config.md).
   */
  metadataRefreshMs: number
  /** Commit the batch's end offsets to groupId after each batch (issue 3). */
  commitOffsets: boolean
}

export interface SinkConfig {
  format: 'json'
  path: Location
  checkpointLocation: Location
  partitionBy: string[]
  coalesce: number
  trigger: Trigger
  outputMode: 'append'
  compression: 'none' | 'gzip'
  /** from_json mode. */
  mode: 'PERMISSIVE' | 'FAILFAST'
  columnNameOfCorruptRecord: string
  /** Compact `_spark_metadata` every N batches (spark.sql.streaming.fileSink.log.compactInterval). */
  compactInterval: number
  /** spark.sql.streaming.minBatchesToRetain */
  minBatchesToRetain: number
  /** Accept a checkpoint and `_spark_metadata` that disagree (see SLUICE_CHECKPOINT_MISMATCH). */
  allowCheckpointMismatch: boolean
  /** Open-file buffer budget per writer task in bytes before files are cut (bounded memory). */
  writerMemoryBytes: number
}

export interface JobConfig {
  name: string
  source: SourceConfig
  /** Spark DDL as written. */
  schema: string
  /** selectExpr list as written. */
  select: string[]
  sink: SinkConfig
  /** spark.sql.session.timeZone (IANA name); default: the process's zone. */
  timeZone: string
  /** Raw `conf` map as given (written into offsets/N's conf). */
  conf: Record<string, string>
  s3: S3Settings
  metrics: { host: string; port: number; enabled: boolean; showRecordContent: boolean }
  /** Worker threads in the pool (default: cores). */
  workers: number
  /** Graceful stop deadline of `sluice run` in milliseconds (stopTimeout, --stop-timeout). */
  stopTimeoutMs: number
}
