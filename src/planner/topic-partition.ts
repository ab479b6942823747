/**
 * The one offsets model: `topic:partition` keys (Kafka topic names cannot contain ':'), their
 * canonical order (topic, then partition number) wherever the result must not depend on Map
 * insertion order, and the conversion to and from Spark's `{"topic":{"0":1}}` JSON shape.
 */
import type { KafkaOffsets } from '../checkpoint/index.js'
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

/** Spark's `{"topic":{"0":1}}` shape, topics and partitions in canonical order. */
export function toKafkaOffsets(map: OffsetMap): KafkaOffsets {
  const out: KafkaOffsets = {}
  for (const key of sortedKeys(map)) {
    const { topic, partition } = splitKey(key)
    if (out[topic] === undefined) out[topic] = {}
    out[topic]![String(partition)] = map.get(key)!
  }
  return out
}

export function fromKafkaOffsets(o: KafkaOffsets): OffsetMap {
  const map: OffsetMap = new Map()
  for (const topic of Object.keys(o)) {
    for (const p of Object.keys(o[topic]!)) map.set(tpKey(topic, Number(p)), o[topic]![p]!)
  }
  return map
}

/** Total of end − start over the partitions in end (a partition missing from start counts from 0). */
export function countBetween(start: OffsetMap, end: OffsetMap): number {
  let n = 0
  for (const [k, e] of end) n += Math.max(0, e - (start.get(k) ?? e))
  return n
}
