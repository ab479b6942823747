/**
 * The JSON that Spark's from_json accepts and JSON.parse refuses, read only after JSON.parse has
 * thrown (the hot path stays one JSON.parse). Spark configures Jackson from the from_json options
 * (JSONOptions), with these defaults:
 *   allowSingleQuotes true         'text' strings and field names
 *   allowNonNumericNumbers true    NaN, Infinity, +Infinity, -Infinity, +INF, -INF as numbers
 *   allowUnquotedFieldNames false  {a: 1}
 *   allowComments false            /* ... *\/ and // ... (Jackson ALLOW_COMMENTS)
 *   allowNumericLeadingZeros false 007
 *   allowBackslashEscapingAnyCharacter false   "\q" → "q"
 *   allowUnquotedControlChars false            raw U+0000-U+001F inside strings
 * The values come back as parseExact's do (objects as Map, numbers as RawNumber), so the exact
 * converters of json-coerce.ts apply. A syntax error returns a {@link LenientError}.
 */
import { RawNumber } from './exact-json.js'

export interface JsonReadOptions {
  allowSingleQuotes: boolean
  allowNonNumericNumbers: boolean
  allowUnquotedFieldNames: boolean
  allowComments: boolean
  allowNumericLeadingZeros: boolean
  allowBackslashEscapingAnyCharacter: boolean
  allowUnquotedControlChars: boolean
  /** from_json's datetime options (json-coerce.ts ConvertOptions); Spark's reading when absent. */
  timestampFormat?: string | undefined
  dateFormat?: string | undefined
  enableDateTimeParsingFallback?: boolean | undefined
}

/** Spark 3.5's JSONOptions defaults. */
export const SPARK_JSON_READ_DEFAULTS: JsonReadOptions = {
  allowSingleQuotes: true,
  allowNonNumericNumbers: true,
  allowUnquotedFieldNames: false,
  allowComments: false,
  allowNumericLeadingZeros: false,
  allowBackslashEscapingAnyCharacter: false,
  allowUnquotedControlChars: false,
}

export class LenientError {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

class Fail extends Error {}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const NUMBER_LEADING_ZEROS = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const NON_NUMERIC: [string, string][] = [
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['+Infinity', 'Infinity'],
  ['-Infinity', '-Infinity'],
  ['+INF', 'Infinity'],
  ['-INF', '-Infinity'],
]
const UNQUOTED_NAME = /[A-Za-z_$][A-Za-z0-9_$]*/y
/** Jackson 2.15's StreamReadConstraints default (Spark 3.5 ships Jackson 2.15). */
const MAX_DEPTH = 1000

class Reader {
  i = 0
  depth = 0
  constructor(
    readonly s: string,
    readonly o: JsonReadOptions,
  ) {}

  fail(what: string): never {
    throw new Fail(`${what} at position ${this.i}`)
  }

  ws(): void {
    const s = this.s
    for (;;) {
      const c = s.charCodeAt(this.i)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++
      else if (c === 0x2f && this.o.allowComments) this.comment()
      else return
    }
  }

  comment(): void {
    const next = this.s.charCodeAt(this.i + 1)
    if (next === 0x2f) {
      const end = this.s.indexOf('\n', this.i + 2)
      this.i = end < 0 ? this.s.length : end + 1
    } else if (next === 0x2a) {
      const end = this.s.indexOf('*/', this.i + 2)
      if (end < 0) this.fail('unterminated comment')
      this.i = end + 2
    } else this.fail("unexpected '/'")
  }

