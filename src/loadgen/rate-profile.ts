/**
 * Target-rate profiles of the load generator (`--rate-profile`): how many records should have
 * been sent t seconds into the run. Every profile is a list of segments whose rate moves linearly
 * from `from` to `to` records/s over `[start, end)`; the last segment may be open-ended.
 *
 *   constant              --rate R for the whole run (R = 0: as fast as possible, no schedule)
 *   step:R1@T1,R2@T2,...  rate Ri from second Ti on (T1 = 0), e.g. step:1000@0,5000@10,500@20
 *   ramp:FROM:TO:SECONDS  linear from FROM to TO records/s over SECONDS, then TO
 *   burst:BASE:PEAK:ON:PERIOD  BASE records/s, PEAK for the first ON seconds of every PERIOD
 *   replay:FILE.csv       a recorded curve: rows `time,rate` (time in seconds from the start,
 *                         epoch seconds/ms or ISO-8601; rate in records/s), each rate held until
 *                         the next row; the last row holds for the median row spacing, and the
 *                         run lasts as long as the curve unless --count/--duration says otherwise
 *
 * {@link RateSchedule.timeFor} inverts the cumulative count: the time at which record n is due.
 */
import { readFileSync } from 'node:fs'
import { SluiceError } from '../errors.js'

/** burst: `base` records/s, `peak` for the first `on` seconds of every `period`. */
export interface BurstShape {
  base: number
  peak: number
  on: number
  period: number
}

export interface Segment {
  /** Seconds from the start of the run. */
  start: number
  /** Exclusive end; Infinity for the open last segment. */
  end: number
  from: number
  to: number
}

function badProfile(spec: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_LOADGEN_BAD_ARG',
    `loadgen --rate-profile: cannot use '${spec}': ${why}; see sluice loadgen --help for the profile syntax`,
    { details: { option: 'rate-profile', spec } },
  )
}

function num(spec: string, raw: string | undefined, what: string, min = 0): number {
  const n = Number(raw)
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < min) {
    throw badProfile(spec, `${what} must be a number >= ${min}, got '${raw ?? ''}'`)
  }
  return n
}

/** A parsed profile: its segments, or null for "as fast as possible". */
export class RateSchedule {
  readonly name: string
  readonly #segments: Segment[]
  /** Records due at each segment's start. */
  readonly #cumulative: number[]
  readonly #period: BurstShape | undefined
  /** The natural length of the profile (replay), when it has one. */
  readonly naturalDurationSec: number | undefined

  constructor(name: string, segments: Segment[], opts: { period?: BurstShape; naturalDurationSec?: number } = {}) {
    this.name = name
    this.#segments = segments
    this.#period = opts.period
    this.naturalDurationSec = opts.naturalDurationSec
    this.#cumulative = []
    let total = 0
    for (const s of segments) {
      this.#cumulative.push(total)
      if (Number.isFinite(s.end)) total += ((s.from + s.to) / 2) * (s.end - s.start)
    }
  }

  get period(): BurstShape | undefined {
    return this.#period
  }

  get segments(): readonly Segment[] {
    return this.#segments
  }

  /** Target rate (records/s) at t seconds. */
  rateAt(t: number): number {
    if (this.#period) {
      const p = this.#period
      return t % p.period < p.on ? p.peak : p.base
    }
    const s = this.#segmentAt(t)
    if (s === undefined) return 0
    if (!Number.isFinite(s.end) || s.end === s.start) return s.to
    return s.from + ((s.to - s.from) * (t - s.start)) / (s.end - s.start)
  }

