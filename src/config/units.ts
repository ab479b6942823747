/**
 * Durations and byte sizes as Spark users write them.
 *
 * duration := ["interval"] component+ | integer            (a bare integer is milliseconds)
 * component := number [ws] unit [ws]
 * unit := ms | milli(s) | millisecond(s) | s | sec(s) | second(s) | m | min(s) | minute(s)
 *       | h | hr(s) | hour(s) | d | day(s)                   (case-insensitive)
 *
 * This covers both Spark spellings: Utils.timeStringAsMs (`15m`, `30s`, used by maxTriggerDelay)
 * and the CalendarInterval strings of `trigger(processingTime='2 seconds')`.
 *
 * bytes := number [ws] unit | integer                     (a bare integer is bytes)
 * unit := b | k | kb | kib | m | mb | mib | g | gb | gib | t | tb | tib (case-insensitive)
 *
 * Like Spark's JavaUtils.byteStringAs, `kb`/`mb`/`gb` are binary multiples (1 MB = 1,048,576 B).
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
}

const COMPONENT = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/y

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input >= 0 ? input : undefined
  }
  let text = input.trim().toLowerCase()
  if (text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text)
  if (text.startsWith('interval ')) text = text.slice('interval '.length).trimStart()
  COMPONENT.lastIndex = 0
  let total = 0
  let matched = 0
  while (COMPONENT.lastIndex < text.length) {
    const m = COMPONENT.exec(text)
    if (m === null) return undefined
    const unit = DURATION_UNITS[m[2]!]
    if (unit === undefined) return undefined
    total += Number(m[1]) * unit
    matched++
  }
  if (matched === 0) return undefined
  const ms = Math.round(total)
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** Bytes, or undefined when the text is not a size. */
export function parseBytes(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input >= 0 ? input : undefined
  }
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(input.trim().toLowerCase())
  if (m === null) return undefined
  const unit = m[2] === '' ? 1 : BYTE_UNITS[m[2]!]
  if (unit === undefined) return undefined
  const bytes = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

/** `2000` → `2 seconds`-style text for docs and messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

export function formatBytes(n: number): string {
  if (n % 1024 ** 3 === 0 && n > 0) return `${n / 1024 ** 3} GiB`
  if (n % 1024 ** 2 === 0 && n > 0) return `${n / 1024 ** 2} MiB`
  if (n % 1024 === 0 && n > 0) return `${n / 1024} KiB`
  return `${n} B`
}
