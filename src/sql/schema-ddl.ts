/**
 * Spark DDL schema strings, as `from_json(col, 'message STRING, id BIGINT')` takes them.
 *
 * Grammar (case-insensitive keywords; identifiers may be `back``ticked`):
 *   schema     := field (',' field)*
 *   field      := name ':'? type ('NOT' 'NULL')? ('COMMENT' string)?
 *   type       := STRING | VARCHAR '(' n ')' | CHAR '(' n ')' | BOOLEAN
 *               | TINYINT | BYTE | SMALLINT | SHORT | INT | INTEGER | BIGINT | LONG
 *               | FLOAT | REAL | DOUBLE | DATE | TIMESTAMP | TIMESTAMP_LTZ | BINARY
 *               | (DECIMAL | DEC | NUMERIC) ('(' p (',' s)? ')')?
 *               | ARRAY '<' type '>' | MAP '<' type ',' type '>' | STRUCT '<' (field (',' field)*)? '>'
 * NOT NULL and COMMENT are accepted and ignored (from_json makes every field nullable).
 */
import { SluiceError } from '../errors.js'
import type { DataType, PrimitiveKind, StructField } from './types.js'

interface Token {
  kind: 'ident' | 'quoted' | 'number' | 'string' | 'punct' | 'end'
  text: string
  pos: number
}

const PRIMITIVES: Record<string, PrimitiveKind> = {
  STRING: 'string',
  BOOLEAN: 'boolean',
  TINYINT: 'tinyint',
  BYTE: 'tinyint',
  SMALLINT: 'smallint',
  SHORT: 'smallint',
  INT: 'int',
  INTEGER: 'int',
  BIGINT: 'bigint',
  LONG: 'bigint',
  FLOAT: 'float',
  REAL: 'float',
  DOUBLE: 'double',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_LTZ: 'timestamp',
  BINARY: 'binary',
}

const SUPPORTED_TYPES =
  'STRING, VARCHAR(n), CHAR(n), BOOLEAN, TINYINT/BYTE, SMALLINT/SHORT, INT/INTEGER, BIGINT/LONG, ' +
  'FLOAT/REAL, DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP, BINARY, ARRAY<T>, MAP<K,V>, STRUCT<name: T, ...>'

function tokenize(ddl: string): Token[] {
  const out: Token[] = []
  let i = 0
  const n = ddl.length
  while (i < n) {
    const c = ddl[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i
      while (i < n && /[A-Za-z0-9_]/.test(ddl[i]!)) i++
      out.push({ kind: 'ident', text: ddl.slice(start, i), pos: start })
    } else if (/[0-9]/.test(c)) {
      const start = i
      while (i < n && /[0-9]/.test(ddl[i]!)) i++
      // Spark allows identifiers that start with a digit (`1col`); keep them identifiers.
      if (i < n && /[A-Za-z_]/.test(ddl[i]!)) {
        while (i < n && /[A-Za-z0-9_]/.test(ddl[i]!)) i++
        out.push({ kind: 'ident', text: ddl.slice(start, i), pos: start })
      } else {
        out.push({ kind: 'number', text: ddl.slice(start, i), pos: start })
      }
    } else if (c === '`') {
      const start = i
      let text = ''
      i++
      for (;;) {
        if (i >= n) throw schemaError(ddl, start, '`', 'the backticked name is not closed; add the closing `')
        if (ddl[i] === '`') {
          if (ddl[i + 1] === '`') {
            text += '`'
            i += 2
            continue
          }
          i++
          break
        }
        text += ddl[i]
        i++
      }
      out.push({ kind: 'quoted', text, pos: start })
    } else if (c === "'" || c === '"') {
      const start = i
      i++
      while (i < n && ddl[i] !== c) i += ddl[i] === '\\' ? 2 : 1
      if (i >= n) throw schemaError(ddl, start, c, 'the COMMENT string is not closed')
      i++
      out.push({ kind: 'string', text: ddl.slice(start, i), pos: start })
    } else if ('<>(),:'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i })
      i++
    } else {
      throw schemaError(ddl, i, c, 'this character is not part of Spark DDL')
    }
  }
  out.push({ kind: 'end', text: '<end of schema>', pos: n })
  return out
}

function schemaError(ddl: string, pos: number, token: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_CONFIG_SCHEMA',
    `schema: cannot parse the DDL at position ${pos} (token '${token}'): ${why}. ` +
      `Write the schema as Spark DDL, e.g. "message STRING, id BIGINT, tags ARRAY<STRING>"; ` +
      `supported types: ${SUPPORTED_TYPES}. Schema was: ${ddl}`,
    { details: { position: pos, token, schema: ddl } },
  )
}

class DdlParser {
  readonly #ddl: string
  readonly #tokens: Token[]
  #i = 0

