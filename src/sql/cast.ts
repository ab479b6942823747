/**
 * CAST with Spark 3.5's non-ANSI semantics (spark.sql.ansi.enabled=false, the default): values
 * that do not convert become null rather than errors. Also the cast to STRING that Spark applies
 * to partition values.
 */
import { javaDoubleToString, javaFloatToString } from './java-number.js'
import { javaUtf8 } from './java-utf8.js'
import { type TimestampFormatter, formatDate } from './time-format.js'
import { parseDate, parseTimestamp } from './time-parse.js'
import { DAY_MS } from './time-zone.js'
import { type DataType, isComplex } from './types.js'

/** Non-null value → its CAST(... AS STRING) text. */
export type ToString = (v: unknown) => string

export function castToString(t: DataType, ts: TimestampFormatter): ToString {
  switch (t.kind) {
    case 'string':
      return (v) => v as string
    case 'boolean':
      return (v) => (v ? 'true' : 'false')
    case 'float':
      return (v) => javaFloatToString(v as number)
    case 'double':
      return (v) => javaDoubleToString(v as number)
    case 'timestamp':
      return (v) => ts.cast(v as number)
    case 'date':
      return (v) => formatDate(v as number)
    case 'binary':
      return (v) => {
        const u = v as Uint8Array
        return javaUtf8(Buffer.from(u.buffer, u.byteOffset, u.byteLength), 0, u.byteLength)
      }
    case 'array': {
      const e = castToString(t.element, ts)
      return (v) => '[' + (v as unknown[]).map((x) => (x === null ? 'null' : e(x))).join(', ') + ']'
    }
    case 'map': {
      const k = castToString(t.key, ts)
      const w = castToString(t.value, ts)
      return (v) => {
        const a = v as unknown[]
        const parts: string[] = []
        for (let i = 0; i < a.length; i += 2) parts.push(k(a[i]) + ' -> ' + (a[i + 1] === null ? 'null' : w(a[i + 1])))
        return '{' + parts.join(', ') + '}'
      }
    }
    case 'struct': {
      const fs = t.fields.map((f) => castToString(f.type, ts))
      return (v) => '{' + (v as unknown[]).map((x, i) => (x === null ? 'null' : fs[i]!(x))).join(', ') + '}'
    }
    default:
      // integers (number or bigint) and decimals (plain strings)
      return (v) => String(v)
  }
}

export const CAST_TARGETS: Record<string, DataType> = {
  STRING: { kind: 'string' },
  BIGINT: { kind: 'bigint' },
  LONG: { kind: 'bigint' },
  INT: { kind: 'int' },
  INTEGER: { kind: 'int' },
  DOUBLE: { kind: 'double' },
  BOOLEAN: { kind: 'boolean' },
  TIMESTAMP: { kind: 'timestamp' },
  DATE: { kind: 'date' },
}

