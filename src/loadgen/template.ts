/**
 * JSON record templates (`--template FILE.json` or inline JSON): any JSON value, in which an
 * object with exactly one key starting with `$` is a generator. Generators:
 *
 *   {"$seq": true}                      the record's sequence number
 *   {"$message": true}                  the loadgen message text (run id, seq, time, filler;
 *                                       its length follows --record-bytes / --size-dist)
 *   {"$timestamp": "iso"}               the record's event time: "iso", "epochMillis", "epochSeconds"
 *   {"$int": [MIN, MAX]}                uniform integer, both ends included
 *   {"$float": [MIN, MAX, DECIMALS?]}   uniform float in [MIN, MAX), rounded to DECIMALS (default 3)
 *   {"$string": N} / {"$string": [MIN, MAX]}   [a-z] text of N, or MIN..MAX, characters
 *   {"$enum": ["a", "b"]} / {"$enum": {"a": 9, "b": 1}}   one value, uniform or weighted
 *   {"$bool": P}                        true with probability P (default 0.5)
 *   {"$array": {"of": TEMPLATE, "length": N | [MIN, MAX]}}
 *   {"$literal": VALUE}                 VALUE as is (to write an object whose key starts with $)
 *
 * Objects and arrays without a generator key are nested templates. Randomness comes from a PRNG
 * seeded per record with (seed, seq), so a record's value depends only on the seed and its seq.
 */
import { SluiceError } from '../errors.js'

export interface TemplateContext {
  seq: number
  timestampMs: number
  /** Uniform floats in [0, 1), seeded for this record. */
  random: () => number
  /** The loadgen message text of this record. */
  message: () => string
}

export type CompiledTemplate = (ctx: TemplateContext) => string

