/**
 * maxOffsetsPerTrigger, exactly as Spark 3.5's KafkaMicroBatchStream.rateLimit:
 *
 *   size(tp)  = until(tp) − from(tp), kept only when > 0
 *   total     = Σ size (as a double); total < 1 → until unchanged
 *   prorate   = limit × (size / total)          (this order of operations: it decides the edges)
 *   taken     = ceil(prorate) if prorate < 1 else floor(prorate)   ("don't starve small partitions")
 *   end(tp)   = min(until(tp), from(tp) + taken); partitions without backlog end at until(tp)
 *
 * Because of the ceil, the sum of a batch can exceed the limit when many partitions have a tiny
 * share (16 partitions with backlog 1 and limit 10 read 16 records), as in Spark.
 */
import type { OffsetMap } from './types.js'

export function rateLimit(limit: number, from: OffsetMap, until: OffsetMap): OffsetMap {
  const sizes = new Map<string, number>()
  let total = 0
  for (const [key, end] of until) {
    const begin = from.get(key)
    if (begin === undefined) continue
    const size = end - begin
    if (size > 0) {
      sizes.set(key, size)
      total += size
    }
  }
  if (total < 1) return new Map(until)
  const out: OffsetMap = new Map()
  for (const [key, end] of until) {
    const size = sizes.get(key)
    if (size === undefined) {
      out.set(key, end)
      continue
    }
    const begin = from.get(key)!
    const prorate = limit * (size / total)
    const taken = prorate < 1 ? Math.ceil(prorate) : Math.floor(prorate)
    out.set(key, Math.min(end, begin + taken))
  }
  return out
}
