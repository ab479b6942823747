/**
 * Field builders for the job schema. Spark options are strings (`maxOffsetsPerTrigger: "2000"`
 * works in PySpark), so every numeric and boolean field also accepts its string spelling, and a
 * `${VAR}` interpolated into a number field works. Each builder's messages say what was expected
 * with an example; the collector prefixes the field's path.
 *
 * Each field carries its documentation as zod metadata ({@link FieldDoc}); docs/config.md is
 * generated from it (see config-doc.ts), so the schema is the one source of truth.
 */
import { z } from 'zod'
import { ConfigCode, type ConfigCodeValue, show } from './problems.js'
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js'

export type FieldDoc = {
  /** Type as shown in the docs (`int ≥ 1`, `duration`, `list of strings`). */
  type: string
  /** Default as shown in the docs; absent for required options. */
  default?: string
  required?: boolean
  /** The Spark option or call this corresponds to. */
  spark?: string
  description: string
}

export type SectionDoc = {
  title: string
  description: string
  /** Keys are matched case-insensitively, as Spark's DataSource options are. */
  caseInsensitive?: boolean
}

/** A failed parse: message (without the path) and the code it is reported under. */
export class Bad {
  constructor(
    readonly message: string,
    readonly code: ConfigCodeValue = ConfigCode.VALUE,
  ) {}
}

/** The core builder: a parse function that returns a value or a {@link Bad}. */
export function field<T>(parse: (value: unknown) => T | Bad) {
  return z.unknown().transform((value, ctx): T => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is required', params: { code: ConfigCode.REQUIRED } })
      return z.NEVER
    }
    const out = parse(value)
    if (out instanceof Bad) {
      ctx.addIssue({ code: 'custom', message: out.message, params: { code: out.code } })
      return z.NEVER
    }
    return out
  })
}

export type Field<T> = ReturnType<typeof field<T>>

/** Required option. */
export function req<T>(f: Field<T>, doc: Omit<FieldDoc, 'required'>) {
  return f.meta({ ...doc, required: true })
}

/** Optional option without a default (undefined when absent). */
export function opt<T>(f: Field<T>, doc: FieldDoc) {
  return f.optional().meta(doc)
}

/** Optional option with a static default. */
export function def<T>(f: Field<T>, value: NoInfer<T>, doc: FieldDoc) {
  return f.default(value as never).meta(doc)
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

export function text(example: string) {
  return field<string>((v) => {
    const s = scalarText(v)
    if (s === undefined || s.trim() === '') {
      return new Bad(`expected a non-empty string such as ${show(example)}, got ${show(v)}`)
    }
    return s
  })
}

export function int(opts: { min?: number; max?: number; example: number; hint?: string }) {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER
  const max = opts.max ?? Number.MAX_SAFE_INTEGER
  return field<number>((v) => {
    const s = scalarText(v)
    const n = s !== undefined && /^\s*-?\d+\s*$/.test(s) ? Number(s) : Number.NaN
    if (!Number.isSafeInteger(n)) {
      return new Bad(`expected an integer such as ${opts.example}, got ${show(v)}`)
    }
    if (n < min || n > max) {
      const range = opts.max === undefined ? `>= ${min}` : `between ${min} and ${max}`
      return new Bad(`must be ${range}, got ${n}${opts.hint ? `; ${opts.hint}` : ''}`)
    }
    return n
  })
}

export function bool() {
  return field<boolean>((v) => {
    if (typeof v === 'boolean') return v
    const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined
    if (s === 'true') return true
    if (s === 'false') return false
    return new Bad(`expected true or false, got ${show(v)}`)
  })
}

export function duration(opts: { min?: number } = {}) {
  return field<number>((v) => {
    const s = scalarText(v)
    const ms = s === undefined ? undefined : parseDuration(typeof v === 'number' ? v : s)
    if (ms === undefined) {
      return new Bad(
        `expected a duration such as "15m", "30 seconds" or "500ms" (a bare integer is milliseconds), got ${show(v)}`,
      )
    }
    if (opts.min !== undefined && ms < opts.min) {
      return new Bad(`must be at least ${formatDuration(opts.min)}, got ${show(v)}`)
    }
    return ms
  })
}

export function bytes(opts: { min?: number } = {}) {
  return field<number>((v) => {
    const s = scalarText(v)
    const n = s === undefined ? undefined : parseBytes(typeof v === 'number' ? v : s)
    if (n === undefined) {
      return new Bad(
        `expected a size such as "8MB", "256m" or "4194304" (units are binary: 1MB = 1 MiB), got ${show(v)}`,
      )
    }
    if (opts.min !== undefined && n < opts.min) {
      return new Bad(`must be at least ${formatBytes(opts.min)}, got ${show(v)}`)
    }
    return n
  })
}

/**
 * A list of strings: a YAML/JSON list, or (with `comma`) a comma-separated string as Spark takes
 * it (`subscribe: "a, b"`). Items are trimmed; empty items are dropped as Spark drops them.
 */
export function list(opts: { example: string; comma: boolean; allowEmpty?: boolean }) {
  return field<string[]>((v) => {
    let items: unknown[]
    if (Array.isArray(v)) items = v
    else if (typeof v === 'string') items = opts.comma ? v.split(',') : [v]
    else return new Bad(`expected a list of strings such as ${opts.example}, got ${show(v)}`)
    const out: string[] = []
    for (const item of items) {
      const s = scalarText(item)
      if (s === undefined) {
        return new Bad(`expected a list of strings such as ${opts.example}, got the item ${show(item)}`)
      }
      if (s.trim() !== '') out.push(s.trim())
    }
    if (out.length === 0 && !opts.allowEmpty) {
      return new Bad(`must name at least one entry, such as ${opts.example}`)
    }
    return out
  })
}

/**
 * One of a set of values, case-insensitive. `aliases` map other spellings to a value;
 * `unsupported` maps known-but-unsupported values to the reason and the fix.
 */
export function choice<T extends string>(opts: {
  values: readonly T[]
  aliases?: Record<string, T>
  unsupported?: Record<string, string>
}) {
  const byLower = new Map<string, T>()
  for (const v of opts.values) byLower.set(v.toLowerCase(), v)
  for (const [k, v] of Object.entries(opts.aliases ?? {})) byLower.set(k.toLowerCase(), v)
  const unsupported = new Map<string, string>()
  for (const [k, why] of Object.entries(opts.unsupported ?? {})) unsupported.set(k.toLowerCase(), why)
  return field<T>((v) => {
    const s = scalarText(v)?.trim()
    const lower = s?.toLowerCase()
    const hit = lower === undefined ? undefined : byLower.get(lower)
    if (hit !== undefined) return hit
    const why = lower === undefined ? undefined : unsupported.get(lower)
    if (why !== undefined) return new Bad(`${show(s)} is not supported: ${why}`, ConfigCode.UNSUPPORTED)
    return new Bad(`expected one of ${opts.values.map((x) => show(x)).join(', ')}, got ${show(v)}`)
  })
}

/** An option Spark users carry over that has no effect here; accepted and documented as ignored. */
export function ignored(doc: { spark?: string; why: string }) {
  return field<unknown>((v) => v)
    .optional()
    .meta({ type: 'any', default: '(ignored)', spark: doc.spark, description: `Accepted and ignored: ${doc.why}` })
}
