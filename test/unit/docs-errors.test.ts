/**
 * One table of error codes (src/error-codes/): docs/errors.md is generated from it and must be
 * fresh; every `SLUICE_…` word in src/ and test/ is a code of the table (tsc already rejects a
 * `SluiceError` with another code; this also covers messages, comments and tests); every code of
 * the table is still raised somewhere; `retriable` defaults come from the table.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ERROR_AREAS, ERROR_CODES, isErrorCode } from '../../src/error-codes/index.js'
import { deserializeError, SluiceError, serializeError } from '../../src/errors.js'
import { DOC_PATH, renderErrorsDoc, wrap } from '../../tools/gen-errors-doc.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CODE_IN_TEXT = /(?<![A-Za-z0-9_])SLUICE_[A-Z0-9]+(?:_[A-Z0-9]+)*(?![A-Za-z0-9_*])/g
const ENV_NAME = /env(?:\.|\[['"])(SLUICE_[A-Z0-9_]+)/g
const CODES = Object.keys(ERROR_CODES)

function tsFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...tsFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The sources outside the table itself, relative path → text. */
function sources(...dirs: string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const d of dirs) {
    for (const f of tsFiles(join(ROOT, d))) {
      const rel = relative(ROOT, f)
      if (!rel.startsWith('src/error-codes/')) out.set(rel, readFileSync(f, 'utf8'))
    }
  }
  return out
}

test('docs/errors.md is generated from the error table (fix: npx tsc && node dist/tools/gen-errors-doc.js)', () => {
  assert.ok(CODES.length >= 50, `the table has only ${CODES.length} codes`)
  const doc = readFileSync(DOC_PATH, 'utf8')
  for (const code of CODES) assert.ok(doc.includes(`\n### ${code}\n`), `docs/errors.md has a section for ${code}`)
  assert.equal(doc, renderErrorsDoc(), 'docs/errors.md differs from what the table generates')
})

test('each code is in exactly one area, and every field has text', () => {
  const inAreas = ERROR_AREAS.flatMap(({ codes }) => Object.keys(codes))
  assert.deepEqual([...inAreas].sort(), [...CODES].sort())
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    for (const field of ['meaning', 'what', 'why', 'todo', 'details'] as const) {
      assert.ok(info[field].trim() !== '', `${code}.${field} is empty`)
    }
  }
})

test('every SLUICE_ word in src/ and test/ is a code of the table, a prefix of its codes, or an environment variable', () => {
  const files = sources('src', 'test')
  const envNames = new Set<string>()
  for (const text of files.values()) for (const m of text.matchAll(ENV_NAME)) envNames.add(m[1]!)
  // The image reads its own variables (docker/Dockerfile's HEALTHCHECK).
  for (const m of readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8').matchAll(ENV_NAME)) envNames.add(m[1]!)
  const unknown: string[] = []
  for (const [file, text] of files) {
    text.split('\n').forEach((line, i) => {
      for (const [word] of line.matchAll(CODE_IN_TEXT)) {
        if (isErrorCode(word) || envNames.has(word) || CODES.some((c) => c.startsWith(`${word}_`))) continue
        unknown.push(`${file}:${i + 1} ${word}`)
      }
    })
  }
  assert.deepEqual(unknown, [])
})

test('every code of the table is raised or named somewhere in src/', () => {
  const files = sources('src')
  const unused = CODES.filter((code) => {
    for (const text of files.values()) {
      if (new RegExp(`(?<![A-Z0-9_])${code}(?![A-Z0-9_])`).test(text)) return false
      // Built from a prefix: `${codePrefix}_CORRUPT` with codePrefix: 'SLUICE_CHECKPOINT' | ….
      const cut = code.lastIndexOf('_')
      const prefix = code.slice(0, cut)
      if (text.includes(`}${code.slice(cut)}\``) && text.includes(`'${prefix}'`)) return false
    }
    return true
  })
  assert.deepEqual(unused, [])
})

test('SluiceError takes retriable from the table unless the site says otherwise', () => {
  assert.equal(new SluiceError('SLUICE_S3_UNAVAILABLE', 'x').retriable, true)
  assert.equal(new SluiceError('SLUICE_CONFIG_READ', 'x').retriable, false)
  assert.equal(new SluiceError('SLUICE_FILE_IO', 'x').retriable, false)
  assert.equal(new SluiceError('SLUICE_FILE_IO', 'x', { retriable: true }).retriable, true)
  const back = deserializeError(serializeError(new SluiceError('SLUICE_KAFKA_FETCH', 'y', { retriable: true })))
  assert.deepEqual([back.code, back.retriable, back.message], ['SLUICE_KAFKA_FETCH', true, 'y'])
})

test('the doc wrapper keeps lines within 100 columns and never starts a line with a list marker', () => {
  const words = 'a '.repeat(60) + '- b 1. c ' + 'dd '.repeat(40)
  const lines = wrap(words.trim(), '- **What:** ', '  ')
  assert.ok(lines.length > 2)
  for (const l of lines) assert.ok(l.length <= 100, l)
  for (const l of lines.slice(1)) assert.match(l, /^ {2}(?![-+*]\s|\d+[.)]\s)/)
  assert.equal(lines.join(' ').replace(/\s+/g, ' '), `- **What:** ${words.trim()}`.replace(/\s+/g, ' '))
})
