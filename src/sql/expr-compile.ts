/**
 * Turns parsed select expressions into JavaScript source snippets evaluated per record by the
 * generated projection (projection.ts). Each snippet is an expression over the locals `rec` (the
 * KafkaRecord), `d` (the json_data row, or NR for the null struct) and `H<n>` (helpers the
 * compiler registers); it yields the Spark value (types.ts) or null.
 */
import { castFunction, CAST_TARGETS } from './cast.js'
import { javaUtf8 } from './java-utf8.js'
import { selectError, type Expr, type SelectItem } from './select-parse.js'
import { type TimestampFormatter, compileDateFormat, patternError } from './time-format.js'
import type { DataType, StructField } from './types.js'

export interface CompiledColumn {
  name: string
  type: DataType
  /** JS expression text. */
  code: string
  /** Never null (no null check needed when writing). */
  nonNull: boolean
}

interface Compiled {
  code: string
  type: DataType
  nonNull: boolean
  /** Spark's SQL text of the expression, used in default names (`date_format(timestamp, yyyy)`). */
  sql: string
  /** The default output name. */
  name: string
}

const KAFKA_COLUMNS: Record<string, { type: DataType; code: string; nonNull: boolean }> = {
  key: {
    type: { kind: 'binary' },
    code: '(rec.keyStart < 0 ? null : rec.buf.subarray(rec.keyStart, rec.keyEnd))',
    nonNull: false,
  },
  value: {
    type: { kind: 'binary' },
    code: '(rec.valueStart < 0 ? null : rec.buf.subarray(rec.valueStart, rec.valueEnd))',
    nonNull: false,
  },
  topic: { type: { kind: 'string' }, code: 'rec.topic', nonNull: true },
  partition: { type: { kind: 'int' }, code: 'rec.partition', nonNull: true },
  offset: { type: { kind: 'bigint' }, code: 'rec.offset', nonNull: true },
  timestamp: { type: { kind: 'timestamp' }, code: '(rec.timestamp * 1000)', nonNull: true },
  timestampType: { type: { kind: 'int' }, code: 'rec.timestampType', nonNull: true },
}

const HEADERS_TYPE: DataType = {
  kind: 'array',
  element: {
    kind: 'struct',
    fields: [
      { name: 'key', type: { kind: 'string' } },
      { name: 'value', type: { kind: 'binary' } },
    ],
  },
}

function headersValue(h: { key: string; value: Buffer | null }[] | null): unknown[] | null {
  if (h === null || h.length === 0) return null
  const out = new Array<unknown>(h.length)
  for (let i = 0; i < h.length; i++) out[i] = [h[i]!.key, h[i]!.value]
  return out
}

export class ExprCompiler {
  readonly helpers: unknown[] = []
  /** Number of temporaries `t0..tN` the generated function must declare. */
  temps = 0
  /** Whether any expression reads json_data (the record must be parsed). */
  usesJson = false
  readonly #schema: StructField[]
  readonly #includeHeaders: boolean
  readonly #ts: TimestampFormatter

  constructor(schema: StructField[], includeHeaders: boolean, ts: TimestampFormatter) {
    this.#schema = schema
    this.#includeHeaders = includeHeaders
    this.#ts = ts
  }

  helper(h: unknown): string {
    this.helpers.push(h)
    return `H${this.helpers.length - 1}`
  }