  /** The highest rate the profile asks for. */
  peakRate(): number {
    if (this.#period) return Math.max(this.#period.peak, this.#period.base)
    return Math.max(0, ...this.#segments.map((s) => Math.max(s.from, s.to)))
  }

  /** Records due by t seconds (the integral of the rate). */
  countBy(t: number): number {
    if (t <= 0) return 0
    if (this.#period) {
      const p = this.#period
      const perPeriod = p.peak * p.on + p.base * (p.period - p.on)
      const whole = Math.floor(t / p.period)
      const rest = t - whole * p.period
      return whole * perPeriod + p.peak * Math.min(rest, p.on) + p.base * Math.max(0, rest - p.on)
    }
    let i = this.#segments.length - 1
    while (i > 0 && this.#segments[i]!.start > t) i--
    const s = this.#segments[i]!
    const dt = Math.min(t, s.end) - s.start
    return this.#cumulative[i]! + this.#within(s, dt)
  }

  /** Seconds from the start at which record number n (0-based) is due; Infinity when never. */
  timeFor(n: number): number {
    if (n <= 0) return 0
    if (this.#period) {
      const p = this.#period
      const perPeriod = p.peak * p.on + p.base * (p.period - p.on)
      if (perPeriod <= 0) return Number.POSITIVE_INFINITY
      const whole = Math.floor(n / perPeriod)
      let rest = n - whole * perPeriod
      const base = whole * p.period
      if (rest <= p.peak * p.on) return base + (p.peak > 0 ? rest / p.peak : 0)
      rest -= p.peak * p.on
      return base + p.on + rest / p.base
    }
    for (let i = 0; i < this.#segments.length; i++) {
      const s = this.#segments[i]!
      const startCount = this.#cumulative[i]!
      const endCount = Number.isFinite(s.end) ? startCount + this.#within(s, s.end - s.start) : Number.POSITIVE_INFINITY
      if (n >= endCount) continue
      const need = n - startCount
      if (!Number.isFinite(s.end) || s.from === s.to) return s.from > 0 ? s.start + need / s.from : Number.POSITIVE_INFINITY
      // from*x + (to-from)*x²/(2d) = need, solved for x >= 0
      const a = (s.to - s.from) / (2 * (s.end - s.start))
      const x = (-s.from + Math.sqrt(s.from * s.from + 4 * a * need)) / (2 * a)
      return s.start + x
    }
    return Number.POSITIVE_INFINITY
  }

  #segmentAt(t: number): Segment | undefined {
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      if (this.#segments[i]!.start <= t) return this.#segments[i]
    }
    return undefined
  }

  #within(s: Segment, dt: number): number {
    if (dt <= 0) return 0
    if (!Number.isFinite(s.end)) return s.to * dt
    const slope = (s.to - s.from) / (s.end - s.start)
    return s.from * dt + (slope * dt * dt) / 2
  }
}

/** Time column of a replay CSV row, in seconds (absolute times are made relative later). */
function parseTime(raw: string): number {
  const t = raw.trim()
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t)
    return n > 1e11 ? n / 1000 : n // epoch milliseconds
  }
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? Number.NaN : ms / 1000
}

/** Parses a replay CSV: `time,rate` rows, an optional header line, `#` comments. */
export function parseReplayCsv(text: string, spec = 'replay'): RateSchedule {
  const rows: { t: number; rate: number }[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('#')) continue
    const [rawT, rawRate] = line.split(/[,;\t]/)
    const t = parseTime(rawT ?? '')
    const rate = Number(rawRate)
    if (Number.isNaN(t) || rawRate === undefined || !Number.isFinite(rate)) {
      if (rows.length === 0 && i === lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'))) continue // header
      throw badProfile(spec, `line ${i + 1} '${line}' is not 'time,rate'`)
    }
    if (rate < 0) throw badProfile(spec, `line ${i + 1}: negative rate ${rate}`)
    if (rows.length > 0 && t <= rows[rows.length - 1]!.t) throw badProfile(spec, `line ${i + 1}: times must increase`)
    rows.push({ t, rate })
  }
  if (rows.length === 0) throw badProfile(spec, 'the file has no time,rate rows')
  const t0 = rows[0]!.t
  const gaps = rows.slice(1).map((r, i) => r.t - rows[i]!.t).sort((a, b) => a - b)
  const last = gaps.length === 0 ? 1 : gaps[Math.floor(gaps.length / 2)]!
  const segments: Segment[] = rows.map((r, i) => {
    const start = r.t - t0
    const end = i + 1 < rows.length ? rows[i + 1]!.t - t0 : start + last
    return { start, end, from: r.rate, to: r.rate }
  })
  const length = segments[segments.length - 1]!.end
  // Past the curve the last rate holds, should --duration or --count ask for more.
  segments.push({ start: length, end: Number.POSITIVE_INFINITY, from: rows[rows.length - 1]!.rate, to: rows[rows.length - 1]!.rate })
  return new RateSchedule('replay', segments, { naturalDurationSec: length })
}

