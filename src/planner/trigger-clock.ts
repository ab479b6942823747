/**
 * Spark's ProcessingTimeExecutor clock: triggers are aligned to multiples of the interval, and a
 * batch that overruns its slot starts the next one at once (missed slots are not queued).
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** The time of the next trigger: floor(now / interval) × interval + interval; interval 0 → now. */
export function nextTriggerTime(nowMs: number, intervalMs: number): number {
  if (intervalMs <= 0) return nowMs
  return Math.floor(nowMs / intervalMs) * intervalMs + intervalMs
}

/** The two clocks a trigger waits on (tests replace them). */
export interface TriggerClocks {
  /** Wall-clock ms (Date.now): what slots are aligned to, and what the system may step. */
  wall(): number
  /** Monotonic ms (performance.now): what timers run on; never steps. */
  monotonic(): number
}

export const SYSTEM_CLOCKS: TriggerClocks = { wall: () => Date.now(), monotonic: () => performance.now() }

/**
 * A wall clock this far behind the time slept (on the monotonic clock) has been stepped back; the
 * sleep ends then. Well above timer jitter and NTP slewing (≤ 0.5 ms/s), well below any real step.
 */
export const CLOCK_STEP_TOLERANCE_MS = 1000

/**
 * Sleeps until the wall clock reads `when` (or `signal` aborts). Timers may fire a little before
 * Date.now() reaches the target; starting a trigger then would put it just before its slot, and
 * the next aligned slot would fire at once (two batches ~0 ms apart), so the sleep waits until the
 * wall clock is there, as Spark's ProcessingTimeExecutor does. Unlike Spark, it also ends once
 * the monotonic clock has run `when − now` plus CLOCK_STEP_TOLERANCE_MS: when the system clock is
 * stepped back (NTP step, VM resume, an operator's `date -s`), Spark waits out the whole step (an
 * hour back: no batch for an hour); sluice starts the trigger about on time and aligns the next
 * slot to the clock as it now reads. A step forward ends the sleep at once (one early trigger,
 * as in Spark).
 */
export async function sleepUntil(when: number, signal: AbortSignal, clocks: TriggerClocks = SYSTEM_CLOCKS): Promise<void> {
  const giveUp = clocks.monotonic() + Math.max(0, when - clocks.wall()) + CLOCK_STEP_TOLERANCE_MS
  for (;;) {
    const ms = when - clocks.wall()
    const left = giveUp - clocks.monotonic()
    if (ms <= 0 || left <= 0 || signal.aborted) return
    try {
      await sleep(Math.min(ms, left), undefined, { signal })
    } catch {
      return // aborted
    }
  }
}
