/**
 * Produce-latency histogram: log-spaced buckets (5% wide) from 0.05 ms to about 10 minutes, so
 * percentiles are within 5% and histograms of threads and seconds add up by summing counts.
 */
const GROWTH = 1.05
const FIRST_MS = 0.05
const BUCKETS = 340

export class LatencyHistogram {
  readonly counts: number[]
  count = 0
  maxMs = 0
  sumMs = 0

  constructor(counts?: number[]) {
    this.counts = counts ?? new Array<number>(BUCKETS).fill(0)
  }

  record(ms: number): void {
    const i = ms <= FIRST_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_MS) / Math.log(GROWTH)))
    this.counts[i]!++
    this.count++
    this.sumMs += ms
    if (ms > this.maxMs) this.maxMs = ms
  }

  add(other: LatencyHistogramState): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i] ?? 0
    this.count += other.count
    this.sumMs += other.sumMs
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs
  }

  /** The q-quantile (0..1) in ms, the upper edge of its bucket; null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(this.maxMs, FIRST_MS * GROWTH ** i)
    }
    return this.maxMs
  }

  summary(): LatencySummary {
    const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 100) / 100)
    return { requests: this.count, p50: r(this.quantile(0.5)), p99: r(this.quantile(0.99)), max: r(this.count === 0 ? null : this.maxMs) }
  }

  state(): LatencyHistogramState {
    return { counts: [...this.counts], count: this.count, maxMs: this.maxMs, sumMs: this.sumMs }
  }

  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.maxMs = 0
    this.sumMs = 0
  }
}

/** A histogram as plain data (posted between threads). */
export interface LatencyHistogramState {
  counts: number[]
  count: number
  maxMs: number
  sumMs: number
}

/** Latency of produce requests (send → acknowledgement), ms. */
export interface LatencySummary {
  requests: number
  p50: number | null
  p99: number | null
  max: number | null
}
