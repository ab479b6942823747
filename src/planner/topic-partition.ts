/**
 * `topic:partition` keys and their canonical order (topic, then partition number), used wherever
 * the planner must be deterministic regardless of Map insertion order.
 */
import type { OffsetMap, OffsetRange, TopicPartitionKey } from './types.js'

export function tpKey(topic: string, partition: number): TopicPartitionKey {
  return `${topic}:${partition}`
}

export function splitKey(key: TopicPartitionKey): { topic: string; partition: number } {
  const i = key.lastIndexOf(':')
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) }
}

export function compareTopicPartition(aTopic: string, aPartition: number, bTopic: string, bPartition: number): number {
  if (aTopic !== bTopic) return aTopic < bTopic ? -1 : 1
  return aPartition - bPartition
}

export function compareKeys(a: TopicPartitionKey, b: TopicPartitionKey): number {
  const x = splitKey(a)
  const y = splitKey(b)
  return compareTopicPartition(x.topic, x.partition, y.topic, y.partition)
}

/** Canonical range order: topic, partition, start offset. */
export function compareRanges(a: OffsetRange, b: OffsetRange): number {
  return compareTopicPartition(a.topic, a.partition, b.topic, b.partition) || a.start - b.start
}

export function sortedKeys(map: OffsetMap): TopicPartitionKey[] {
  return [...map.keys()].sort(compareKeys)
}

/** The non-empty ranges [start, end) of a batch, in canonical order. */
export function toRanges(start: OffsetMap, end: OffsetMap): OffsetRange[] {
  const out: OffsetRange[] = []
  for (const key of sortedKeys(end)) {
    const s = start.get(key)
    const e = end.get(key)!
    if (s === undefined || e <= s) continue
    const { topic, partition } = splitKey(key)
    out.push({ topic, partition, start: s, end: e })
  }
  return out
}