  constructor(ddl: string) {
    this.#ddl = ddl
    this.#tokens = tokenize(ddl)
  }

  parseSchema(): StructField[] {
    if (this.#peek().kind === 'end') {
      throw schemaError(this.#ddl, 0, '', 'the schema is empty; list at least one field')
    }
    const fields = this.#fieldList('end')
    this.#expect('end')
    return fields
  }

  #peek(): Token {
    return this.#tokens[this.#i]!
  }

  #next(): Token {
    return this.#tokens[this.#i++]!
  }

  #fail(t: Token, why: string): never {
    throw schemaError(this.#ddl, t.pos, t.text, why)
  }

  #expect(kind: Token['kind'], text?: string): Token {
    const t = this.#next()
    if (t.kind !== kind || (text !== undefined && t.text !== text)) {
      this.#fail(t, `expected ${text === undefined ? kind : `'${text}'`}`)
    }
    return t
  }

  #isKeyword(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === kw
  }

  #fieldList(closer: 'end' | '>'): StructField[] {
    const fields: StructField[] = []
    const seen = new Set<string>()
    for (;;) {
      const nameTok = this.#next()
      if (nameTok.kind !== 'ident' && nameTok.kind !== 'quoted') {
        this.#fail(nameTok, 'expected a field name')
      }
      if (seen.has(nameTok.text)) {
        this.#fail(nameTok, `field '${nameTok.text}' is listed twice; give each field a unique name`)
      }
      seen.add(nameTok.text)
      const p = this.#peek()
      if (p.kind === 'punct' && p.text === ':') this.#i++
      const type = this.#type()
      this.#modifiers()
      fields.push({ name: nameTok.text, type })
      const sep = this.#peek()
      if (sep.kind === 'punct' && sep.text === ',') {
        this.#i++
        continue
      }
      if ((closer === 'end' && sep.kind === 'end') || (closer === '>' && sep.text === '>')) return fields
      this.#fail(sep, closer === 'end' ? "expected ',' or the end of the schema" : "expected ',' or '>'")
    }
  }

  #modifiers(): void {
    for (;;) {
      const t = this.#peek()
      if (this.#isKeyword(t, 'NOT')) {
        this.#i++
        const n = this.#next()
        if (!this.#isKeyword(n, 'NULL')) this.#fail(n, "expected NULL after NOT")
      } else if (this.#isKeyword(t, 'COMMENT')) {
        this.#i++
        this.#expect('string')
      } else {
        return
      }
    }
  }

  #int(): number {
    return Number(this.#expect('number').text)
  }

  #type(): DataType {
    const t = this.#next()
    if (t.kind !== 'ident') this.#fail(t, 'expected a type name')
    const up = t.text.toUpperCase()
    const prim = PRIMITIVES[up]
    if (prim !== undefined) return { kind: prim }
    switch (up) {
      case 'VARCHAR':
      case 'CHAR': {
        this.#expect('punct', '(')
        this.#int()
        this.#expect('punct', ')')
        return { kind: 'string' }
      }
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC': {
        let precision = 10
        let scale = 0
        const p = this.#peek()
        if (p.kind === 'punct' && p.text === '(') {
          this.#i++
          const pt = this.#peek()
          precision = this.#int()
          const c = this.#peek()
          if (c.kind === 'punct' && c.text === ',') {
            this.#i++
            scale = this.#int()
          }
          this.#expect('punct', ')')
          if (precision < 1 || precision > 38) {
            this.#fail(pt, `DECIMAL precision ${precision} is outside 1..38`)
          }
          if (scale > precision) {
            this.#fail(pt, `DECIMAL scale ${scale} is larger than its precision ${precision}`)
          }
        }
        return { kind: 'decimal', precision, scale }
      }
      case 'ARRAY': {
        this.#expect('punct', '<')
        const element = this.#type()
        this.#expect('punct', '>')
        return { kind: 'array', element }
      }
      case 'MAP': {
        this.#expect('punct', '<')
        const key = this.#type()
        this.#expect('punct', ',')
        const value = this.#type()
        this.#expect('punct', '>')
        return { kind: 'map', key, value }
      }
      case 'STRUCT': {
        this.#expect('punct', '<')
        const p = this.#peek()
        if (p.kind === 'punct' && p.text === '>') {
          this.#i++
          return { kind: 'struct', fields: [] }
        }
        const fields = this.#fieldList('>')
        this.#expect('punct', '>')
        return { kind: 'struct', fields }
      }
      default:
        this.#fail(t, `unknown or unsupported type '${t.text}'`)
    }
  }
}

/** Parses a Spark DDL schema string. Throws SLUICE_CONFIG_SCHEMA naming the position and token. */
export function parseSchema(ddl: string): StructField[] {
  return new DdlParser(ddl).parseSchema()
}
