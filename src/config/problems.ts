/**
 * Config problems are collected, not thrown one by one: a job file with three mistakes is reported
 * with all three in one SluiceError, each naming the field (`sink.partitionBy`) and the fix.
 */
import { SluiceError } from '../errors.js'

/** Stable codes of the config area (docs/errors.md). */
export const ConfigCode = {
  /** The job file cannot be read (missing, unreadable). */
  READ: 'SLUICE_CONFIG_READ',
  /** The file is not valid YAML/JSON (line and column in the message). */
  SYNTAX: 'SLUICE_CONFIG_SYNTAX',
  /** `${VAR}` interpolation failed: unset variable without a default, or a malformed reference. */
  ENV: 'SLUICE_CONFIG_ENV',
  /** A key that no option has; the message suggests the closest known key. */
  UNKNOWN_KEY: 'SLUICE_CONFIG_UNKNOWN_KEY',
  /** A Spark option or value sluice recognises but does not support (yet) or that does not apply. */
  UNSUPPORTED: 'SLUICE_CONFIG_UNSUPPORTED',
  /** A required option is missing. */
  REQUIRED: 'SLUICE_CONFIG_REQUIRED',
  /** An option has a value of the wrong type or out of range. */
  VALUE: 'SLUICE_CONFIG_VALUE',
  /** sink.path / sink.checkpointLocation is not a usable location (raised by storage's parseLocation). */
  PATH: 'SLUICE_CONFIG_PATH',
  /** The Kafka source options conflict (subscription choice, min/max offsets per trigger). */
  SOURCE: 'SLUICE_CONFIG_SOURCE',
  /** Several problems with different codes; each is listed in the message and details.problems. */
  INVALID: 'SLUICE_CONFIG_INVALID',
} as const

export type ConfigCodeValue = (typeof ConfigCode)[keyof typeof ConfigCode]

export interface Problem {
  code: ConfigCodeValue
  /** Dotted path of the field (`source.kafka.bootstrap.servers`, `sink.partitionBy`), '' for the file. */
  path: string
  /** What is wrong and what to do; does not repeat the path. */
  message: string
}

export class Problems {
  readonly #list: Problem[] = []
  readonly #file: string

  constructor(file: string) {
    this.#file = file
  }

  /** Records a problem; only the first problem of a path is kept (a later one is a consequence). */
  add(code: ConfigCodeValue, path: string, message: string): void {
    if (path !== '' && this.has(path)) return
    this.#list.push({ code, path, message })
  }

  get size(): number {
    return this.#list.length
  }

  has(path: string): boolean {
    return this.#list.some((p) => p.path === path)
  }

  /** Throws one SluiceError holding every problem collected so far; no-op when there are none. */
  throwIfAny(): void {
    if (this.#list.length === 0) return
    throw problemsError(this.#file, this.#list)
  }
}

export function problemsError(file: string, list: readonly Problem[]): SluiceError {
  const codes = new Set(list.map((p) => p.code))
  const code = codes.size === 1 ? list[0]!.code : ConfigCode.INVALID
  const lines = list.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`))
  const message =
    list.length === 1
      ? `job file ${file}: ${lines[0]}`
      : `job file ${file} has ${list.length} problems:\n${lines.map((l) => `  - ${l}`).join('\n')}`
  return new SluiceError(code, message, {
    details: { file, problems: list.map((p) => ({ ...p })) },
  })
}

/** Levenshtein distance, case-insensitive (option names are short; no need for anything faster). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let prev = new Array<number>(y.length + 1)
  let cur = new Array<number>(y.length + 1)
  for (let j = 0; j <= y.length; j++) prev[j] = j
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i
    for (let j = 1; j <= y.length; j++) {
      const cost = x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
    }
    const t = prev
    prev = cur
    cur = t
  }
  return prev[y.length]!
}

/** The closest candidate when it is close enough to be a plausible typo, else undefined. */
export function closest(key: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    const d = editDistance(key, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  if (best === undefined) return undefined
  const limit = Math.max(2, Math.floor(Math.max(key.length, best.length) / 3))
  return bestDistance <= limit ? best : undefined
}

/** Renders a value for a message: strings quoted, objects as JSON, long text cut. */
export function show(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value)
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