  #temp(): string {
    return `t${this.temps++}`
  }

  /** One select item → one or more output columns. */
  compileItem(item: SelectItem): CompiledColumn[] {
    const { expr, source } = item
    if (expr.kind === 'star') {
      if (expr.parts.length === 0) {
        throw selectError(source, "'*' is not supported; list the columns, or use json_data.* for the parsed fields")
      }
      const base = this.#column(expr.parts, source)
      if (base.type.kind !== 'struct') {
        throw selectError(source, `'${expr.parts.join('.')}' is ${base.type.kind.toUpperCase()}, not a struct; '.*' needs a struct`)
      }
      return base.type.fields.map((f, i) => {
        const c = this.#field(base, f, i)
        return { name: f.name, type: c.type, code: c.code, nonNull: c.nonNull }
      })
    }
    const c = this.#expr(expr, source)
    return [{ name: item.alias ?? c.name, type: c.type, code: c.code, nonNull: c.nonNull }]
  }

  #field(base: Compiled, f: StructField, i: number): Compiled {
    let code: string
    if (base.code === 'd') {
      code = `d[${i}]`
    } else {
      const t = this.#temp()
      code = `((${t} = ${base.code}) === null ? null : ${t}[${i}])`
    }
    return { code, type: f.type, nonNull: false, sql: `${base.sql}.${f.name}`, name: f.name }
  }

  #column(parts: string[], source: string): Compiled {
    const head = parts[0]!
    let cur: Compiled
    if (head.toLowerCase() === 'json_data') {
      this.usesJson = true
      cur = { code: 'd', type: { kind: 'struct', fields: this.#schema }, nonNull: false, sql: 'json_data', name: 'json_data' }
    } else {
      const name = Object.keys(KAFKA_COLUMNS).find((k) => k.toLowerCase() === head.toLowerCase())
      if (name !== undefined) {
        const k = KAFKA_COLUMNS[name]!
        cur = { code: k.code, type: k.type, nonNull: k.nonNull, sql: name, name }
      } else if (head.toLowerCase() === 'headers') {
        if (!this.#includeHeaders) {
          throw selectError(source, "column 'headers' exists only with includeHeaders: true; set it in the source options")
        }
        cur = {
          code: `${this.helper(headersValue)}(rec.headers)`,
          type: HEADERS_TYPE,
          nonNull: false,
          sql: 'headers',
          name: 'headers',
        }
      } else {
        const known = ['json_data', ...Object.keys(KAFKA_COLUMNS), ...(this.#includeHeaders ? ['headers'] : [])]
        throw selectError(source, `column '${head}' does not exist; the columns are ${known.join(', ')} (schema fields are json_data.<field>)`)
      }
    }
    for (let p = 1; p < parts.length; p++) {
      const part = parts[p]!
      if (cur.type.kind !== 'struct') {
        throw selectError(source, `'${cur.sql}' is ${cur.type.kind.toUpperCase()}, so it has no field '${part}'`)
      }
      const fields = cur.type.fields
      let i = fields.findIndex((f) => f.name === part)
      if (i < 0) i = fields.findIndex((f) => f.name.toLowerCase() === part.toLowerCase())
      if (i < 0) {
        throw selectError(source, `'${cur.sql}' has no field '${part}'; its fields are ${fields.map((f) => f.name).join(', ') || '(none)'}`)
      }
      cur = this.#field(cur, fields[i]!, i)
    }
    return cur
  }

  /** json_data itself as a value: null for the null struct. */
  #value(c: Compiled): Compiled {
    return c.code === 'd' ? { ...c, code: '(d === NR ? null : d)' } : c
  }

  #expr(e: Expr, source: string): Compiled {
    switch (e.kind) {
      case 'column':
        return this.#value(this.#column(e.parts, source))
      case 'string':
        return { code: JSON.stringify(e.value), type: { kind: 'string' }, nonNull: true, sql: e.value, name: e.value }
      case 'star':
        throw selectError(source, "'*' is only allowed as a whole select item (json_data.*)")
      case 'cast':
        return this.#cast(e.expr, e.type, source)
      case 'call':
        return this.#call(e.name, e.args, source)
    }
  }

  #cast(inner: Expr, typeName: string, source: string): Compiled {
    const target = CAST_TARGETS[typeName]
    if (target === undefined) {
      throw selectError(source, `CAST to ${typeName} is not supported; use STRING, BIGINT, INT, DOUBLE, BOOLEAN, TIMESTAMP or DATE`)
    }
    const c = this.#expr(inner, source)
    const sql = `CAST(${c.sql} AS ${typeName})`
    // CAST(value AS STRING) / CAST(key AS STRING): decode straight from the fetch buffer (Java's
    // replacement of invalid UTF-8, as Spark prints the string).
    if (target.kind === 'string' && (c.code === KAFKA_COLUMNS.value!.code || c.code === KAFKA_COLUMNS.key!.code)) {
      const which = c.code === KAFKA_COLUMNS.value!.code ? 'value' : 'key'
      return {
        code: `(rec.${which}Start < 0 ? null : ${this.helper(javaUtf8)}(rec.buf, rec.${which}Start, rec.${which}End))`,
        type: target,
        nonNull: false,
        sql,
        name: c.name,
      }
    }
    if (c.type.kind === target.kind) return { ...c, sql }
    const fn = castFunction(c.type, target, this.#ts)
    if (typeof fn === 'string') throw selectError(source, fn)
    const t = this.#temp()
    const h = this.helper(fn)
    // Casts to STRING of non-null values are never null; other casts may fail to null.
    const nonNull = c.nonNull && target.kind === 'string'
    const code = c.nonNull ? `${h}(${c.code})` : `((${t} = ${c.code}) === null ? null : ${h}(${t}))`
    return { code, type: target, nonNull, sql, name: c.name }
  }

  #call(name: string, args: Expr[], source: string): Compiled {
    if (name.toLowerCase() !== 'date_format') {
      throw selectError(source, `function '${name}' is not supported`)
    }
    if (args.length !== 2 || args[1]!.kind !== 'string') {
      throw selectError(source, "date_format takes two arguments: date_format(<timestamp>, '<pattern>')")
    }
    const pattern = (args[1] as { value: string }).value
    let c = this.#expr(args[0]!, source)
    if (c.type.kind === 'string' || c.type.kind === 'date') {
      // Spark casts the argument to TIMESTAMP implicitly.
      const fn = castFunction(c.type, { kind: 'timestamp' }, this.#ts) as (v: unknown) => unknown
      const t = this.#temp()
      c = {
        ...c,
        code: `((${t} = ${c.code}) === null ? null : ${this.helper(fn)}(${t}))`,
        type: { kind: 'timestamp' },
        nonNull: false,
      }
    } else if (c.type.kind !== 'timestamp') {
      throw selectError(source, `date_format needs a TIMESTAMP, DATE or STRING argument, but '${c.sql}' is ${c.type.kind.toUpperCase()}`)
    }
    const fmt = compileDateFormat(pattern, this.#ts.zone, (why) => {
      throw patternError(source, why)
    })
    const h = this.helper(fmt)
    const sql = `date_format(${c.sql}, ${pattern})`
    if (c.nonNull) return { code: `${h}(${c.code})`, type: { kind: 'string' }, nonNull: true, sql, name: sql }
    const t = this.#temp()
    return { code: `((${t} = ${c.code}) === null ? null : ${h}(${t}))`, type: { kind: 'string' }, nonNull: false, sql, name: sql }
  }
}
