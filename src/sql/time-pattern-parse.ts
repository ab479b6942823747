/**
 * Parsing strings with a Spark datetime pattern: from_json's `timestampFormat` and `dateFormat`,
 * as Spark 3.5 parses them under its new (non-legacy) parser, i.e. Java's DateTimeFormatter built
 * by Spark's DateTimeFormatterHelper:
 * - case-insensitive (`parseCaseInsensitive`), strict parsing: the whole string must match;
 * - numeric fields: one letter is a variable width (`d` reads "5" and "05"), two letters exactly
 *   two digits (`dd`); `yyyy` exactly four digits (more only after a '+', EXCEEDS_PAD), `yy` two
 *   digits in 2000-2099; a variable field directly followed by fixed-width fields leaves them
 *   their digits (adjacent value parsing: `yyyyMMdd`);
 * - `S...S` is a fraction of 1 to that many digits (Spark's variable-length second fraction),
 *   cut to microseconds;
 * - `MMM`/`MMMM` month names in English, `a` AM/PM; `E` and `F` are refused, as Spark 3.5
 *   refuses them for parsing (only date_format prints them);
 * - `X`/`XX`/`XXX` offsets (+HHmm, +HHMM, +HH:MM, or Z), `x`... the same with +00 for zero,
 *   `Z`/`ZZ`/`ZZZ` +HHMM, `VV` a zone id;
 * - `[...]` optional sections;
 * - resolution (Spark's toLocalDate/toLocalTime, ResolverStyle.STRICT): missing fields default to
 *   1970-01-01 00:00:00; `h` without `a` is AM; `a` alone is 00:00 or 12:00; an impossible date
 *   (2025-02-30) does not parse; a timestamp without
 *   an offset or zone in the pattern is read in the session zone (gap: moved forward; overlap:
 *   the earlier offset, as ZonedDateTime.of).
 * A string that does not parse gives null; the caller decides what that means (from_json: the
 * field is null and the record corrupt).
 */
import {
  MONTH_NAMES,
  type FieldToken,
  type PatternToken,
  WEEK_BASED_LETTERS,
  isTimeLetter,
  isZoneLetter,
  tokenizePattern,
} from './time-pattern.js'
import { DAY_MS, type ZoneRules, civilToDays, getZone } from './time-zone.js'

/** Scratch fields of one parse (NaN: not parsed). */
interface Fields {
  year: number
  month: number
  day: number
  hour: number
  hour12: number
  ampm: number
  minute: number
  second: number
  micros: number
  offsetMs: number
  zone: ZoneRules | null
}

type Matcher = (s: string, pos: number, f: Fields) => number

const PARSE_LETTERS =
  'y yy yyyy, M MM MMM MMMM (and L), d dd, H HH, h hh, m mm, s ss, S to SSSSSSSSS, a, X XX XXX, x xx xxx, Z ZZ ZZZ, VV'