const INTEGRAL = new Set(['tinyint', 'smallint', 'int', 'bigint'])
const NUMERIC = new Set(['tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'decimal'])

/** Java's `(long) d` / `(int) d`: truncate toward zero, saturate, NaN → 0. */
function saturate(d: number, min: number, max: number): number {
  if (Number.isNaN(d)) return 0
  if (d <= min) return min
  if (d >= max) return max
  return Math.trunc(d) || 0
}

/** Two's-complement narrowing of an integer to `bits` (Scala's `.toInt` on a Long). */
function wrap(v: number | bigint, bits: 32 | 64): number | bigint {
  const w = BigInt.asIntN(bits, BigInt(v))
  const n = Number(w)
  return Number.isSafeInteger(n) ? n : w
}

const INT_TEXT = /^[+-]?\d+(?:\.\d*)?$/

function stringToIntegral(s: string, bits: 32 | 64): number | bigint | null {
  const t = s.trim()
  if (!INT_TEXT.test(t)) return null
  const dot = t.indexOf('.')
  const b = BigInt(dot < 0 ? t : t.slice(0, dot) || '0')
  if (BigInt.asIntN(bits, b) !== b) return null
  const n = Number(b)
  return Number.isSafeInteger(n) ? n : b
}

function stringToDouble(s: string): number | null {
  const t = s.trim()
  switch (t.toLowerCase()) {
    case 'nan':
      return Number.NaN
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?$/.test(t)) return null
  return Number(t.replace(/[dDfF]$/, ''))
}

const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', '1'])
const FALSE_TEXT = new Set(['f', 'false', 'n', 'no', '0'])

/**
 * `(v) => cast value` for a non-null input of type `from` cast to `to`, or a string explaining
 * why Spark would refuse the cast at analysis time.
 */
export function castFunction(from: DataType, to: DataType, ts: TimestampFormatter): ((v: unknown) => unknown) | string {
  const f = from.kind
  if (to.kind === 'string') return castToString(from, ts)
  if (f === to.kind) return (v) => v
  if (isComplex(from) || f === 'binary') return `cannot cast ${f.toUpperCase()} to ${to.kind.toUpperCase()}`
  switch (to.kind) {
    case 'bigint':
    case 'int': {
      const bits = to.kind === 'bigint' ? 64 : 32
      const min = bits === 64 ? -(2 ** 63) : -2147483648
      const max = bits === 64 ? 2 ** 63 : 2147483647
      if (f === 'string') return (v) => stringToIntegral(v as string, bits)
      if (f === 'boolean') return (v) => (v ? 1 : 0)
      if (INTEGRAL.has(f)) return (v) => wrap(v as number | bigint, bits)
      if (f === 'float' || f === 'double') {
        if (bits === 64) {
          return (v) => {
            const d = v as number
            if (Math.abs(d) < 2 ** 53) return saturate(d, min, max)
            if (Number.isNaN(d)) return 0
            return d >= 2 ** 63 ? 2n ** 63n - 1n : d <= -(2 ** 63) ? -(2n ** 63n) : BigInt(d)
          }
        }
        return (v) => saturate(v as number, min, max)
      }
      if (f === 'decimal') {
        return (v) => {
          const s = v as string
          const dot = s.indexOf('.')
          return wrap(BigInt(dot < 0 ? s : s.slice(0, dot)), bits)
        }
      }
      if (f === 'timestamp') return (v) => wrap(Math.floor((v as number) / 1e6), bits)
      return () => null // date → numeric is null in Spark 3.5 non-ANSI
    }
    case 'double': {
      if (f === 'string') return (v) => stringToDouble(v as string)
      if (f === 'boolean') return (v) => (v ? 1 : 0)
      if (NUMERIC.has(f)) return (v) => Number(v)
      if (f === 'timestamp') return (v) => (v as number) / 1e6
      return () => null
    }
    case 'boolean': {
      if (f === 'string') {
        return (v) => {
          const t = (v as string).trim().toLowerCase()
          return TRUE_TEXT.has(t) ? true : FALSE_TEXT.has(t) ? false : null
        }
      }
      if (f === 'decimal') return (v) => /[1-9]/.test(v as string)
      if (NUMERIC.has(f) || f === 'timestamp') return (v) => v !== 0 && v !== 0n
      return () => null
    }
    case 'timestamp': {
      if (f === 'string') return (v) => parseTimestamp(v as string, ts.zone)
      if (f === 'date') return (v) => ts.zone.localToUtcMs((v as number) * DAY_MS) * 1000
      if (f === 'boolean') return (v) => (v ? 1 : 0)
      if (INTEGRAL.has(f)) {
        return (v) => {
          const us = Number(v) * 1e6
          return Number.isSafeInteger(us) ? us : null
        }
      }
      if (f === 'float' || f === 'double' || f === 'decimal') {
        return (v) => {
          const d = Number(v)
          return Number.isFinite(d) ? Math.floor(d * 1e6) : null
        }
      }
      return `cannot cast ${f.toUpperCase()} to TIMESTAMP`
    }
    case 'date': {
      if (f === 'string') return (v) => parseDate(v as string)
      if (f === 'timestamp') return (v) => ts.localDay(v as number)
      return `cannot cast ${f.toUpperCase()} to DATE`
    }
  }
  return `cannot cast ${f.toUpperCase()} to ${to.kind.toUpperCase()}`
}
