/**
 * The planner: pure functions that decide, per trigger, which offsets a batch reads (Spark's rate
 * limits and data-loss rules), how ranges are split (minPartitions) and grouped into writer tasks
 * (coalesce), and when the next trigger fires. No I/O: the query loop feeds it offsets it fetched.
 */
export { assignReaders, assignWriters, MIN_PIECE, rangeRecords } from './assign-writers.js'
export { DATA_LOSS_CODE, planEndOffsets } from './end-offsets.js'
export { rateLimit } from './rate-limit.js'
export { splitRanges } from './split-ranges.js'
export { ownsPartition, parseShard, SHARD_EXAMPLE, shardPartitions, type ShardSpec } from './shard.js'
export {
  compareKeys,
  compareRanges,
  countBetween,
  fromKafkaOffsets,
  sortedKeys,
  splitKey,
  toKafkaOffsets,
  toRanges,
  tpKey,
} from './topic-partition.js'
export { CLOCK_STEP_TOLERANCE_MS, nextTriggerTime, sleepUntil, SYSTEM_CLOCKS, type TriggerClocks } from './trigger-clock.js'
export type {
  DataLossEvent,
  DataLossKind,
  OffsetMap,
  OffsetRange,
  PlanEndOffsetsInput,
  PlanEndOffsetsResult,
  TopicPartitionKey,
} from './types.js'
