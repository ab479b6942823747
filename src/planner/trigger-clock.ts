/**
 * Spark's ProcessingTimeExecutor clock: triggers are aligned to multiples of the interval, and a
 * batch that overruns its slot starts the next one at once (missed slots are not queued).
 */

/** The time of the next trigger: floor(now / interval) × interval + interval; interval 0 → now. */
export function nextTriggerTime(nowMs: number, intervalMs: number): number {
  if (intervalMs <= 0) return nowMs
  return Math.floor(nowMs / intervalMs) * intervalMs + intervalMs
}
