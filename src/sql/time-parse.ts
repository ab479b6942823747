/**
 * Strings to TIMESTAMP (µs since the epoch) and DATE (days), following Spark's lenient
 * `DateTimeUtils.stringToTimestamp` / `stringToDate` (which from_json falls back to after its
 * default `yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]` format):
 *   yyyy | yyyy-[m]m | yyyy-[m]m-[d]d | yyyy-[m]m-[d]d[T ][h]h:[m]m[:[s]s[.fraction]][zone]
 * zone: Z | UTC | GMT | UT | ±h[h][[:]mm[[:]ss]] | (UTC|GMT|UT)±h[h][:mm] | Region/City.
 * A string without a zone is read in the session zone. Fractions beyond microseconds are cut.
 */
import { DAY_MS, type ZoneRules, civilToDays, getZone } from './time-zone.js'

const TS =
  /^\s*([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ](?:(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2}){0,2}|(?:UTC|GMT|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)+)?\s*$/

const DATE = /^\s*([+-]?\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:(?:[T ].*)|\s*)$/s

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  return d <= (m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!)
}

/** Microseconds since the epoch, or `null` when the string is not a timestamp. */
export function parseTimestamp(s: string, session: ZoneRules): number | null {
  const m = TS.exec(s)
  if (m === null) return null
  const y = Number(m[1])
  const mo = m[2] === undefined ? 1 : Number(m[2])
  const d = m[3] === undefined ? 1 : Number(m[3])
  if (!validDate(y, mo, d)) return null
  const h = m[4] === undefined ? 0 : Number(m[4])
  const mi = m[5] === undefined ? 0 : Number(m[5])
  const sec = m[6] === undefined ? 0 : Number(m[6])
  if (h > 23 || mi > 59 || sec > 59) return null
  const fracText = m[7] ?? ''
  const fracUs = fracText === '' ? 0 : Number((fracText + '00000').slice(0, 6))
  const localMs = civilToDays(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + sec) * 1000
  let utcMs: number
  const zoneText = m[8]
  if (zoneText === undefined) {
    utcMs = session.localToUtcMs(localMs)
  } else {
    let zone: ZoneRules
    try {
      zone = getZone(zoneText)
    } catch {
      return null
    }
    utcMs = zone.localToUtcMs(localMs)
  }
  return utcMs * 1000 + fracUs
}

/** Days since the epoch, or `null` when the string is not a date. */
export function parseDate(s: string): number | null {
  const m = DATE.exec(s)
  if (m === null) return null
  const y = Number(m[1])
  const mo = m[2] === undefined ? 1 : Number(m[2])
  const d = m[3] === undefined ? 1 : Number(m[3])
  if (!validDate(y, mo, d)) return null
  return civilToDays(y, mo, d)
}
