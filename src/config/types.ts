/**
 * The normalised job: what `loadJob()` returns after interpolation, validation and defaults.
 * Everything downstream (planner, query loop, workers) reads this, never the raw file. Only the
 * shapes the schema's fields produce are written here; {@link JobConfig} itself is inferred.
 */
import type { toJobConfig } from './normalize.js'
import type { ShardSpec } from '../planner/index.js'

export type Trigger =
  | { kind: 'processingTime'; intervalMs: number }
  | { kind: 'once' }
  | { kind: 'availableNow' }

/** -2 = earliest, -1 = latest, else an offset; keyed topic → partition → offset. */
export type PartitionOffsetSpec = Record<string, Record<string, number>>

/**
 * startingTimestamp (`global`) or startingOffsetsByTimestamp (`perPartition`, topic → partition →
 * epoch ms), with startingOffsetsByTimestampStrategy; resolved against the cluster by
 * query/starting-offsets.ts.
 */
export type StartingTimestamps =
  | { kind: 'global'; timestamp: number; strategy: 'error' | 'latest' }
  | { kind: 'perPartition'; timestamps: PartitionOffsetSpec; strategy: 'error' | 'latest' }

export type Subscription = (
  | { kind: 'subscribe'; topics: string[] }
  | { kind: 'subscribePattern'; pattern: string }
  | { kind: 'assign'; partitions: Record<string, number[]> }
) & {
  /** source.shard: only partitions p with p mod count = index (README "Deploy"). */
  shard?: ShardSpec | undefined
}

/**
 * The job, derived from the schema: the return type of the one normalise step
 * (config/normalize.ts `toJobConfig`), whose fields are the zod schema's outputs. Field docs are
 * on that step's object literal.
 */
export type JobConfig = ReturnType<typeof toJobConfig>
export type SourceConfig = JobConfig['source']
export type SinkConfig = JobConfig['sink']
