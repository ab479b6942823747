/**
 * Resolves where a new query's first batch starts, with Spark's order of preference
 * (KafkaSourceProvider.getKafkaOffsetRangeLimit): `startingTimestamp` (one epoch ms for every
 * partition), then `startingOffsetsByTimestamp` (epoch ms per partition), then
 * `startingOffsets` (`earliest`, `latest`, or JSON per partition where -2 means earliest and
 * -1 latest). As in Spark, JSON per partition must name every partition of the subscribed topics.
 *
 * By timestamp (KafkaOffsetReaderAdmin.fetchSpecific/GlobalTimestampBasedOffsets): a partition
 * starts at the earliest offset whose record timestamp is at or after the timestamp, which the
 * coordinator asks of Kafka (ListOffsets by timestamp); where Kafka has none, the strategy
 * `error` stops the start and `latest` starts that partition at its latest offset.
 */
import type { PartitionOffsetSpec, StartingTimestamps } from '../config/types.js'
import { SluiceError } from '../errors.js'
import type { PartitionInfo } from '../kafka/index.js'
import { tpKey, type OffsetMap } from '../planner/index.js'

export function resolveStartingOffsets(
  spec: 'earliest' | 'latest' | PartitionOffsetSpec,
  parts: PartitionInfo[],
  earliest: OffsetMap,
  latest: OffsetMap,
): OffsetMap {
  const out: OffsetMap = new Map()
  if (spec === 'earliest' || spec === 'latest') {
    const from = spec === 'earliest' ? earliest : latest
    for (const p of parts) {
      const k = tpKey(p.topic, p.partition)
      out.set(k, from.get(k) ?? 0)
    }
    return out
  }
  checkNamesEveryPartition(spec, parts, 'startingOffsets')
  for (const p of parts) {
    const given = spec[p.topic]![String(p.partition)]!
    const k = tpKey(p.topic, p.partition)
    out.set(k, given === -2 ? (earliest.get(k) ?? 0) : given === -1 ? (latest.get(k) ?? 0) : given)
  }
  return out
}

/** The ListOffsets-by-timestamp look-ups `spec` needs: one per partition read. */
export function timestampLookups(
  spec: StartingTimestamps,
  parts: PartitionInfo[],
): (PartitionInfo & { timestamp: number })[] {
  if (spec.kind === 'global') return parts.map((p) => ({ ...p, timestamp: spec.timestamp }))
  checkNamesEveryPartition(spec.timestamps, parts, 'startingOffsetsByTimestamp')
  return parts.map((p) => ({ ...p, timestamp: spec.timestamps[p.topic]![String(p.partition)]! }))
}

/**
 * Starting offsets from the look-ups' answers (`found`: offset, or -1 for none, keyed
 * tpKey). With strategy `error`, any partition without an offset stops the start, naming each.
 */
export function resolveTimestampOffsets(
  spec: StartingTimestamps,
  lookups: (PartitionInfo & { timestamp: number })[],
  found: Map<string, number>,
  latest: OffsetMap,
): OffsetMap {
  const out: OffsetMap = new Map()
  const none: { topic: string; partition: number; timestamp: number }[] = []
  for (const p of lookups) {
    const k = tpKey(p.topic, p.partition)
    const offset = found.get(k) ?? -1
    if (offset >= 0) out.set(k, offset)
    else if (spec.strategy === 'latest') out.set(k, latest.get(k) ?? 0)
    else none.push({ topic: p.topic, partition: p.partition, timestamp: p.timestamp })
  }
  if (none.length > 0) {
    const option = spec.kind === 'global' ? 'startingTimestamp' : 'startingOffsetsByTimestamp'
    throw new SluiceError(
      'SLUICE_KAFKA_NO_OFFSET_FOR_TIMESTAMP',
      none.map((n) => `No offset matched from request of topic-partition ${n.topic}-${n.partition} and timestamp ${n.timestamp}.`).join(' ') +
        ` source.${option} asks to start at the first record at or after that time, and every record there is older (or the partition is empty). ` +
        'Set source.startingOffsetsByTimestampStrategy: latest to start such partitions at their latest offset, choose an earlier timestamp, or use startingOffsets.',
      { details: { partitions: none } },
    )
  }
  return out
}

function checkNamesEveryPartition(spec: PartitionOffsetSpec, parts: PartitionInfo[], option: string): void {
  const missing = parts.filter((p) => spec[p.topic]?.[String(p.partition)] === undefined).map((p) => `${p.topic}-${p.partition}`)
  const known = new Set(parts.map((p) => `${p.topic}-${p.partition}`))
  const unknown = Object.entries(spec).flatMap(([t, ps]) =>
    Object.keys(ps)
      .map((p) => `${t}-${p}`)
      .filter((tp) => !known.has(tp)),
  )
  if (missing.length === 0 && unknown.length === 0) return
  const what = option === 'startingOffsets' ? 'specific offsets' : 'a timestamp per partition'
  throw new SluiceError(
    'SLUICE_CONFIG_STARTING_OFFSETS',
    `source.${option} gives ${what}, so (as in Spark) it must name every partition of the subscribed topics and no others. ` +
      (missing.length > 0 ? `Missing: ${missing.join(', ')}. ` : '') +
      (unknown.length > 0 ? `Not in the cluster: ${unknown.join(', ')}. ` : '') +
      (option === 'startingOffsets'
        ? 'Add the missing partitions (-2 = earliest, -1 = latest), or use startingOffsets: earliest | latest.'
        : 'Add the missing partitions, or use startingTimestamp for one time for every partition.'),
    { details: { missing, unknown } },
  )
}

/**
 * Where a new query starts (no `sources/0/0` yet), in Spark's order: by timestamp when
 * `startingTimestamps` is set (`lookUp` asks Kafka: ListOffsets by timestamp), else
 * `startingOffsets`.
 */
export async function newQueryOffsets(
  source: { startingTimestamps?: StartingTimestamps | undefined; startingOffsets: 'earliest' | 'latest' | PartitionOffsetSpec },
  parts: PartitionInfo[],
  earliest: OffsetMap,
  latest: OffsetMap,
  lookUp: (lookups: (PartitionInfo & { timestamp: number })[]) => Promise<Map<string, number>>,
): Promise<OffsetMap> {
  const byTime = source.startingTimestamps
  if (byTime === undefined) return resolveStartingOffsets(source.startingOffsets, parts, earliest, latest)
  const lookups = timestampLookups(byTime, parts)
  return resolveTimestampOffsets(byTime, lookups, await lookUp(lookups), latest)
}
