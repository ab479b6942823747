/**
 * JSON text of Spark values as Spark's JacksonGenerator writes them (the JSON file sink):
 * struct fields in schema order with null fields omitted (ignoreNullFields=true), array elements
 * and map values written as `null` when null, strings escaped like Jackson, timestamps
 * `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in the session zone, dates `yyyy-MM-dd`, binary base64, doubles
 * and floats as Java prints them (non-finite quoted), decimals as Java BigDecimal.toString.
 *
 * The top-level row writer is generated per projection (see projection.ts); this file writes one
 * non-null value of a given type and provides the inline snippets the generator uses.
 */
import { bigDecimalToString } from './decimal.js'
import { jsonDouble, jsonFloat } from './java-number.js'
import { jsonString } from './json-escape.js'
import { type TimestampFormatter, formatDate } from './time-format.js'
import type { DataType } from './types.js'

export type ValueWriter = (v: unknown) => string

/**
 * The JSON writer's options (sink.timestampFormat, sink.dateFormat, sink.ignoreNullFields), as
 * compiled functions; absent: Spark's defaults.
 */
export interface WriterFormats {
  /** The text of a TIMESTAMP (µs), already JSON-quoted. */
  timestamp?: ((us: number) => string) | undefined
  /** The text of a DATE (days), already JSON-quoted. */
  date?: ((days: number) => string) | undefined
  /** false: null struct fields are written as `"f":null` (Spark's ignoreNullFields=false). */
  ignoreNullFields?: boolean | undefined
}

const DEFAULT_FORMATS: WriterFormats = {}

export function base64(v: unknown): string {
  const u = v as Uint8Array
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64')
}

/** The writer of one non-null value of type `t` (built once per projection). */
export function valueWriter(t: DataType, ts: TimestampFormatter, f: WriterFormats = DEFAULT_FORMATS): ValueWriter {
  switch (t.kind) {
    case 'string':
      return (v) => jsonString(v as string)
    case 'boolean':
      return (v) => (v ? 'true' : 'false')
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return (v) => '' + (v as number)
    case 'float':
      return (v) => jsonFloat(v as number)
    case 'double':
      return (v) => jsonDouble(v as number)
    case 'decimal': {
      const scale = t.scale
      return (v) => bigDecimalToString(v as string, scale)
    }
    case 'timestamp':
      return f.timestamp === undefined ? (v) => '"' + ts.json(v as number) + '"' : (f.timestamp as ValueWriter)
    case 'date':
      return f.date === undefined ? (v) => '"' + formatDate(v as number) + '"' : (f.date as ValueWriter)
    case 'binary':
      return (v) => '"' + base64(v) + '"'
    case 'array': {
      const w = valueWriter(t.element, ts, f)
      return (v) => {
        const a = v as unknown[]
        let s = '['
        for (let i = 0; i < a.length; i++) {
          const e = a[i]
          s += (i === 0 ? '' : ',') + (e === null ? 'null' : w(e))
        }
        return s + ']'
      }
    }
    case 'map': {
      const kw = castKeyText(t.key, ts)
      const vw = valueWriter(t.value, ts, f)
      return (v) => {
        const a = v as unknown[]
        let s = '{'
        for (let i = 0; i < a.length; i += 2) {
          const x = a[i + 1]
          s += (i === 0 ? '' : ',') + jsonString(kw(a[i])) + ':' + (x === null ? 'null' : vw(x))
        }
        return s + '}'
      }
    }
    case 'struct': {
      const keys = t.fields.map((f) => jsonString(f.name) + ':')
      const ws = t.fields.map((field) => valueWriter(field.type, ts, f))
      const n = keys.length
      const writeNulls = f.ignoreNullFields === false
      return (v) => {
        const a = v as unknown[]
        let s = '{'
        let sep = ''
        for (let i = 0; i < n; i++) {
          const x = a[i]
          if (x === null || x === undefined) {
            if (writeNulls) {
              s += sep + keys[i] + 'null'
              sep = ','
            }
            continue
          }
          s += sep + keys[i] + ws[i]!(x)
          sep = ','
        }
        return s + '}'
      }
    }
  }
}

/** Map keys are written with the key's toString (Spark: `keyArray.get(i).toString`). */
function castKeyText(t: DataType, ts: TimestampFormatter): (k: unknown) => string {
  if (t.kind === 'string') return (k) => k as string
  if (t.kind === 'timestamp') return (k) => ts.cast(k as number)
  if (t.kind === 'date') return (k) => formatDate(k as number)
  return (k) => String(k)
}
