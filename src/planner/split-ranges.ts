/**
 * minPartitions, as Spark 3.5's KafkaOffsetRangeCalculator.getRanges:
 *
 * - Empty and negative ranges are dropped.
 * - minPartitions unset, or at least that many ranges: no splitting.
 * - Otherwise parts(range) = max(round(size / total × minPartitions), 1). Ranges with 1 part are
 *   "unsplit"; the others share the rest: parts = max(round(size / splitTotal × splitMin), 1) with
 *   splitTotal = total − unsplit sizes and splitMin = max(minPartitions − #unsplit, 1). A range is
 *   cut into `parts` pieces of remaining / (parts − i) offsets each (integer division, the last
 *   piece takes the rounding).
 *
 * The result is about minPartitions ranges; it can be a few more or fewer because of rounding.
 */
import type { OffsetRange } from './types.js'

function partCount(size: number, total: number, minParts: number): number {
  return Math.max(Math.round((size / total) * minParts), 1)
}

export function splitRanges<R extends OffsetRange>(ranges: readonly R[], minPartitions?: number): R[] {
  const nonEmpty = ranges.filter((r) => r.end - r.start > 0)
  if (minPartitions === undefined || nonEmpty.length >= minPartitions) return nonEmpty
  let total = 0
  for (const r of nonEmpty) total += r.end - r.start
  const unsplit = new Set<R>()
  let unsplitTotal = 0
  for (const r of nonEmpty) {
    if (partCount(r.end - r.start, total, minPartitions) === 1) {
      unsplit.add(r)
      unsplitTotal += r.end - r.start
    }
  }
  const splitTotal = total - unsplitTotal
  const splitMin = Math.max(minPartitions - unsplit.size, 1)
  const out: R[] = []
  for (const r of nonEmpty) {
    const size = r.end - r.start
    const parts = unsplit.has(r) ? 1 : partCount(size, splitTotal, splitMin)
    let remaining = size
    let start = r.start
    for (let part = 0; part < parts; part++) {
      const piece = Math.floor(remaining / (parts - part))
      remaining -= piece
      const end = Math.min(start + piece, r.end)
      if (end > start) out.push(parts === 1 ? r : { ...r, start, end })
      start = end
    }
  }
  return out
}