function bad(path: string, why: string): SluiceError {
  return new SluiceError('SLUICE_LOADGEN_BAD_ARG', `loadgen --template: at ${path}: ${why}; see the generators in docs/cli.md ("Record templates")`, {
    details: { option: 'template', path },
  })
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

function range(path: string, v: unknown, integer: boolean): [number, number] {
  if (isNumber(v)) return [v, v]
  if (Array.isArray(v) && v.length >= 2 && isNumber(v[0]) && isNumber(v[1]) && v[0] <= v[1]) {
    if (integer && (!Number.isInteger(v[0]) || !Number.isInteger(v[1]))) throw bad(path, 'expected integers')
    return [v[0], v[1]]
  }
  throw bad(path, `expected ${integer ? 'N or [MIN, MAX] integers' : '[MIN, MAX]'} with MIN <= MAX, got ${JSON.stringify(v)}`)
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

// One case per generator, each a few lines: the switch reads as the table in the file header, so it
// stays one function (over 80 lines) rather than ten one-case helpers.
function compileGenerator(path: string, name: string, arg: unknown): CompiledTemplate {
  switch (name) {
    case '$seq':
      return (c) => String(c.seq)
    case '$message':
      return (c) => JSON.stringify(c.message())
    case '$timestamp': {
      const format = arg === true ? 'iso' : arg
      if (format === 'iso') return (c) => `"${new Date(c.timestampMs).toISOString()}"`
      if (format === 'epochMillis') return (c) => String(c.timestampMs)
      if (format === 'epochSeconds') return (c) => String(Math.floor(c.timestampMs / 1000))
      throw bad(path, `$timestamp takes "iso", "epochMillis" or "epochSeconds", got ${JSON.stringify(arg)}`)
    }
    case '$int': {
      const [min, max] = range(path, arg, true)
      return (c) => String(min + Math.floor(c.random() * (max - min + 1)))
    }
    case '$float': {
      const [min, max] = range(path, arg, false)
      const decimals = Array.isArray(arg) && isNumber(arg[2]) ? arg[2] : 3
      const f = 10 ** decimals
      return (c) => String(Math.round((min + c.random() * (max - min)) * f) / f)
    }
    case '$string': {
      const [min, max] = range(path, arg, true)
      if (min < 0) throw bad(path, 'lengths must be >= 0')
      return (c) => {
        const n = min + Math.floor(c.random() * (max - min + 1))
        let s = ''
        for (let i = 0; i < n; i++) s += LETTERS[Math.floor(c.random() * 26)]
        return `"${s}"`
      }
    }
    case '$enum': {
      const entries: [string, number][] = Array.isArray(arg)
        ? arg.map((v) => [JSON.stringify(v), 1])
        : arg !== null && typeof arg === 'object'
          ? Object.entries(arg as Record<string, unknown>).map(([k, w]) => {
              if (!isNumber(w) || w < 0) throw bad(`${path}.${k}`, 'weights must be numbers >= 0')
              return [JSON.stringify(k), w]
            })
          : []
      const total = entries.reduce((a, [, w]) => a + w, 0)
      if (entries.length === 0 || total <= 0) throw bad(path, '$enum needs a non-empty list, or an object of value: weight')
      return (c) => {
        let x = c.random() * total
        for (const [v, w] of entries) {
          if ((x -= w) < 0) return v
        }
        return entries[entries.length - 1]![0]
      }
    }
    case '$bool': {
      const p = arg === true ? 0.5 : arg
      if (!isNumber(p) || p < 0 || p > 1) throw bad(path, '$bool takes a probability between 0 and 1')
      return (c) => (c.random() < p ? 'true' : 'false')
    }
    case '$array': {
      if (arg === null || typeof arg !== 'object' || !('of' in arg)) throw bad(path, '$array needs {"of": TEMPLATE, "length": N | [MIN, MAX]}')
      const spec = arg as { of: unknown; length?: unknown }
      const [min, max] = range(`${path}.length`, spec.length ?? 1, true)
      const item = compile(spec.of, `${path}[]`)
      return (c) => {
        const n = min + Math.floor(c.random() * (max - min + 1))
        const parts: string[] = new Array(n)
        for (let i = 0; i < n; i++) parts[i] = item(c)
        return `[${parts.join(',')}]`
      }
    }
    case '$literal': {
      const text = JSON.stringify(arg)
      return () => text
    }
    default:
      throw bad(path, `unknown generator ${name}`)
  }
}

/** Compiles a parsed template; throws SLUICE_LOADGEN_BAD_ARG naming the JSON path. */
export function compile(template: unknown, path = '$'): CompiledTemplate {
  if (Array.isArray(template)) {
    const items = template.map((t, i) => compile(t, `${path}[${i}]`))
    return (c) => `[${items.map((f) => f(c)).join(',')}]`
  }
  if (template !== null && typeof template === 'object') {
    const keys = Object.keys(template)
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      return compileGenerator(path, keys[0]!, (template as Record<string, unknown>)[keys[0]!])
    }
    const fields = keys.map((k) => {
      if (k.startsWith('$')) throw bad(`${path}.${k}`, 'a generator must be the only key of its object (use {"$literal": …} for a $ key)')
      return { head: `${JSON.stringify(k)}:`, value: compile((template as Record<string, unknown>)[k], `${path}.${k}`) }
    })
    return (c) => {
      let s = '{'
      for (let i = 0; i < fields.length; i++) s += (i === 0 ? '' : ',') + fields[i]!.head + fields[i]!.value(c)
      return `${s}}`
    }
  }
  const text = JSON.stringify(template)
  return () => text
}

/** Parses `--template`: inline JSON when it starts with `{` or `[`, else a file's JSON. */
export function parseTemplate(raw: string, readFile: (path: string) => string): CompiledTemplate {
  const inline = /^\s*[[{]/.test(raw)
  let text: string
  try {
    text = inline ? raw : readFile(raw)
  } catch (err) {
    throw bad('$', `cannot read '${raw}': ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw bad('$', `${inline ? 'the inline template' : `'${raw}'`} is not JSON: ${(err as Error).message}`)
  }
  return compile(parsed)
}
