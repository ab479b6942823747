/**
 * Per-type conversion of parsed JSON values to Spark values, following Spark 3.5's JacksonParser
 * (from_json). A converter returns the converted value, {@link MISMATCH} (the token does not fit
 * the type: the enclosing top-level field becomes null and the record counts as corrupt, since
 * spark.sql.json.enablePartialResults is false in 3.5), or {@link NEED_EXACT} (JSON.parse's
 * result is ambiguous for this type; re-read the record with the exact reader).
 *
 * Converters accept both readers' values: JSON.parse (plain objects, numbers) and parseExact
 * (Map, RawNumber).
 */
import { SluiceError } from '../errors.js'
import { toDecimal } from './decimal.js'
import { RawNumber, mayHoldFloatLiteral } from './exact-json.js'
import { javaDoubleToString, jsonDouble } from './java-number.js'
import { jsonString } from './json-escape.js'
import { parseDate, parseTimestamp } from './time-parse.js'
import { type PatternParser, compilePatternParser } from './time-pattern-parse.js'
import type { ZoneRules } from './time-zone.js'
import type { DataType, StructField } from './types.js'

export const MISMATCH: unique symbol = Symbol('mismatch')
export const NEED_EXACT: unique symbol = Symbol('need-exact')

export type Converter = (v: unknown) => unknown

/**
 * Per-record reader state (one thread, one record at a time). `partial`: a field of a nested
 * struct did not fit its type; Spark 3.5 keeps that struct with the field null and still counts
 * the record as corrupt (seen with Spark itself, test/spark/from-json-parity.ts).
 */
const state = { text: '', floatLike: -1, exact: false, partial: false }

/** Starts a record: `exact` tells converters which reader produced the values. */
export function beginRecord(text: string, exact: boolean): void {
  state.text = text
  state.floatLike = -1
  state.exact = exact
  state.partial = false
}

/** Whether a nested struct of the current record was filled partially (the record is corrupt). */
export function recordWasPartial(): boolean {
  return state.partial
}

/** The from_json options the converters depend on. */
export interface ConvertOptions {
  /** Also governs the strings "NaN", "Infinity", ... in DOUBLE and FLOAT fields. */
  allowNonNumericNumbers: boolean
  /** Spark datetime pattern for TIMESTAMP strings; absent: Spark's default reading. */
  timestampFormat?: string | undefined
  /** Spark datetime pattern for DATE strings; absent: Spark's default reading. */
  dateFormat?: string | undefined
  /**
   * When a string does not match the pattern, read it as Spark reads it without one. Spark's
   * default: only when the format is not set (JSONOptions.enableDateTimeParsingFallback).
   */
  enableDateTimeParsingFallback?: boolean | undefined
}

const CONVERT_DEFAULTS: ConvertOptions = { allowNonNumericNumbers: true }

function floatLike(): boolean {
  if (state.floatLike < 0) state.floatLike = mayHoldFloatLiteral(state.text) ? 1 : 0
  return state.floatLike === 1
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/
const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype))

/** Reads a field of a plain object without seeing Object.prototype (`constructor`, `__proto__`). */
export function ownGetter(name: string): (o: Record<string, unknown>) => unknown {
  if (PROTO_KEYS.has(name)) return (o) => (Object.hasOwn(o, name) ? o[name] : undefined)
  return (o) => o[name]
}

/** Jackson's text of a value copied into a STRING column (copyCurrentStructure). */
export function jacksonText(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return jsonString(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (v instanceof RawNumber) return v.isInt ? BigInt(v.text).toString() : jsonDouble(Number(v.text))
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : jsonDouble(v)
  if (Array.isArray(v)) {
    let s = '['
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + jacksonText(v[i])
    return s + ']'
  }
  let s = '{'
  let first = true
  const entries = v instanceof Map ? v.entries() : Object.entries(v as object)
  for (const [k, x] of entries) {
    s += (first ? '' : ',') + jsonString(k as string) + ':' + jacksonText(x)
    first = false
  }
  return s + '}'
}

function stringConv(v: unknown): unknown {
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return javaDoubleToString(v)
    if (!Number.isSafeInteger(v) || floatLike()) return NEED_EXACT
    return String(v)
  }
  // Objects and arrays in fast mode: nested numbers and key order need the exact reader.
  if (!state.exact) return NEED_EXACT
  return jacksonText(v)
}

