/**
 * `${VAR}` interpolation in string values (never in keys), after YAML/JSON parsing so that a
 * variable's content cannot change the document's structure.
 *
 * text := (literal | "$${" | ref)*
 * ref := "${" NAME [":-" default] "}"       NAME := [A-Za-z_][A-Za-z0-9_]*
 *
 * `${VAR:-default}` uses the default when VAR is unset or empty (shell semantics); `$${` is a
 * literal `${`. A mapping value that ends up '' after interpolation is removed: the option counts as
 * not set (`endpoint: ${S3_ENDPOINT:-}` → the SDK's own endpoint chain).
 */
import { ConfigCode, type Problems } from './problems.js'

export type Env = Record<string, string | undefined>

const REF = /\$\$\{|\$\{([^}]*)\}/g
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface InterpolationResult {
  value: unknown
  /** Dotted paths whose value was interpolated to '' and therefore removed. */
  emptied: Map<string, string>
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`
  return base === '' ? key : `${base}.${key}`
}

export function interpolate(root: unknown, env: Env, problems: Problems): InterpolationResult {
  const emptied = new Map<string, string>()
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return value.includes('$') ? expand(value, path) : value
    if (Array.isArray(value)) return value.map((v, i) => walk(v, joinPath(path, i)))
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) {
        const p = joinPath(path, k)
        const r = walk(v, p)
        if (r === '' && typeof v === 'string' && v !== '') {
          emptied.set(p, v)
          continue
        }
        out[k] = r
      }
      return out
    }
    return value
  }
  const expand = (text: string, path: string): string =>
    text.replace(REF, (match: string, body: string | undefined) => {
      if (match === '$${') return '${'
      const ref = body ?? ''
      const sep = ref.indexOf(':-')
      const name = sep === -1 ? ref : ref.slice(0, sep)
      if (!NAME.test(name)) {
        problems.add(
          ConfigCode.ENV,
          path,
          `malformed variable reference ${match}: write \${NAME} or \${NAME:-default} with NAME made of letters, digits and _ (or $\${ for a literal \${)`,
        )
        return match
      }
      const set = env[name]
      if (set !== undefined && set !== '') return set
      if (sep !== -1) return ref.slice(sep + 2)
      if (set === '') return ''
      problems.add(
        ConfigCode.ENV,
        path,
        `environment variable ${name} is not set (used as ${match}): export ${name}, or give a default with \${${name}:-value}`,
      )
      return match
    })
  return { value: walk(root, ''), emptied }
}
