/**
 * Rendering timestamps (microseconds since the epoch) and dates (days since the epoch) the way
 * Spark does, in a session zone, with per-second / per-unit string caches so that a batch of
 * records from the same second or hour formats with a compare and a concat.
 */
import { SluiceError } from '../errors.js'
import { DAY_NAMES as DAYS, MONTH_NAMES as MONTHS, type PatternToken, tokenizePattern } from './time-pattern.js'
import { DAY_MS, type ZoneRules, civil, daysToCivil, getZone } from './time-zone.js'

const DAY_US = DAY_MS * 1000

export function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n
}

export function pad3(n: number): string {
  return n < 10 ? '00' + n : n < 100 ? '0' + n : '' + n
}

function padN(n: number, width: number): string {
  let s = '' + n
  while (s.length < width) s = '0' + s
  return s
}

/** Java `yyyy`: 4-digit padded, '+' beyond 9999, year-of-era for year <= 0. */
function year4(y: number): string {
  if (y <= 0) y = 1 - y
  return y > 9999 ? '+' + y : padN(y, 4)
}

/** yyyy-MM-dd of a day number (Spark's date rendering). */
export function formatDate(days: number): string {
  daysToCivil(days)
  return year4(civil.year) + '-' + pad2(civil.month) + '-' + pad2(civil.day)
}

/** `XXX`: 'Z' for zero, else ±HH:MM (seconds of historic offsets dropped, as Java does). */
export function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z'
  const neg = offsetMs < 0
  const mins = Math.floor((neg ? -offsetMs : offsetMs) / 60000)
  return (neg ? '-' : '+') + pad2(Math.floor(mins / 60)) + ':' + pad2(mins % 60)
}

/**
 * Timestamp renderings in one zone. One instance per projection (its caches are per call site).
 */
export class TimestampFormatter {
  readonly zone: ZoneRules
  #jsonSecond = Number.NaN
  #jsonPrefix = ''
  #jsonOffset = Number.NaN
  #jsonOffsetText = ''
  #castSecond = Number.NaN
  #castPrefix = ''

  constructor(zone: ZoneRules) {
    this.zone = zone
  }

