/**
 * The subset of Spark's `selectExpr` syntax sluice evaluates.
 *
 *   item    := 'json_data' '.' '*' | expr (('AS')? alias)?
 *   expr    := 'CAST' '(' expr 'AS' type ')' | name '(' (expr (',' expr)*)? ')' | string | column
 *   column  := name ('.' name)*
 *   name    := identifier | `back``ticked`
 *   string  := '…' | "…"   (backslash escapes, as Spark SQL string literals)
 * Keywords are case-insensitive.
 */
import { SluiceError } from '../errors.js'

export type Expr =
  | { kind: 'column'; parts: string[] }
  | { kind: 'star'; parts: string[] }
  | { kind: 'cast'; expr: Expr; type: string }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'string'; value: string }

export interface SelectItem {
  expr: Expr
  alias: string | null
  /** The expression as written (for messages). */
  source: string
}

interface Token {
  kind: 'ident' | 'quoted' | 'string' | 'punct' | 'number' | 'end'
  text: string
  pos: number
}

export const SUPPORTED_SELECT =
  'json_data.*, json_data.<field>[.<field>...], json_data, the Kafka columns (key, value, topic, partition, ' +
  'offset, timestamp, timestampType, headers when includeHeaders), CAST(<expr> AS STRING|BIGINT|INT|' +
  "DOUBLE|BOOLEAN|TIMESTAMP|DATE), date_format(<expr>, '<pattern>'), each optionally followed by [AS] <alias>"

export function selectError(source: string, why: string, details: Record<string, unknown> = {}): SluiceError {
  return new SluiceError(
    'SLUICE_CONFIG_SELECT',
    `select: expression "${source}": ${why}. Supported: ${SUPPORTED_SELECT}.`,
    { details: { expression: source, ...details } },
  )
}

function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++
      out.push({ kind: 'ident', text: src.slice(start, i), pos: start })
    } else if (/[0-9]/.test(c)) {
      const start = i
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++
      const text = src.slice(start, i)
      out.push({ kind: /^\d+$/.test(text) ? 'number' : 'ident', text, pos: start })
    } else if (c === '`') {
      const start = i
      let text = ''
      i++
      for (;;) {
        if (i >= src.length) throw selectError(src, `the backtick at position ${start} is not closed`)
        if (src[i] === '`') {
          if (src[i + 1] === '`') {
            text += '`'
            i += 2
            continue
          }
          i++
          break
        }
        text += src[i]
        i++
      }
      out.push({ kind: 'quoted', text, pos: start })
    } else if (c === "'" || c === '"') {
      const start = i
      let text = ''
      i++
      for (;;) {
        if (i >= src.length) throw selectError(src, `the string starting at position ${start} is not closed`)
        const d = src[i]!
        if (d === c) {
          i++
          break
        }
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!
          text += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e
          i += 2
          continue
        }
        text += d
        i++
      }
      out.push({ kind: 'string', text, pos: start })
    } else if ('.*(),'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i })
      i++
    } else {
      throw selectError(src, `unexpected character '${c}' at position ${i}`)
    }
  }
  out.push({ kind: 'end', text: '<end>', pos: src.length })
  return out
}

class SelectParser {
  readonly #src: string
  readonly #t: Token[]
  #i = 0

  constructor(src: string) {
    this.#src = src
    this.#t = tokenize(src)
  }

  #peek(): Token {
    return this.#t[this.#i]!
  }

  #next(): Token {
    return this.#t[this.#i++]!
  }

  #fail(t: Token, why: string): never {
    throw selectError(this.#src, `${why} at position ${t.pos} (found '${t.text}')`)
  }

  #isKw(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === kw
  }

  #isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p
  }

  #expectPunct(p: string): void {
    const t = this.#next()
    if (!this.#isPunct(t, p)) this.#fail(t, `expected '${p}'`)
  }

  item(): SelectItem {
    if (this.#peek().kind === 'end') throw selectError(this.#src, 'the expression is empty')
    const expr = this.#expr()
    let alias: string | null = null
    let t = this.#peek()
    if (this.#isKw(t, 'AS')) {
      this.#i++
      t = this.#peek()
      if (t.kind !== 'ident' && t.kind !== 'quoted') this.#fail(t, 'expected an alias after AS')
    }
    if (t.kind === 'ident' || t.kind === 'quoted') {
      alias = t.text
      this.#i++
    }
    const end = this.#peek()
    if (end.kind !== 'end') this.#fail(end, 'unexpected text after the expression')
    if (expr.kind === 'star' && alias !== null) {
      throw selectError(this.#src, 'a star expression cannot have an alias')
    }
    return { expr, alias, source: this.#src.trim() }
  }

  #expr(): Expr {
    const t = this.#next()
    if (t.kind === 'string') return { kind: 'string', value: t.text }
    if (t.kind === 'punct' && t.text === '*') return { kind: 'star', parts: [] }
    if (t.kind !== 'ident' && t.kind !== 'quoted') this.#fail(t, 'expected a column, CAST or a function call')
    if (t.kind === 'ident' && this.#isPunct(this.#peek(), '(')) {
      this.#i++
      if (t.text.toUpperCase() === 'CAST') {
        const inner = this.#expr()
        const as = this.#next()
        if (!this.#isKw(as, 'AS')) this.#fail(as, 'expected AS inside CAST')
        const ty = this.#next()
        if (ty.kind !== 'ident') this.#fail(ty, 'expected a type name')
        this.#expectPunct(')')
        return { kind: 'cast', expr: inner, type: ty.text.toUpperCase() }
      }
      const args: Expr[] = []
      if (!this.#isPunct(this.#peek(), ')')) {
        for (;;) {
          args.push(this.#expr())
          const sep = this.#next()
          if (this.#isPunct(sep, ')')) break
          if (!this.#isPunct(sep, ',')) this.#fail(sep, "expected ',' or ')'")
        }
      } else this.#i++
      return { kind: 'call', name: t.text, args }
    }
    const parts = [t.text]
    while (this.#isPunct(this.#peek(), '.')) {
      this.#i++
      const p = this.#next()
      if (p.kind === 'punct' && p.text === '*') return { kind: 'star', parts }
      if (p.kind !== 'ident' && p.kind !== 'quoted') this.#fail(p, 'expected a field name after "."')
      parts.push(p.text)
    }
    return { kind: 'column', parts }
  }
}

export function parseSelectItem(src: string): SelectItem {
  return new SelectParser(src).item()
}
