/**
 * coalesce(N): group a batch's offset ranges into N writer tasks, balanced by record count and
 * deterministic (the same ranges in any order give the same assignment, so a re-run batch writes
 * the same files). Like Spark's coalesce it never splits a range and never makes more writers than
 * ranges; split first with splitRanges(ranges, N) to let N writers share one hot partition.
 *
 * Balance: longest-processing-time greedy. Ranges by size descending (ties: canonical order), each
 * to the writer with the fewest records so far (ties: lowest index). Within a writer, ranges are in
 * canonical order (topic, partition, start). coalesce 0 → one writer per range, in canonical order
 * (Spark's default without coalesce: one task per Kafka offset range).
 */
import { compareRanges } from './topic-partition.js'
import type { OffsetRange } from './types.js'

/** Records in a writer's ranges: Σ (end − start). */
export function rangeRecords(ranges: readonly OffsetRange[]): number {
  let n = 0
  for (const r of ranges) n += r.end - r.start
  return n
}

/** Writer i's ranges at index i (i is the task number in `part-<i %05d>-…`). */
export function assignWriters<R extends OffsetRange>(ranges: readonly R[], coalesce: number): R[][] {
  const sorted = ranges.filter((r) => r.end > r.start).sort(compareRanges)
  if (coalesce <= 0) return sorted.map((r) => [r])
  const n = Math.min(coalesce, sorted.length)
  const writers: R[][] = []
  const records: number[] = []
  for (let i = 0; i < n; i++) {
    writers.push([])
    records.push(0)
  }
  const bySize = sorted.slice().sort((a, b) => b.end - b.start - (a.end - a.start) || compareRanges(a, b))
  for (const r of bySize) {
    let best = 0
    for (let i = 1; i < n; i++) if (records[i]! < records[best]!) best = i
    writers[best]!.push(r)
    records[best]! += r.end - r.start
  }
  for (const w of writers) w.sort(compareRanges)
  return writers
}

/**
 * The read side of a batch: the coalesce writers' ranges (assignWriters' output) spread over
 * `tasks` read tasks, so that every worker reads and projects whatever `coalesce` is. Each piece
 * keeps the index of the writer its rows go to. A range larger than total / (4 × tasks) is cut
 * into pieces of at most that many offsets (a hot partition is read by several tasks); the pieces
 * are then grouped by assignWriters' greedy balance, which so ends within a quarter of a task's
 * share. Deterministic like assignWriters.
 */
/** The fewest offsets assignReaders cuts a range into (a piece is read by one task). */
export const MIN_PIECE = 4096

export function assignReaders<R extends OffsetRange>(writers: readonly R[][], tasks: number): (R & { writer: number })[][] {
  const tagged: (R & { writer: number })[] = []
  writers.forEach((ranges, writer) => {
    for (const r of ranges) tagged.push({ ...r, writer })
  })
  if (tasks <= 0 || tagged.length === 0) return []
  // Pieces of at most a quarter of a task's share: the greedy balance then ends within 1/4 of it.
  // Never smaller than MIN_PIECE offsets: each piece costs its own Fetch requests, and a small
  // batch gains nothing from being cut (it also keeps each small range in Kafka order, so FAILFAST
  // names a range's first malformed record).
  const target = Math.max(MIN_PIECE, Math.ceil(rangeRecords(tagged) / (tasks * 4)))
  const pieces: (R & { writer: number })[] = []
  for (const r of tagged) {
    const parts = Math.ceil((r.end - r.start) / target)
    if (parts <= 1) {
      pieces.push(r)
      continue
    }
    let start = r.start
    for (let i = 0; i < parts; i++) {
      const end = i === parts - 1 ? r.end : Math.min(r.end, start + Math.ceil((r.end - start) / (parts - i)))
      if (end > start) pieces.push({ ...r, start, end })
      start = end
    }
  }
  return assignWriters(pieces, tasks)
}
