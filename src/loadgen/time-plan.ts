/**
 * Event times of generated records: spread evenly over the last `spanMs` before the run
 * started, so that one run fills several dt/dth output partitions.
 *
 * - span 0: every record carries the wall time at which its batch was built.
 * - a known record count (--count, or --duration with --rate): record `seq` of `total` gets
 *   `start - span + floor(seq * (span / total))`; times rise monotonically from `start - span`
 *   to just below `start`.
 * - --duration at full speed (total unknown): each batch gets
 *   `start - span + span * elapsed / duration`, so the span is covered as the run progresses
 *   and every record of one batch shares a time.
 *
 * The window normally ends at the start of the run; `windowEndMs` moves it (--midnight-zone
 * centres it on a midnight, see {@link lastMidnight}).
 *
 * The Kafka record timestamp (CreateTime) and the `ts` inside the message are the same value.
 */
import { getZone } from '../sql/time-zone.js'

/** Offset of `zone` from UTC at instant `t` (ms; positive east of Greenwich): the zone rules date_format uses. */
export function zoneOffsetMs(zone: string, t: number): number {
  return getZone(zone).offsetMs(t)
}

/** The latest local midnight in `zone` at or before instant `nowMs` (epoch ms). */
export function lastMidnight(zone: string, nowMs: number): number {
  const local = new Date(nowMs + zoneOffsetMs(zone, nowMs))
  const midnightWall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())
  // The offset at midnight may differ from now's (a DST change that day): settle it twice.
  let t = midnightWall - zoneOffsetMs(zone, midnightWall)
  t = midnightWall - zoneOffsetMs(zone, t)
  return t
}

export class TimePlan {
  readonly #spanMs: number
  readonly #firstMs: number
  readonly #total: number | undefined
  readonly #durationMs: number | undefined
  readonly #startMs: number
  readonly #stepMs: number
  #batchMs = 0

  /**
   * @param startMs wall time at the start of the run
   * @param spanMs width of the window that ends at startMs
   * @param total records expected in the run, when known
   * @param durationMs run length, when the run is time-bound
   * @param windowEndMs end of the window (default startMs)
   */
  constructor(
    startMs: number,
    spanMs: number,
    total: number | undefined,
    durationMs: number | undefined,
    windowEndMs: number = startMs,
  ) {
    this.#spanMs = spanMs
    this.#startMs = startMs
    this.#firstMs = windowEndMs - spanMs
    this.#total = total !== undefined && total > 0 ? total : undefined
    this.#durationMs = durationMs
    // step as a float: seq * span would lose precision past 2^53 on long runs
    this.#stepMs = this.#total === undefined ? 0 : spanMs / this.#total
  }

  /** Call once per batch, before {@link at}, with the current wall time. */
  beginBatch(nowMs: number): void {
    if (this.#spanMs === 0) {
      this.#batchMs = nowMs
    } else if (this.#total === undefined) {
      const elapsedMs = nowMs - this.#startMs
      const fraction = this.#durationMs ? Math.min(1, elapsedMs / this.#durationMs) : 0
      this.#batchMs = Math.min(
        this.#firstMs + this.#spanMs - 1,
        this.#firstMs + Math.floor(this.#spanMs * Math.max(0, fraction)),
      )
    }
  }

  /** Event time of record `seq` (epoch ms). */
  at(seq: number): number {
    if (this.#spanMs === 0 || this.#total === undefined) return this.#batchMs
    if (seq >= this.#total) return this.#firstMs + this.#spanMs - 1
    return this.#firstMs + Math.floor(seq * this.#stepMs)
  }
}