  /** Fills {@link civil} and returns the local seconds-of-day for local epoch seconds. */
  #dateTimePrefix(localSec: number, sep: string): string {
    const days = Math.floor(localSec / 86400)
    const sod = localSec - days * 86400
    daysToCivil(days)
    const h = Math.floor(sod / 3600)
    const mi = Math.floor((sod - h * 3600) / 60)
    const s = sod - h * 3600 - mi * 60
    return (
      year4(civil.year) + '-' + pad2(civil.month) + '-' + pad2(civil.day) + sep + pad2(h) + ':' + pad2(mi) + ':' + pad2(s)
    )
  }

  /** `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`: Spark's JSON timestampFormat. */
  json(us: number): string {
    const ms = Math.floor(us / 1000)
    const off = this.zone.offsetMs(ms)
    const local = ms + off
    const sec = Math.floor(local / 1000)
    if (sec !== this.#jsonSecond) {
      this.#jsonSecond = sec
      this.#jsonPrefix = this.#dateTimePrefix(sec, 'T') + '.'
    }
    if (off !== this.#jsonOffset) {
      this.#jsonOffset = off
      this.#jsonOffsetText = formatOffset(off)
    }
    return this.#jsonPrefix + pad3(local - sec * 1000) + this.#jsonOffsetText
  }

  /** `yyyy-MM-dd HH:mm:ss[.ffffff]`, trailing fraction zeros trimmed: CAST(ts AS STRING). */
  cast(us: number): string {
    const ms = Math.floor(us / 1000)
    const localUs = us + this.zone.offsetMs(ms) * 1000
    const sec = Math.floor(localUs / 1e6)
    if (sec !== this.#castSecond) {
      this.#castSecond = sec
      this.#castPrefix = this.#dateTimePrefix(sec, ' ')
    }
    const frac = localUs - sec * 1e6
    if (frac === 0) return this.#castPrefix
    return this.#castPrefix + '.' + padN(frac, 6).replace(/0+$/, '')
  }

  /** Local calendar day of an instant (CAST(ts AS DATE)). */
  localDay(us: number): number {
    const ms = Math.floor(us / 1000)
    return Math.floor((ms + this.zone.offsetMs(ms)) / DAY_MS)
  }
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` of epoch milliseconds in `tz`. */
export function formatTimestamp(ms: number, tz: string): string {
  return new TimestampFormatter(getZone(tz)).json(ms * 1000)
}

type Part = string | { letter: string; count: number }

const SUPPORTED_PATTERN =
  "y yyyy yy M MM MMM MMMM d dd H HH h hh m mm s ss S SS SSS a E EEE EEEE X XX XXX x xx xxx Z ZZ ZZZ VV, [optional sections], 'quoted text', and non-letters"

/** Unit (µs) each letter needs; the formatter caches one string per unit of the finest letter. */
const UNIT_US: Record<string, number> = {
  y: DAY_US,
  M: DAY_US,
  L: DAY_US,
  d: DAY_US,
  E: DAY_US,
  a: 3.6e9,
  H: 3.6e9,
  h: 3.6e9,
  m: 6e7,
  s: 1e6,
}

function supported(c: string, count: number): boolean {
  return (
    (c === 'y' && count <= 4) ||
    ((c === 'M' || c === 'L') && count <= 4) ||
    ((c === 'd' || c === 'H' || c === 'h' || c === 'm' || c === 's') && count <= 2) ||
    (c === 'S' && count <= 6) ||
    (c === 'a' && count === 1) ||
    (c === 'E' && count <= 4) ||
    ((c === 'X' || c === 'x' || c === 'Z') && count <= 3) ||
    (c === 'V' && count === 2)
  )
}

/** The pattern's parts; optional sections print their contents (every field is available). */
function parsePattern(pattern: string, fail: (why: string) => never): Part[] {
  const parts: Part[] = []
  const walk = (tokens: PatternToken[]): void => {
    for (const t of tokens) {
      if (typeof t === 'string') parts.push(t)
      else if ('optional' in t) walk(t.optional)
      else {
        if (!supported(t.letter, t.count)) fail(`pattern letter '${t.letter.repeat(t.count)}' at position ${t.at} is not supported`)
        parts.push({ letter: t.letter === 'L' ? 'M' : t.letter, count: t.count })
      }
    }
  }
  walk(tokenizePattern(pattern, fail))
  return parts
}

/** `X` (zero 'Z') or `x`/`Z` offsets: style 1 +HH[mm], 2 +HHMM, 3 +HH:MM. */
function offsetText(offsetMs: number, letter: string, count: number): string {
  const style = letter === 'Z' ? 2 : count
  if (offsetMs === 0 && letter === 'X') return 'Z'
  const neg = offsetMs < 0
  const mins = Math.floor((neg ? -offsetMs : offsetMs) / 60000)
  const h = pad2(Math.floor(mins / 60))
  const m = pad2(mins % 60)
  const sign = neg ? '-' : '+'
  if (style === 1) return sign + h + (m === '00' ? '' : m)
  return style === 2 ? sign + h + m : sign + h + ':' + m
}

/**
 * Compiles a `date_format` pattern for a zone into `(us) => string`. `fail` raises the
 * configuration error (the caller names the select expression). Over 80 lines on purpose: one
 * case per pattern letter of Spark's DateTimeFormatter, in one switch.
 */
export function compileDateFormat(pattern: string, zone: ZoneRules, fail: (why: string) => never): (us: number) => string {
  const parts = parsePattern(pattern, fail)
  let unit = Number.POSITIVE_INFINITY
  for (const p of parts) {
    if (typeof p === 'string') continue
    const u = p.letter === 'S' ? 10 ** (6 - p.count) : (UNIT_US[p.letter] ?? Number.POSITIVE_INFINITY)
    if (u < unit) unit = u
  }
  const zoned = parts.some((p) => typeof p !== 'string' && (p.letter === 'X' || p.letter === 'x' || p.letter === 'Z'))
  const render = (localUs: number, offsetMs: number): string => {
    const days = Math.floor(localUs / DAY_US)
    const dayUs = localUs - days * DAY_US
    daysToCivil(days)
    const y = civil.year
    const mo = civil.month
    const d = civil.day
    const sod = Math.floor(dayUs / 1e6)
    const h = Math.floor(sod / 3600)
    const mi = Math.floor((sod % 3600) / 60)
    const s = sod % 60
    let out = ''
    for (const p of parts) {
      if (typeof p === 'string') {
        out += p
        continue
      }
      const n = p.count
      switch (p.letter) {
        case 'y': {
          const ye = y <= 0 ? 1 - y : y
          out += n === 2 ? pad2(ye % 100) : n === 4 ? year4(y) : padN(ye, n)
          break
        }
        case 'M':
          out += n === 1 ? '' + mo : n === 2 ? pad2(mo) : n === 3 ? MONTHS[mo - 1]!.slice(0, 3) : MONTHS[mo - 1]!
          break
        case 'd':
          out += n === 1 ? '' + d : pad2(d)
          break
        case 'H':
          out += n === 1 ? '' + h : pad2(h)
          break
        case 'h': {
          const h12 = h % 12 === 0 ? 12 : h % 12
          out += n === 1 ? '' + h12 : pad2(h12)
          break
        }
        case 'm':
          out += n === 1 ? '' + mi : pad2(mi)
          break
        case 's':
          out += n === 1 ? '' + s : pad2(s)
          break
        case 'S':
          out += padN(dayUs % 1e6, 6).slice(0, n)
          break
        case 'a':
          out += h < 12 ? 'AM' : 'PM'
          break
        case 'E': {
          const dow = (((days + 3) % 7) + 7) % 7 // 1970-01-01 was a Thursday (index 3)
          out += n === 4 ? DAYS[dow]! : DAYS[dow]!.slice(0, 3)
          break
        }
        case 'X':
        case 'x':
        case 'Z':
          out += offsetText(offsetMs, p.letter, n)
          break
        case 'V':
          out += zone.name
          break
      }
    }
    return out
  }
  if (unit === Number.POSITIVE_INFINITY && !zoned) {
    const constant = render(0, 0)
    return () => constant
  }
  let lastKey = Number.NaN
  let lastOffset = Number.NaN
  let last = ''
  return (us: number): string => {
    const offsetMs = zone.offsetMs(Math.floor(us / 1000))
    const localUs = us + offsetMs * 1000
    const key = Math.floor(localUs / unit)
    // With an offset letter, the cached text also depends on the offset (a DST day has two).
    if (key !== lastKey || (zoned && offsetMs !== lastOffset)) {
      lastKey = key
      lastOffset = offsetMs
      last = render(localUs, offsetMs)
    }
    return last
  }
}

/** For error messages. */
export function patternError(expr: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_CONFIG_SELECT',
    `select: expression "${expr}": ${why}. Supported date_format pattern letters: ${SUPPORTED_PATTERN}; ` +
      `put literal text in single quotes, e.g. yyyy-MM-dd'T'HH.`,
    { details: { expression: expr } },
  )
}
