/**
 * The figures of bench/compaction.ts, apart from the run (unit-tested in
 * test/unit/bench-compaction.test.ts).
 */
import { nextTriggerTime } from '../src/planner/trigger-clock.js'
import { median } from './drain-lib.js'

/**
 * Trigger lateness (ms). Processing-time triggers start on the multiples of the interval (the
 * trigger clock: nextTriggerTime), so a trigger that starts on time has a phase of a few ms into
 * its slot; one held up (by the batch before it, or by compaction's work between triggers) starts
 * whenever the hold ends, at an arbitrary phase. Lateness = start mod interval, for each batch
 * except those right after a batch that itself ran past its slot (`overruns`: the batch was slow,
 * the trigger was not held up). `late`: how many started more than `toleranceMs` into their slot.
 * Only batches that read data report a start (an idle trigger has no progress), which is why the
 * phase is used and not the gap to the previous batch.
 */
export function lateness(
  triggers: { startMs: number; execMs: number }[],
  intervalMs: number,
  toleranceMs = 100,
): { p50: number; p99: number; max: number; samples: number; late: number; overruns: number } {
  const late: number[] = []
  let overruns = 0
  for (let i = 0; i < triggers.length; i++) {
    const prev = triggers[i - 1]
    const t = triggers[i]!
    if (prev !== undefined && prev.startMs + prev.execMs >= nextTriggerTime(prev.startMs, intervalMs)) {
      overruns++
      continue
    }
    late.push(t.startMs % intervalMs)
  }
  const s = [...late].sort((a, b) => a - b)
  const q = (p: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(p * s.length))]!)
  return { p50: q(0.5), p99: q(0.99), max: s.length === 0 ? 0 : s[s.length - 1]!, samples: s.length, late: late.filter((x) => x > toleranceMs).length, overruns }
}

export const dirOf = (k: string): string => k.slice(0, k.lastIndexOf('/'))

/** Files per directory of a list of keys: how many directories, median and max files in one. */
export function perDir(keys: string[]): { directories: number; median: number; max: number } {
  const n = new Map<string, number>()
  for (const k of keys) n.set(dirOf(k), (n.get(dirOf(k)) ?? 0) + 1)
  const v = [...n.values()]
  return { directories: v.length, median: v.length === 0 ? 0 : median(v), max: Math.max(0, ...v) }
}
