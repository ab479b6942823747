/**
 * The key pass: before values are validated, every key of the file is checked against the schema.
 * Unknown keys are never ignored: each one is reported with its full path and, when one is close,
 * a "did you mean"; Spark options that sluice recognises but does not take are reported with the
 * reason and what to do instead. Keys of `source` and `sink` are matched case-insensitively and
 * rewritten to their canonical spelling, as Spark's CaseInsensitiveMap does for options.
 */
import type { z } from 'zod'
import type { SectionDoc } from './fields.js'
import { joinPath } from './interpolate.js'
import { jobSchema, S3A_CONF_HINTS, SECTIONS, type SectionName } from './job-schema.js'
import { ConfigCode, closest, type Problems, show } from './problems.js'
import { FROM_JSON_UNSUPPORTED } from './from-json-schema.js'
import { SINK_UNSUPPORTED } from './sink-schema.js'
import { KAFKA_REJECTED, KAFKA_UNSUPPORTED_PREFIXES, SOURCE_UNSUPPORTED } from './source-schema.js'

type Obj = Record<string, unknown>

export function isMap(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function sectionKeys(name: SectionName): string[] {
  return Object.keys((jobSchema.shape[name] as z.ZodObject).shape)
}

const TOP_KEYS = Object.keys(jobSchema.shape)

/** Every known key → where it lives, for "did you mean sink.trigger" on a misplaced key. */
const HOME = new Map<string, string>()
for (const s of SECTIONS) for (const k of sectionKeys(s)) HOME.set(k.toLowerCase(), `${s}.${k}`)

function unknownKey(problems: Problems, path: string, key: string, candidates: string[], where: string): void {
  const near = closest(key, candidates)
  const home = HOME.get(key.toLowerCase())
  let hint: string
  if (near !== undefined) hint = `did you mean ${show(near)}?`
  else if (home !== undefined && home !== path) hint = `did you mean ${home}? (it belongs in that section)`
  else hint = `known keys ${where}: ${candidates.join(', ')}`
  problems.add(ConfigCode.UNKNOWN_KEY, path, `unknown key; ${hint}`)
}

/** Checks the top level and every section; returns a copy with only known, canonical keys. */
export function checkKeys(root: Obj, problems: Problems): Obj {
  const out: Obj = {}
  for (const [key, value] of Object.entries(root)) {
    if (!TOP_KEYS.includes(key)) {
      unknownKey(problems, key, key, TOP_KEYS, 'at the top level')
      continue
    }
    if (value === null) continue
    out[key] = value
  }
  for (const s of SECTIONS) {
    const value = out[s]
    if (value !== undefined && !isMap(value)) {
      problems.add(ConfigCode.VALUE, s, `must be a mapping of options (key: value), got ${show(value)}`)
      out[s] = {}
      continue
    }
    out[s] = checkSection(s, (value ?? {}) as Obj, problems)
  }
  return out
}

function checkSection(section: SectionName, input: Obj, problems: Problems): Obj {
  const known = sectionKeys(section)
  const meta = (jobSchema.shape[section].meta() ?? {}) as Partial<SectionDoc>
  const byLower = new Map<string, string>()
  for (const k of known) byLower.set(meta.caseInsensitive ? k.toLowerCase() : k, k)
  const out: Obj = {}
  const spelledAs = new Map<string, string>()
  for (const [key, value] of Object.entries(input)) {
    const path = joinPath(section, key)
    const canonical = byLower.get(meta.caseInsensitive ? key.toLowerCase() : key)
    if (canonical === undefined) {
      rejectKey(section, key, path, known, problems)
      continue
    }
    const first = spelledAs.get(canonical)
    if (first !== undefined) {
      problems.add(
        ConfigCode.VALUE,
        path,
        `is given twice (as ${show(first)} and ${show(key)}; keys here are case-insensitive); keep one`,
      )
      continue
    }
    spelledAs.set(canonical, key)
    if (value === null) continue
    out[canonical] = value
  }
  return out
}

function findCaseInsensitive(table: Record<string, string>, key: string): string | undefined {
  const lower = key.toLowerCase()
  for (const [k, why] of Object.entries(table)) if (k.toLowerCase() === lower) return why
  return undefined
}

function rejectKey(section: SectionName, key: string, path: string, known: string[], problems: Problems): void {
  if (section === 'source') {
    const why = findCaseInsensitive(SOURCE_UNSUPPORTED, key)
    if (why !== undefined) {
      problems.add(ConfigCode.UNSUPPORTED, path, `is ${why}`)
      return
    }
    const rejected = findCaseInsensitive(KAFKA_REJECTED, key)
    if (rejected !== undefined) {
      problems.add(ConfigCode.UNSUPPORTED, path, `is not supported: ${rejected}`)
      return
    }
    const lower = key.toLowerCase()
    if (lower.startsWith('kafka.')) {
      for (const [prefix, reason] of Object.entries(KAFKA_UNSUPPORTED_PREFIXES)) {
        if (lower.startsWith(prefix)) {
          problems.add(ConfigCode.UNSUPPORTED, path, `is not supported yet: ${reason}`)
          return
        }
      }
      const kafkaKeys = known.filter((k) => k.startsWith('kafka.'))
      const near = closest(key, kafkaKeys)
      if (near !== undefined) {
        problems.add(ConfigCode.UNKNOWN_KEY, path, `unknown key; did you mean ${show(near)}?`)
      } else {
        problems.add(
          ConfigCode.UNSUPPORTED,
          path,
          `is a Kafka client option sluice does not pass on (it would be silently ignored otherwise); remove it. Supported kafka.* options: ${kafkaKeys.join(', ')}`,
        )
      }
      return
    }
  }
  if (section === 'sink' || section === 'fromJson') {
    const why = findCaseInsensitive(section === 'sink' ? SINK_UNSUPPORTED : FROM_JSON_UNSUPPORTED, key)
    if (why !== undefined) {
      problems.add(ConfigCode.UNSUPPORTED, path, `is ${why}`)
      return
    }
  }
  if (section === 'conf') {
    const target = S3A_CONF_HINTS[key]
    if (target !== undefined) {
      problems.add(ConfigCode.UNSUPPORTED, path, `is a Hadoop S3A setting; set ${target} instead`)
      return
    }
    if (key.startsWith('spark.hadoop.')) {
      problems.add(
        ConfigCode.UNSUPPORTED,
        path,
        `is a Hadoop setting, and there is no Hadoop here; S3 settings go in the s3 section (${Object.values(S3A_CONF_HINTS).join(', ')})`,
      )
      return
    }
  }
  unknownKey(problems, path, key, known, `in ${section}`)
}
