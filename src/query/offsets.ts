/**
 * Offsets as the coordinator handles them: a Map keyed `topic:partition` (Kafka topic names
 * cannot contain ':'), converted to and from Spark's `{"topic":{"0":1}}` JSON shape.
 */
import type { KafkaOffsets } from '../checkpoint/index.js'

export type OffsetMap = Map<string, number>

export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`
}

export function splitKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf(':')
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) }
}

export function toKafkaOffsets(map: OffsetMap): KafkaOffsets {
  const out: KafkaOffsets = {}
  const keys = [...map.keys()].sort(compareKeys)
  for (const key of keys) {
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

export function compareKeys(a: string, b: string): number {
  const x = splitKey(a)
  const y = splitKey(b)
  return x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition
}

/** Total of end − start over the partitions in end (a partition missing from start counts from 0). */
export function countBetween(start: OffsetMap, end: OffsetMap): number {
  let n = 0
  for (const [k, e] of end) n += Math.max(0, e - (start.get(k) ?? e))
  return n
}