/**
 * Parses `--rate-profile` (with `--rate` for `constant`). Returns null for constant rate 0
 * (as fast as possible). Throws SLUICE_LOADGEN_BAD_ARG naming the problem.
 */
export function parseRateProfile(spec: string, rate: number, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): RateSchedule | null {
  const [kind, ...restParts] = spec.split(':')
  const rest = restParts.join(':')
  const fields = rest === '' ? [] : rest.split(':')
  switch (kind) {
    case 'constant':
      if (rest !== '') return constant(num(spec, rest, 'the rate'))
      return rate > 0 ? constant(rate) : null
    case 'step': {
      const steps = rest.split(',').map((part) => {
        const [r, at] = part.split('@')
        return { rate: num(spec, r, 'a step rate'), at: num(spec, at, 'a step time (RATE@SECONDS)') }
      })
      if (steps.length === 0 || steps[0]!.at !== 0) throw badProfile(spec, 'the first step must start at 0 (RATE@0)')
      for (let i = 1; i < steps.length; i++) {
        if (steps[i]!.at <= steps[i - 1]!.at) throw badProfile(spec, 'step times must increase')
      }
      return new RateSchedule(
        'step',
        steps.map((s, i) => ({ start: s.at, end: steps[i + 1]?.at ?? Number.POSITIVE_INFINITY, from: s.rate, to: s.rate })),
      )
    }
    case 'ramp': {
      if (fields.length !== 3) throw badProfile(spec, 'expected ramp:FROM:TO:SECONDS')
      const [from, to, seconds] = [num(spec, fields[0], 'FROM'), num(spec, fields[1], 'TO'), num(spec, fields[2], 'SECONDS')]
      if (seconds <= 0) throw badProfile(spec, 'SECONDS must be > 0')
      return new RateSchedule('ramp', [
        { start: 0, end: seconds, from, to },
        { start: seconds, end: Number.POSITIVE_INFINITY, from: to, to },
      ])
    }
    case 'burst': {
      if (fields.length !== 4) throw badProfile(spec, 'expected burst:BASE:PEAK:ON_SECONDS:PERIOD_SECONDS')
      const [base, peak, on, period] = fields.map((f, i) => num(spec, f, ['BASE', 'PEAK', 'ON_SECONDS', 'PERIOD_SECONDS'][i]!)) as [number, number, number, number]
      if (period <= 0 || on > period) throw badProfile(spec, 'need 0 <= ON_SECONDS <= PERIOD_SECONDS and PERIOD_SECONDS > 0')
      if (base === 0 && (peak === 0 || on === 0)) throw badProfile(spec, 'the profile never sends a record')
      return new RateSchedule('burst', [], { period: { base, peak, on, period } })
    }
    case 'replay': {
      if (rest === '') throw badProfile(spec, 'expected replay:FILE.csv')
      let text: string
      try {
        text = readFile(rest)
      } catch (err) {
        throw badProfile(spec, `cannot read '${rest}': ${(err as Error).message}`)
      }
      return parseReplayCsv(text, spec)
    }
    default:
      throw badProfile(spec, `unknown profile '${kind}'; use constant, step, ramp, burst or replay`)
  }
}

function constant(rate: number): RateSchedule {
  return new RateSchedule('constant', [{ start: 0, end: Number.POSITIVE_INFINITY, from: rate, to: rate }])
}
