/**
 * The shared facts of one load-generator run (what every producer thread needs to build the
 * same records and follow the same schedule), and how a thread turns them into its slice.
 */
import type { LoadgenOptions } from './options.js'
import { parseRateProfile, type RateSchedule } from './rate-profile.js'
import { RecordFactory } from './records.js'
import type { SliceInput } from './producer.js'
import { lastMidnight, TimePlan } from './time-plan.js'

/** Plain data: posted to worker threads. */
export interface RunPlan {
  options: LoadgenOptions
  runId: string
  seed: number
  partitions: number
  startMs: number
  /** Infinity for a count-bound run. */
  deadlineMs: number
  /** Infinity for a duration-bound run. */
  total: number
  /** Records expected in the run when known (the time plan spreads them evenly). */
  expected: number | undefined
  durationMs: number | undefined
  onTimeUntilMs: number
}

/** Span of record timestamps (ms): --time-span-hours, or 2 h around a --midnight-zone midnight. */
export function timeSpanMs(o: LoadgenOptions): number {
  if (o.timeSpanHours > 0) return o.timeSpanHours * 3_600_000
  return o.midnightZone === undefined ? 0 : 2 * 3_600_000
}

export function scheduleOf(o: LoadgenOptions): RateSchedule | null {
  return parseRateProfile(o.rateProfile, o.rate)
}

/** Builds the record factory (throws SLUICE_LOADGEN_BAD_ARG for a bad template or size spec). */
export function recordFactory(plan: Omit<RunPlan, 'startMs' | 'deadlineMs' | 'onTimeUntilMs'>, timeAt: (seq: number) => number): RecordFactory {
  return new RecordFactory(plan.options, { runId: plan.runId, seed: plan.seed, partitions: plan.partitions, timeAt })
}

/** The inputs of slice `slice` of `slices`. */
export function sliceInput(plan: RunPlan, slice: number, slices: number): SliceInput {
  const o = plan.options
  const spanMs = timeSpanMs(o)
  const windowEndMs = o.midnightZone === undefined ? plan.startMs : lastMidnight(o.midnightZone, plan.startMs) + spanMs / 2
  const times = new TimePlan(plan.startMs, spanMs, plan.expected, plan.durationMs, windowEndMs)
  return {
    options: o,
    partitions: plan.partitions,
    startMs: plan.startMs,
    deadlineMs: plan.deadlineMs,
    total: plan.total,
    onTimeUntilMs: plan.onTimeUntilMs,
    schedule: scheduleOf(o),
    slice,
    slices,
    records: recordFactory(plan, (seq) => times.at(seq)),
    beginBatch: (now) => times.beginBatch(now),
  }
}
