/**
 * Shards: several sluice deployments share one topic by owning disjoint sets of its partitions.
 * Shard `index/count` owns partition p of every topic it reads when p mod count = index, so the
 * shards together cover each partition exactly once, and a partition added later belongs to
 * exactly one shard (which picks it up at its next trigger, as any new partition). Each shard
 * keeps its own checkpoint and output prefix, so exactly-once holds per shard.
 */

/** `source.shard` parsed: this process is shard `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number
  count: number
}

export const SHARD_EXAMPLE = '"0/3" (shard 0 of 3; shards are numbered 0 to count - 1)'

/** Parses `"index/count"`; returns an explanation instead when it is not one. */
export function parseShard(text: string): ShardSpec | string {
  const m = /^\s*(\d{1,5})\s*\/\s*(\d{1,5})\s*$/.exec(text)
  if (m === null) return `expected "index/count" such as ${SHARD_EXAMPLE}`
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1) return `count must be at least 1; write e.g. ${SHARD_EXAMPLE}`
  if (index >= count) {
    return `index ${index} is not below count ${count}: shards are numbered 0 to ${count - 1}; write e.g. ${SHARD_EXAMPLE}`
  }
  return { index, count }
}

/** Whether `shard` owns `partition` (of any topic). No shard: every partition. */
export function ownsPartition(shard: ShardSpec | undefined, partition: number): boolean {
  return shard === undefined || partition % shard.count === shard.index
}

/** The partitions of `partitions` that `shard` owns, in their order. */
export function shardPartitions<T extends { partition: number }>(shard: ShardSpec | undefined, partitions: T[]): T[] {
  return shard === undefined ? partitions : partitions.filter((p) => ownsPartition(shard, p.partition))
}
