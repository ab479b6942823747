/**
 * docs/errors.md lists exactly the error codes src/ uses: every `SLUICE_…` code in the TypeScript
 * sources has a section (and a row in its area's table), every documented code is still used,
 * and each section's "Retriable" agrees with the `retriable` option at the code's throw sites.
 * The scanner itself is tested on a small fixture, so that a scanner that finds nothing cannot
 * pass for a doc that is in sync.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  compareDocToSource,
  listTypeScriptFiles,
  parseErrorsDoc,
  retriableSummary,
  scanErrorCodes,
  type ScanResult,
} from '../../tools/gen-errors-doc.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

let srcScan: ScanResult | undefined
/** The scan of src/, made once for the tests that need it. */
function scanSrc(): ScanResult {
  srcScan ??= scanErrorCodes(listTypeScriptFiles(join(ROOT, 'src')), ROOT)
  return srcScan
}

test('docs/errors.md documents every error code in src/ and nothing else (fix with node dist/tools/gen-errors-doc.js)', async () => {
  const scan = scanSrc()
  const doc = parseErrorsDoc(await readFile(join(ROOT, 'docs', 'errors.md'), 'utf8'))
  // A scan that found nothing would make every comparison below vacuous.
  assert.ok(scan.codes.size >= 40, `only ${scan.codes.size} codes found in src/`)
  for (const known of ['SLUICE_CHECKPOINT_MISMATCH', 'SLUICE_INTERNAL', 'SLUICE_CONFIG_VALUE']) {
    assert.ok(scan.codes.has(known), `${known} is found in src/`)
  }
  assert.deepEqual(compareDocToSource(doc, scan), [])
  assert.deepEqual([...doc.headings.keys()].sort(), [...scan.codes.keys()].sort())
})

test('codes built from a prefix are found, and the prefixes themselves are not codes', () => {
  const scan = scanSrc()
  for (const prefix of scan.prefixes) {
    assert.ok(!scan.codes.has(prefix), `${prefix} is a prefix, not a code`)
    assert.ok(
      [...scan.codes.keys()].some((c) => c.startsWith(`${prefix}_`)),
      `prefix ${prefix} builds at least one code`,
    )
  }
})

const FIXTURE_ERRORS = `
export class SluiceError extends Error {
  constructor(readonly code: string, message: string, readonly options: { retriable?: boolean } = {}) {
    super(message)
  }
}
`

const FIXTURE_CODE = `
import { SluiceError } from './errors.js'

declare const process: { env: Record<string, string | undefined> }

// SLUICE_FIX_IN_COMMENT is not a code: comments never count.
export function corrupt(prefix: 'SLUICE_FIX_LOG' | 'SLUICE_FIX_CKPT', flag: boolean): SluiceError {
  if (flag) return new SluiceError(\`\${prefix}_CORRUPT\`, 'x')
  return new SluiceError('SLUICE_FIX_DIRECT', \`see [SLUICE_FIX_MENTIONED] \${String(flag)}\`, { retriable: true })
}
export const maybe = (ok: boolean) => new SluiceError('SLUICE_FIX_MAYBE', 'm', { retriable: ok })
export const never = () => new SluiceError('SLUICE_FIX_MAYBE', 'n', { retriable: false })
export const level = process.env['SLUICE_FIX_ENV']
export const wildcard = 'rejects with SLUICE_FIX_* errors'
export const passing = (e: { code: string }) => new SluiceError(e.code, 'p')
export const partial = (x: string) => \`SLUICE_FIX_\${x}\`
`

test('the scanner reads literals, templates and message text, and skips comments, env names and prefixes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-docs-errors-'))
  try {
    await writeFile(join(dir, 'errors.ts'), FIXTURE_ERRORS)
    await writeFile(join(dir, 'thrower.ts'), FIXTURE_CODE)
    const scan = scanErrorCodes(listTypeScriptFiles(dir), dir)
    assert.deepEqual(
      [...scan.codes.keys()],
      [
        'SLUICE_FIX_CKPT_CORRUPT',
        'SLUICE_FIX_DIRECT',
        'SLUICE_FIX_LOG_CORRUPT',
        'SLUICE_FIX_MAYBE',
        'SLUICE_FIX_MENTIONED',
      ],
    )
    assert.deepEqual([...scan.prefixes].sort(), ['SLUICE_FIX_CKPT', 'SLUICE_FIX_LOG'])
    assert.deepEqual(scan.passThrough.map((p) => p.file), ['thrower.ts'])
    const summary = (code: string) => retriableSummary(scan.codes.get(code)!.sites)
    assert.equal(summary('SLUICE_FIX_DIRECT'), 'yes')
    assert.equal(summary('SLUICE_FIX_LOG_CORRUPT'), 'no')
    assert.equal(summary('SLUICE_FIX_MAYBE'), 'depends')
    assert.equal(summary('SLUICE_FIX_MENTIONED'), null)
    assert.deepEqual(scan.codes.get('SLUICE_FIX_DIRECT')!.sites.map((s) => [s.file, s.line]), [['thrower.ts', 9]])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('the comparison reports missing, stale, duplicated and inconsistent entries', () => {
  const scan = {
    codes: new Map([
      ['SLUICE_A_ONE', { places: [{ file: 'src/a.ts', line: 3 }], sites: [{ file: 'src/a.ts', line: 3, retriable: 'yes' as const }] }],
      ['SLUICE_A_TWO', { places: [{ file: 'src/a.ts', line: 9 }], sites: [] }],
      ['SLUICE_A_THREE', { places: [{ file: 'src/b.ts', line: 1 }], sites: [{ file: 'src/b.ts', line: 1, retriable: 'no' as const }] }],
    ]),
    prefixes: new Set<string>(),
    passThrough: [],
  }
  const markdown = [
    '# errors',
    '',
    'See SLUICE_A_ONE and SLUICE_X_* and SLUICE_GONE_MENTION.',
    '',
    '| Code | Retriable | Meaning |',
    '|---|---|---|',
    '| `SLUICE_A_ONE` | yes | one |',
    '| `SLUICE_A_THREE` | yes | three |',
    '| `SLUICE_STALE` | no | stale |',
    '',
    '### SLUICE_A_ONE',
    '- **Retriable:** no',
    '```',
    '### SLUICE_A_TWO',
    '```',
    '### SLUICE_A_THREE',
    '- **Retriable:** no',
    '### `SLUICE_A_THREE`',
    '### SLUICE_STALE',
    '- **Retriable:** no',
  ].join('\n')
  const doc = parseErrorsDoc(markdown)
  assert.deepEqual([...doc.headings.keys()], ['SLUICE_A_ONE', 'SLUICE_A_THREE', 'SLUICE_STALE'])
  const problems = compareDocToSource(doc, scan)
  const about = (code: string, words: string) =>
    assert.ok(
      problems.some((p) => p.startsWith(code) && p.includes(words)),
      `expected a problem about ${code} (${words}) in:\n${problems.join('\n')}`,
    )
  about('SLUICE_A_TWO', 'has no "### SLUICE_A_TWO" section')
  about('SLUICE_A_THREE', 'more than one section')
  about('SLUICE_STALE', 'no longer in src/')
  about('SLUICE_STALE', 'in a table but not in src/')
  about('SLUICE_GONE_MENTION', 'is mentioned at line 3')
  about('SLUICE_A_ONE', 'documented as retriable no but the code says yes')
  about('SLUICE_A_THREE', 'the table says retriable "yes"')
  assert.ok(!problems.some((p) => p.includes('SLUICE_X')), 'a wildcard like SLUICE_X_* is no code')
})
