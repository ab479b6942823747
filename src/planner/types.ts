/**
 * The planner's data: offset maps keyed `topic:partition` (Kafka topic names cannot contain ':'),
 * offset ranges, and the data-loss events Spark's Kafka source reports.
 */

/** `${topic}:${partition}`. */
export type TopicPartitionKey = string

/** topic:partition → offset (the NEXT offset to read, as in Spark's checkpoint). */
export type OffsetMap = Map<TopicPartitionKey, number>

/** Offsets [start, end) of one partition: the shape of the worker's TaskRange without the leader. */
export interface OffsetRange {
  topic: string
  partition: number
  /** First offset to read. */
  start: number
  /** Exclusive end. */
  end: number
}

export type DataLossKind =
  /** start < earliest: records were deleted by retention before they were read. */
  | 'agedOut'
  /** A partition in the start offsets is no longer in the topic metadata. */
  | 'partitionGone'
  /** latest < start: the partition's offsets went backwards (topic re-created, log truncated). */
  | 'offsetsReset'
  /** A newly discovered partition whose earliest offset is not 0 (its first records are gone). */
  | 'newPartitionNotFromZero'
  /** A newly discovered partition whose earliest offset could not be found. */
  | 'earliestUnknown'

export interface DataLossEvent {
  kind: DataLossKind
  topic: string
  partition: number
  /** The offset the query wanted to read from (undefined for new partitions). */
  startOffset?: number | undefined
  earliestOffset?: number | undefined
  latestOffset?: number | undefined
  /** Where reading continues when failOnDataLoss is false (undefined: the partition is dropped). */
  continueFrom?: number | undefined
  /** Offsets skipped, where known (aged out; a new partition's records before its earliest; a gone range). */
  lostOffsets?: number | undefined
  /** Spark-style description for the "Skip missing records" log line. */
  message: string
}

export interface PlanEndOffsetsInput {
  /** Where this batch starts: the previous batch's end offsets, or the resolved startingOffsets. */
  start: OffsetMap
  /** Latest offsets (ListOffsets, READ_COMMITTED: the last stable offset) of every partition covered now. */
  latest: OffsetMap
  /** Earliest (log start) offsets; must cover every partition in `latest`. */
  earliest: OffsetMap
  maxOffsetsPerTrigger?: number | undefined
  minOffsetsPerTrigger?: number | undefined
  maxTriggerDelayMs: number
  /** Milliseconds since the last batch that ran (not skipped). */
  msSinceLastBatch: number
  failOnDataLoss: boolean
}

export interface PlanEndOffsetsResult {
  /** The start offsets after data-loss adjustment, with new partitions at their earliest offset. */
  start: OffsetMap
  /** End offsets; same keys as `start`; end ≥ start everywhere. */
  end: OffsetMap
  /** minOffsetsPerTrigger not reached and maxTriggerDelay not passed: run no batch now. */
  skip: boolean
  /** Offsets in [start, end) summed over partitions (0: nothing to do). */
  offsets: number
  /** What was lost (only ever non-empty when failOnDataLoss is false; otherwise it throws). */
  dataLoss: DataLossEvent[]
}
