/**
 * Resolves Spark's `startingOffsets` for a query's first batch: `earliest`, `latest`, or JSON
 * per partition where -2 means earliest and -1 latest. As in Spark, a JSON spec must name every
 * partition of the subscribed topics.
 */
import type { PartitionOffsetSpec } from '../config/types.js'
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
  const missing: string[] = []
  for (const p of parts) {
    const given = spec[p.topic]?.[String(p.partition)]
    const k = tpKey(p.topic, p.partition)
    if (given === undefined) {
      missing.push(`${p.topic}-${p.partition}`)
      continue
    }
    out.set(k, given === -2 ? (earliest.get(k) ?? 0) : given === -1 ? (latest.get(k) ?? 0) : given)
  }
  const known = new Set(parts.map((p) => `${p.topic}-${p.partition}`))
  const unknown = Object.entries(spec).flatMap(([t, ps]) =>
    Object.keys(ps)
      .map((p) => `${t}-${p}`)
      .filter((tp) => !known.has(tp)),
  )
  if (missing.length > 0 || unknown.length > 0) {
    throw new SluiceError(
      'SLUICE_CONFIG_STARTING_OFFSETS',
      'source.startingOffsets gives specific offsets, so (as in Spark) it must name every partition of the subscribed topics and no others. ' +
        (missing.length > 0 ? `Missing: ${missing.join(', ')}. ` : '') +
        (unknown.length > 0 ? `Not in the cluster: ${unknown.join(', ')}. ` : '') +
        'Add the missing partitions (-2 = earliest, -1 = latest), or use startingOffsets: earliest | latest.',
      { details: { missing, unknown } },
    )
  }
  return out
}