/**
 * Integer fields. TINYINT is Jackson's getByteValue, which accepts -128..255 and wraps 128..255
 * to negative bytes (Spark 3.5: `{"t":128}` → -128); the wider types are range-checked.
 */
function intConv(bits: number): Converter {
  const max = bits === 8 ? 255n : 2n ** BigInt(bits - 1) - 1n
  const min = -(2n ** BigInt(bits - 1))
  const maxN = Number(max)
  const minN = Number(min)
  const wrap = bits === 8 ? (n: number) => (n << 24) >> 24 : (n: number) => n
  return (v) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) return MISMATCH
      if (!Number.isSafeInteger(v) || floatLike()) return NEED_EXACT
      return v < minN || v > maxN ? MISMATCH : v === 0 ? 0 : wrap(v)
    }
    if (v instanceof RawNumber) {
      if (!v.isInt) return MISMATCH
      const b = BigInt(v.text)
      if (b < min || b > max) return MISMATCH
      const n = Number(b)
      return Number.isSafeInteger(n) ? wrap(n) : b
    }
    return MISMATCH
  }
}

function doubleConv(round: (n: number) => number, o: ConvertOptions): Converter {
  const strings = o.allowNonNumericNumbers
  return (v) => {
    if (typeof v === 'number') return round(v)
    if (v instanceof RawNumber) return round(Number(v.text))
    if (typeof v === 'string' && strings) {
      switch (v) {
        case 'NaN':
          return Number.NaN
        case 'Infinity':
        case '+Infinity':
        case '+INF':
          return Number.POSITIVE_INFINITY
        case '-Infinity':
        case '-INF':
          return Number.NEGATIVE_INFINITY
      }
    }
    return MISMATCH
  }
}

function decimalConv(precision: number, scale: number): Converter {
  return (v) => {
    if (typeof v === 'number') return NEED_EXACT
    let text: string
    if (v instanceof RawNumber) text = v.text
    else if (typeof v === 'string' && v.length > 0) text = v.includes(',') ? v.replaceAll(',', '') : v
    else return MISMATCH
    return toDecimal(text, precision, scale) ?? MISMATCH
  }
}

function patternParser(pattern: string, option: string): PatternParser {
  return compilePatternParser(pattern, (why) => {
    throw new SluiceError(
      'SLUICE_CONFIG_VALUE',
      `fromJson.${option} ${JSON.stringify(pattern)} cannot be used: ${why}. Write a Spark datetime pattern such as "yyyy-MM-dd HH:mm:ss".`,
      { details: { option, pattern } },
    )
  })
}

/**
 * TIMESTAMP: a string by the pattern (timestampFormat) or Spark's default reading, an integer as
 * seconds since the epoch (with or without a pattern, as JacksonParser does).
 */
function timestampConv(zone: ZoneRules, o: ConvertOptions): Converter {
  const pattern = o.timestampFormat === undefined ? null : patternParser(o.timestampFormat, 'timestampFormat')
  const fallback = o.enableDateTimeParsingFallback ?? pattern === null
  const fromString = (v: string): unknown => {
    if (v.length === 0) return MISMATCH
    if (pattern !== null) {
      const us = pattern.timestamp(v, zone)
      if (us !== null) return us
      if (!fallback) return MISMATCH
    }
    return parseTimestamp(v, zone) ?? MISMATCH
  }
  return (v) => {
    if (typeof v === 'string') return fromString(v)
    let seconds: number
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) return MISMATCH
      if (!Number.isSafeInteger(v) || floatLike()) return NEED_EXACT
      seconds = v
    } else if (v instanceof RawNumber) {
      if (!v.isInt) return MISMATCH
      seconds = Number(v.text)
    } else return MISMATCH
    const us = seconds * 1e6
    return Number.isSafeInteger(us) ? us : MISMATCH
  }
}

/**
 * Spark's default DATE reading: yyyy-MM-dd and its lenient forms, then, only as the parsing
 * fallback (JacksonParser: not under enableDateTimeParsingFallback false), a day number (Spark 1.5).
 */