function newFields(): Fields {
  return {
    year: Number.NaN,
    month: Number.NaN,
    day: Number.NaN,
    hour: Number.NaN,
    hour12: Number.NaN,
    ampm: Number.NaN,
    minute: Number.NaN,
    second: Number.NaN,
    micros: Number.NaN,
    offsetMs: Number.NaN,
    zone: null,
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function digitsAt(s: string, pos: number, max: number): number {
  let n = 0
  while (n < max && isDigit(s.charCodeAt(pos + n))) n++
  return n
}

type NumField = 'year' | 'month' | 'day' | 'hour' | 'hour12' | 'minute' | 'second'

/** The width a token takes when it is fixed-width numeric (adjacent value parsing), else 0. */
function fixedWidth(t: PatternToken): number {
  if (typeof t === 'string' || 'optional' in t) return 0
  if (t.letter === 'y') return t.count === 2 ? 2 : 0
  if ('MLdHhms'.includes(t.letter)) return t.count === 2 ? 2 : 0
  return 0
}

/** A numeric field: `min`..`max` digits, less what the adjacent fixed-width fields reserve. */
function numberMatcher(field: NumField, min: number, max: number, reserved: number, exceedsPad: boolean): Matcher {
  const signed = field === 'year' && (exceedsPad || min !== max)
  return (s, pos, f) => {
    let p = pos
    let sign = 0
    if (signed) {
      const c = s[p]
      if (c === '-') sign = -1
      else if (c === '+' && exceedsPad) sign = 1
      if (sign !== 0) p++
    }
    let n = digitsAt(s, p, max + reserved)
    if (reserved > 0) n = Math.max(min, n - reserved)
    if (n < min || digitsAt(s, p, n) < n) return -1
    if (exceedsPad && sign === 0 && n > min) return -1
    if (exceedsPad && sign === 1 && n <= min) return -1
    let v = Number(s.slice(p, p + n))
    if (sign === -1) {
      if (v === 0) return -1
      v = -v
    }
    f[field] = v
    return p + n
  }
}

function textMatcher(names: string[], set: (f: Fields, i: number) => void): Matcher {
  const lower = names.map((n) => n.toLowerCase())
  return (s, pos, f) => {
    for (let i = 0; i < lower.length; i++) {
      const n = lower[i]!
      if (s.slice(pos, pos + n.length).toLowerCase() === n) {
        set(f, i)
        return pos + n.length
      }
    }
    return -1
  }
}

/**
 * An offset: `style` 1 = +HH[mm], 2 = +HHMM, 3 = +HH:MM; `zero` the text for a zero offset
 * ("Z" for X, else the numeric form, which parses anyway).
 */
function offsetMatcher(style: 1 | 2 | 3, zero: string): Matcher {
  return (s, pos, f) => {
    if (zero === 'Z' && (s[pos] === 'Z' || s[pos] === 'z')) {
      f.offsetMs = 0
      return pos + 1
    }
    const c = s[pos]
    if (c !== '+' && c !== '-') return -1
    let p = pos + 1
    if (digitsAt(s, p, 2) < 2) return -1
    const h = Number(s.slice(p, p + 2))
    p += 2
    let m = 0
    if (style === 3) {
      if (s[p] !== ':' || digitsAt(s, p + 1, 2) < 2) return -1
      m = Number(s.slice(p + 1, p + 3))
      p += 3
    } else if (digitsAt(s, p, 2) === 2) {
      m = Number(s.slice(p, p + 2))
      p += 2
    } else if (style === 2) return -1
    if (h > 18 || m > 59 || (h === 18 && m > 0)) return -1
    f.offsetMs = (c === '-' ? -1 : 1) * (h * 60 + m) * 60_000
    return p
  }
}

const ZONE_ID = /^[A-Za-z0-9~/._+\-:]+/

function zoneIdMatcher(): Matcher {
  return (s, pos, f) => {
    const m = ZONE_ID.exec(s.slice(pos))
    if (m === null) return -1
    // Greedy, then shorter: the id may be followed by literal text that zone ids can contain.
    for (let n = m[0].length; n > 0; n--) {
      try {
        f.zone = getZone(m[0].slice(0, n))
        return pos + n
      } catch {
        // not a zone: try a shorter prefix
      }
    }
    return -1
  }
}

function literalMatcher(text: string): Matcher {
  const lower = text.toLowerCase()
  return (s, pos) => (s.slice(pos, pos + text.length).toLowerCase() === lower ? pos + text.length : -1)
}

function fractionMatcher(count: number): Matcher {
  return (s, pos, f) => {
    const n = digitsAt(s, pos, count)
    if (n === 0) return -1
    f.micros = Number((s.slice(pos, pos + Math.min(n, 6)) + '00000').slice(0, 6))
    return pos + n
  }
}

/**
 * The matcher of one field token. Over 80 lines would be one case per letter; it is split by
 * kind (numbers, text, offsets) in the helpers above.
 */
function fieldMatcher(t: FieldToken, reserved: number, fail: (why: string) => never): Matcher {
  const { letter, count } = t
  const bad = (): never => fail(`pattern letter(s) '${letter.repeat(count)}' at position ${t.at} cannot be parsed`)
  switch (letter) {
    case 'y':
      if (count === 2) {
        return (s, pos, f) => {
          if (digitsAt(s, pos, 2) < 2) return -1
          f.year = 2000 + Number(s.slice(pos, pos + 2))
          return pos + 2
        }
      }
      if (count > 6) return bad()
      return numberMatcher('year', count, 10, reserved, count >= 4)
    case 'M':
    case 'L':
      if (count === 3) return textMatcher(MONTH_NAMES.map((n) => n.slice(0, 3)), (f, i) => (f.month = i + 1))
      if (count === 4) return textMatcher(MONTH_NAMES, (f, i) => (f.month = i + 1))
      if (count > 4) return bad()
      return numberMatcher('month', count, count === 2 ? 2 : 10, count === 2 ? 0 : reserved, false)
    case 'd':
    case 'H':
    case 'h':
    case 'm':
    case 's': {
      if (count > 2) return bad()
      const field: NumField = { d: 'day', H: 'hour', h: 'hour12', m: 'minute', s: 'second' }[letter] as NumField
      return numberMatcher(field, count, count === 2 ? 2 : 10, count === 2 ? 0 : reserved, false)
    }
    case 'S':
      if (count > 9) return bad()
      return fractionMatcher(count)
    case 'a':
      if (count !== 1) return bad()
      return textMatcher(['AM', 'PM'], (f, i) => (f.ampm = i))
    case 'E':
    case 'F':
      // Spark 3.5 formats these (date_format) but refuses them for parsing: its query fails with
      // INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION under the EXCEPTION and
      // CORRECTED policies alike (checked against Spark itself: test/spark/datetime-parity.ts).
      return fail(
        `pattern letter '${letter}' at position ${t.at} (${letter === 'E' ? 'day of the week' : 'aligned week of month'}) ` +
          'cannot be used for parsing: Spark 3.5 refuses it too (its query fails with ' +
          'INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION; only its LEGACY parser reads it, which sluice does not implement). ' +
          'Write the pattern without it (values that carry a day name cannot be read with a pattern in Spark 3.5 either)',
      )
    case 'X':
    case 'x':
      if (count > 3) return bad()
      return offsetMatcher(count as 1 | 2 | 3, letter === 'X' ? 'Z' : '')
    case 'Z':
      if (count > 3) return bad()
      return offsetMatcher(2, '')
    case 'V':
      if (count !== 2) return fail(`pattern letter 'V' at position ${t.at} must be written VV (a zone id)`)
      return zoneIdMatcher()
    default:
      if (WEEK_BASED_LETTERS.has(letter)) {
        return fail(`pattern letter '${letter}' at position ${t.at} is week-based, which Spark 3 does not support either`)
      }
      return bad()
  }
}

function sequenceMatcher(tokens: PatternToken[], fail: (why: string) => never): Matcher {
  const matchers: Matcher[] = []
  tokens.forEach((t, i) => {
    if (typeof t === 'string') {
      matchers.push(literalMatcher(t))
      return
    }
    if ('optional' in t) {
      const inner = sequenceMatcher(t.optional, fail)
      const saved = newFields()
      matchers.push((s, pos, f) => {
        Object.assign(saved, f)
        const p = inner(s, pos, f)
        if (p >= 0) return p
        Object.assign(f, saved)
        return pos
      })
      return
    }
    let reserved = 0
    for (let j = i + 1; j < tokens.length; j++) {
      const w = fixedWidth(tokens[j]!)
      if (w === 0) break
      reserved += w
    }
    matchers.push(fieldMatcher(t, reserved, fail))
  })
  return (s, pos, f) => {
    let p = pos
    for (const m of matchers) {
      p = m(s, p, f)
      if (p < 0) return -1
    }
    return p
  }
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Days since the epoch of the parsed date fields (defaults 1970-01-01), or NaN. */
function resolveDate(f: Fields): number {
  const y = Number.isNaN(f.year) ? 1970 : f.year
  const m = Number.isNaN(f.month) ? 1 : f.month
  const d = Number.isNaN(f.day) ? 1 : f.day
  if (m < 1 || m > 12 || d < 1) return Number.NaN
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  if (d > (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!)) return Number.NaN
  const days = civilToDays(y, m, d)
  return days
}

/** Local milliseconds of the day and the microseconds beyond them, or NaN. */
function resolveTimeMs(f: Fields): number {
  let hour: number
  if (!Number.isNaN(f.hour)) {
    if (f.hour > 23) return Number.NaN
    if (!Number.isNaN(f.ampm) && (f.hour >= 12 ? 1 : 0) !== f.ampm) return Number.NaN
    hour = f.hour
  } else if (!Number.isNaN(f.hour12)) {
    if (f.hour12 < 1 || f.hour12 > 12) return Number.NaN
    hour = (f.hour12 % 12) + (f.ampm === 1 ? 12 : 0)
  } else hour = f.ampm === 1 ? 12 : 0
  const minute = Number.isNaN(f.minute) ? 0 : f.minute
  const second = Number.isNaN(f.second) ? 0 : f.second
  if (minute > 59 || second > 59) return Number.NaN
  return ((hour * 60 + minute) * 60 + second) * 1000
}

export interface PatternParser {
  /** Microseconds since the epoch, or null when `s` does not match. */
  timestamp(s: string, session: ZoneRules): number | null
  /** Days since the epoch, or null when `s` does not match. */
  date(s: string): number | null
  /** Whether the pattern reads an offset or zone. */
  readonly hasZone: boolean
  readonly hasTime: boolean
}

/** Compiles a pattern for parsing; `fail` raises the caller's configuration error. */
export function compilePatternParser(pattern: string, fail: (why: string) => never): PatternParser {
  const tokens = tokenizePattern(pattern, fail)
  const match = sequenceMatcher(tokens, fail)
  const letters = pattern.replace(/'[^']*'/g, '')
  const f = newFields()
  const run = (s: string): boolean => {
    Object.assign(f, EMPTY)
    return match(s, 0, f) === s.length
  }
  return {
    hasZone: [...letters].some(isZoneLetter),
    hasTime: [...letters].some(isTimeLetter),
    timestamp(s, session) {
      if (!run(s)) return null
      const days = resolveDate(f)
      const timeMs = resolveTimeMs(f)
      if (Number.isNaN(days) || Number.isNaN(timeMs)) return null
      const localMs = days * DAY_MS + timeMs
      const utcMs = !Number.isNaN(f.offsetMs) ? localMs - f.offsetMs : (f.zone ?? session).localToUtcMs(localMs)
      const us = utcMs * 1000 + (Number.isNaN(f.micros) ? 0 : f.micros)
      return Number.isSafeInteger(us) ? us : null
    },
    date(s) {
      if (!run(s)) return null
      const days = resolveDate(f)
      // Time fields are read and checked (STRICT resolution), then dropped.
      if (Number.isNaN(days) || Number.isNaN(resolveTimeMs(f))) return null
      return days
    },
  }
}

const EMPTY = newFields()

export const PARSE_PATTERN_LETTERS = PARSE_LETTERS