  value(): unknown {
    this.ws()
    const s = this.s
    const c = s[this.i]
    if (c === '{') return this.object()
    if (c === '[') return this.array()
    if (c === '"' || (c === "'" && this.o.allowSingleQuotes)) return this.string()
    if (s.startsWith('true', this.i)) return this.word(4, true)
    if (s.startsWith('false', this.i)) return this.word(5, false)
    if (s.startsWith('null', this.i)) return this.word(4, null)
    if (this.o.allowNonNumericNumbers) {
      for (const [lit, canon] of NON_NUMERIC) {
        if (s.startsWith(lit, this.i)) {
          this.i += lit.length
          return new RawNumber(canon, false)
        }
      }
    }
    const re = this.o.allowNumericLeadingZeros ? NUMBER_LEADING_ZEROS : NUMBER
    re.lastIndex = this.i
    const m = re.exec(s)
    if (m === null) this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`)
    this.i += m[0].length
    let text = m[0]
    const isInt = !/[.eE]/.test(text)
    if (this.o.allowNumericLeadingZeros) text = text.replace(/^(-?)0+(?=\d)/, '$1')
    return new RawNumber(text, isInt)
  }

  word<T>(n: number, v: T): T {
    this.i += n
    return v
  }

  string(): string {
    const s = this.s
    const quote = s[this.i]!
    let out = ''
    let i = this.i + 1
    let last = i
    for (;;) {
      if (i >= s.length) {
        this.i = i
        this.fail('unterminated string')
      }
      const ch = s[i]!
      const c = ch.charCodeAt(0)
      if (ch === quote) break
      if (c < 0x20 && !this.o.allowUnquotedControlChars) {
        this.i = i
        this.fail('unescaped control character in a string')
      }
      if (ch !== '\\') {
        i++
        continue
      }
      out += s.slice(last, i)
      const e = s[i + 1]
      if (e === 'u') {
        const hex = s.slice(i + 2, i + 6)
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
          this.i = i
          this.fail('bad \\u escape')
        }
        out += String.fromCharCode(parseInt(hex, 16))
        i += 6
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e]
        i += 2
      } else if (e === "'" || (e !== undefined && this.o.allowBackslashEscapingAnyCharacter)) {
        out += e
        i += 2
      } else {
        this.i = i
        this.fail('bad escape')
      }
      last = i
    }
    out += s.slice(last, i)
    this.i = i + 1
    return out
  }

  key(): string {
    const c = this.s[this.i]
    if (c === '"' || (c === "'" && this.o.allowSingleQuotes)) return this.string()
    if (this.o.allowUnquotedFieldNames) {
      UNQUOTED_NAME.lastIndex = this.i
      const m = UNQUOTED_NAME.exec(this.s)
      if (m !== null) {
        this.i += m[0].length
        return m[0]
      }
    }
    return this.fail('expected a field name')
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`)
    this.i++
  }

  object(): Map<string, unknown> {
    const m = new Map<string, unknown>()
    this.enter()
    this.ws()
    if (this.s[this.i] === '}') {
      this.i++
      this.depth--
      return m
    }
    for (;;) {
      this.ws()
      const k = this.key()
      this.ws()
      if (this.s[this.i] !== ':') this.fail("expected ':'")
      this.i++
      m.set(k, this.value())
      this.ws()
      const c = this.s[this.i++]
      if (c === '}') break
      if (c !== ',') this.fail("expected ',' or '}'")
    }
    this.depth--
    return m
  }

  array(): unknown[] {
    const a: unknown[] = []
    this.enter()
    this.ws()
    if (this.s[this.i] === ']') {
      this.i++
      this.depth--
      return a
    }
    for (;;) {
      a.push(this.value())
      this.ws()
      const c = this.s[this.i++]
      if (c === ']') break
      if (c !== ',') this.fail("expected ',' or ']'")
    }
    this.depth--
    return a
  }
}

/**
 * Reads the first JSON value of `text` leniently. Like Spark's JacksonParser, text after the
 * first complete value is not read.
 */
export function parseLenient(text: string, o: JsonReadOptions): unknown {
  const r = new Reader(text, o)
  try {
    return r.value()
  } catch (err) {
    if (err instanceof Fail) return new LenientError(err.message)
    throw err
  }
}