function defaultDate(v: string, fallback: boolean): unknown {
  const d = parseDate(v)
  if (d !== null) return d
  // Spark 1.5 stored dates as a day number in a string.
  if (fallback && /^[+-]?\d{1,10}$/.test(v)) {
    const n = Number(v)
    if (n >= -2147483648 && n <= 2147483647) return n
  }
  return MISMATCH
}

function dateConv(o: ConvertOptions): Converter {
  const pattern = o.dateFormat === undefined ? null : patternParser(o.dateFormat, 'dateFormat')
  const fallback = o.enableDateTimeParsingFallback ?? pattern === null
  return (v) => {
    if (typeof v !== 'string' || v.length === 0) return MISMATCH
    if (pattern !== null) {
      const d = pattern.date(v)
      if (d !== null) return d
      if (!fallback) return MISMATCH
    }
    return defaultDate(v, fallback)
  }
}

function binaryConv(v: unknown): unknown {
  if (typeof v !== 'string' || !BASE64.test(v)) return MISMATCH
  return Buffer.from(v, 'base64')
}

function booleanConv(v: unknown): unknown {
  return typeof v === 'boolean' ? v : MISMATCH
}

function arrayConv(element: Converter): Converter {
  return (v) => {
    if (!Array.isArray(v)) return MISMATCH
    const out = new Array<unknown>(v.length)
    for (let i = 0; i < v.length; i++) {
      const e = v[i]
      if (e === null) {
        out[i] = null
        continue
      }
      const r = element(e)
      if (typeof r === 'symbol') return r
      out[i] = r
    }
    return out
  }
}

function mapConv(value: Converter): Converter {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof RawNumber) return MISMATCH
    const out: unknown[] = []
    if (v instanceof Map) {
      for (const [k, x] of v) {
        const r = x === null ? null : value(x)
        if (typeof r === 'symbol') return r
        out.push(k, r)
      }
      return out
    }
    const keys = Object.keys(v)
    for (const k of keys) {
      // JS objects list integer-like keys first; only the exact reader keeps the input order.
      if (ARRAY_INDEX.test(k)) return NEED_EXACT
      const x = (v as Record<string, unknown>)[k]
      const r = x === null ? null : value(x)
      if (typeof r === 'symbol') return r
      out.push(k, r)
    }
    return out
  }
}

function structConv(fields: StructField[], zone: ZoneRules, o: ConvertOptions): Converter {
  const names = fields.map((f) => f.name)
  const getters = names.map(ownGetter)
  const convs = fields.map((f) => makeConverter(f.type, zone, o))
  const n = fields.length
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof RawNumber) return MISMATCH
    const out = new Array<unknown>(n)
    const isMap = v instanceof Map
    for (let i = 0; i < n; i++) {
      const x = isMap ? v.get(names[i]!) : getters[i]!(v as Record<string, unknown>)
      if (x === undefined || x === null) {
        out[i] = null
        continue
      }
      const r = convs[i]!(x)
      if (r === NEED_EXACT) return r
      if (r === MISMATCH) {
        // Spark keeps the struct, with this field null, and marks the record corrupt.
        out[i] = null
        state.partial = true
      } else out[i] = r
    }
    return out
  }
}

/** The converter of one data type (built once per projection). */
export function makeConverter(t: DataType, zone: ZoneRules, o: ConvertOptions = CONVERT_DEFAULTS): Converter {
  switch (t.kind) {
    case 'string':
      return stringConv
    case 'boolean':
      return booleanConv
    case 'tinyint':
      return intConv(8)
    case 'smallint':
      return intConv(16)
    case 'int':
      return intConv(32)
    case 'bigint':
      return intConv(64)
    case 'float':
      return doubleConv(Math.fround, o)
    case 'double':
      return doubleConv((n) => n, o)
    case 'decimal':
      return decimalConv(t.precision, t.scale)
    case 'timestamp':
      return timestampConv(zone, o)
    case 'date':
      return dateConv(o)
    case 'binary':
      return binaryConv
    case 'array':
      return arrayConv(makeConverter(t.element, zone, o))
    case 'map':
      return mapConv(makeConverter(t.value, zone, o))
    case 'struct':
      return structConv(t.fields, zone, o)
  }
}
