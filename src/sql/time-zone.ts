/**
 * Session time zones without per-record Intl calls. A zone's UTC offset is looked up once per
 * 15-minute UTC slot (every modern tz transition falls on a quarter hour; historic local-mean-time
 * changes may be off by minutes inside one slot) and cached; fields are then pure arithmetic.
 * Fixed zones (`UTC`, `+09:00`, `GMT-5`) never touch Intl.
 */
import { SluiceError } from '../errors.js'

const SLOT_MS = 15 * 60 * 1000
const DAY_MS = 86_400_000
const MAX_CACHE = 65_536

const FIXED = /^(?:Z|UTC|GMT|UT)?(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/i

export class ZoneRules {
  readonly name: string
  readonly #fixedMs: number | null
  readonly #dtf: Intl.DateTimeFormat | null
  readonly #cache = new Map<number, number>()
  #lastSlot = Number.NaN
  #lastOffset = 0

  constructor(name: string) {
    this.name = name
    const m = name === '' ? null : FIXED.exec(name)
    if (m !== null) {
      const sign = m[1] === '-' ? -1 : 1
      const h = Number(m[2] ?? 0)
      const mi = Number(m[3] ?? 0)
      const s = Number(m[4] ?? 0)
      if (h > 18 || mi > 59 || s > 59) throw zoneError(name, 'the offset is out of range (max ±18:00)')
      this.#fixedMs = sign * (h * 3600 + mi * 60 + s) * 1000
      this.#dtf = null
      return
    }
    this.#fixedMs = null
    try {
      this.#dtf = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch (cause) {
      throw zoneError(name, 'it is not a known IANA time zone', cause)
    }
  }

  get isFixed(): boolean {
    return this.#fixedMs !== null
  }

  /** UTC offset in milliseconds at the instant `utcMs`. */
  offsetMs(utcMs: number): number {
    if (this.#fixedMs !== null) return this.#fixedMs
    const slot = Math.floor(utcMs / SLOT_MS)
    if (slot === this.#lastSlot) return this.#lastOffset
    let off = this.#cache.get(slot)
    if (off === undefined) {
      off = this.#compute(slot * SLOT_MS)
      if (this.#cache.size >= MAX_CACHE) this.#cache.clear()
      this.#cache.set(slot, off)
    }
    this.#lastSlot = slot
    this.#lastOffset = off
    return off
  }

  #compute(utcMs: number): number {
    const parts = this.#dtf!.formatToParts(new Date(utcMs))
    let y = 0
    let mo = 0
    let d = 0
    let h = 0
    let mi = 0
    let s = 0
    for (const p of parts) {
      switch (p.type) {
        case 'year':
          y = Number(p.value)
          break
        case 'month':
          mo = Number(p.value)
          break
        case 'day':
          d = Number(p.value)
          break
        case 'hour':
          h = Number(p.value)
          break
        case 'minute':
          mi = Number(p.value)
          break
        case 'second':
          s = Number(p.value)
          break
      }
    }
    const local = civilToDays(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000
    return local - (utcMs - (((utcMs % 1000) + 1000) % 1000))
  }

  /**
   * The instant of a local wall-clock time, resolved like Java's `ZonedDateTime.of`: in an
   * overlap the earlier offset wins; in a gap the time moves forward by the gap's length.
   */
  localToUtcMs(localMs: number): number {
    if (this.#fixedMs !== null) return localMs - this.#fixedMs
    const before = this.offsetMs(localMs - DAY_MS)
    const after = this.offsetMs(localMs + DAY_MS)
    if (before === after) return localMs - before
    if (this.offsetMs(localMs - before) === before) return localMs - before
    if (this.offsetMs(localMs - after) === after) return localMs - after
    return localMs - before
  }
}

function zoneError(name: string, why: string, cause?: unknown): SluiceError {
  return new SluiceError(
    'SLUICE_CONFIG_TIMEZONE',
    `timeZone '${name}' cannot be used: ${why}. Set timeZone (spark.sql.session.timeZone) to an ` +
      `IANA name such as "UTC", "Asia/Seoul" or "America/New_York", or a fixed offset like "+09:00".`,
    { cause, details: { timeZone: name } },
  )
}

const zones = new Map<string, ZoneRules>()

/** The shared rules of a zone (validated; throws SLUICE_CONFIG_TIMEZONE). */
export function getZone(name: string): ZoneRules {
  let z = zones.get(name)
  if (z === undefined) {
    z = new ZoneRules(name)
    zones.set(name, z)
  }
  return z
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function civilToDays(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** Scratch result of {@link daysToCivil}: reused, read it before the next call. */
export const civil = { year: 0, month: 0, day: 0 }

/** Fills {@link civil} with the date of `days` since 1970-01-01 (civil_from_days). */
export function daysToCivil(days: number): void {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  civil.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
  civil.month = m
  civil.day = d
}

export { DAY_MS }
