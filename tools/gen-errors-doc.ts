/**
 * Keeps docs/errors.md true to the code: finds every `SLUICE_…` error code under src/ and compares
 * it with the codes the doc documents.
 *
 *   npx tsc && node dist/tools/gen-errors-doc.js          report; print a skeleton for missing codes
 *   node dist/tools/gen-errors-doc.js --check             exit 1 when the doc and src/ disagree
 *
 * The scan reads the TypeScript sources with the compiler API (comments never count), so it sees
 * codes written as literals (`'SLUICE_S3_ACCESS'`, `code: 'SLUICE_SINK_LOG_CONCURRENT'`), codes
 * inside message text (`[SLUICE_INTERNAL]`) and codes built from a template whose placeholders
 * have literal types (`` `${codePrefix}_CORRUPT` `` with `codePrefix: 'SLUICE_CHECKPOINT' |
 * 'SLUICE_SINK_LOG'`). A placeholder value used only to build longer codes is a prefix, not a code.
 * For each `new SluiceError(code, message, options)` it also records whether the site is retriable
 * (`retriable: true`), not (absent or `false`) or depends (any other expression).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

/** A whole error code. */
const CODE = /^SLUICE_[A-Z0-9]+(?:_[A-Z0-9]+)*$/
/** A code inside text: not part of a longer word, not a wildcard (`SLUICE_LOADGEN_*`). */
const CODE_IN_TEXT = /(?<![A-Za-z0-9_])SLUICE_[A-Z0-9]+(?:_[A-Z0-9]+)*(?![A-Za-z0-9_*])/g

/** Code-shaped names that are not error codes (environment variables). */
export const NOT_ERROR_CODES: ReadonlySet<string> = new Set(['SLUICE_LOG_LEVEL'])

export type Retriable = 'yes' | 'no' | 'depends'

export interface Place {
  /** Path relative to the scanned root, '/'-separated. */
  file: string
  line: number
}

export interface ThrowSite extends Place {
  retriable: Retriable
}

export interface ScanResult {
  /** Every error code, sorted, with where it appears. */
  codes: Map<string, { places: Place[]; sites: ThrowSite[] }>
  /** Literal values used only to build longer codes (`SLUICE_CHECKPOINT`). */
  prefixes: Set<string>
  /** `new SluiceError(x, …)` whose code is not a literal type (passed through: `err.code`). */
  passThrough: Place[]
}

/** All `.ts` files under `dir` (recursive), sorted. */
export function listTypeScriptFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...listTypeScriptFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The string values an expression can have, from its type; null when not all are literals. */
function literalValues(checker: ts.TypeChecker, expr: ts.Expression): string[] | null {
  if (ts.isStringLiteralLike(expr)) return [expr.text]
  const type = checker.getTypeAtLocation(expr)
  const members = type.isUnion() ? type.types : [type]
  const out: string[] = []
  for (const t of members) {
    if (!t.isStringLiteral()) return null
    out.push(t.value)
  }
  return out
}

/** Every string a template can produce, when each placeholder has literal types (≤ 64 results). */
function templateValues(
  checker: ts.TypeChecker,
  node: ts.TemplateExpression,
): { values: string[]; placeholders: string[] } | null {
  let acc = [node.head.text]
  const placeholders: string[] = []
  for (const span of node.templateSpans) {
    const vals = literalValues(checker, span.expression)
    if (vals === null || acc.length * vals.length > 64) return null
    placeholders.push(...vals)
    const next: string[] = []
    for (const a of acc) for (const v of vals) next.push(a + v + span.literal.text)
    acc = next
  }
  return { values: acc, placeholders }
}

function retriableOf(options: ts.Expression | undefined): Retriable {
  if (options === undefined) return 'no'
  if (!ts.isObjectLiteralExpression(options)) return 'depends'
  let spread = false
  for (const p of options.properties) {
    if (ts.isSpreadAssignment(p)) spread = true
    if (p.name === undefined || !ts.isIdentifier(p.name) || p.name.text !== 'retriable') continue
    if (ts.isPropertyAssignment(p)) {
      if (p.initializer.kind === ts.SyntaxKind.TrueKeyword) return 'yes'
      if (p.initializer.kind === ts.SyntaxKind.FalseKeyword) return 'no'
    }
    return 'depends'
  }
  return spread ? 'depends' : 'no'
}

/** Scans TypeScript files for error codes; `root` makes the reported paths relative. */
export function scanErrorCodes(files: readonly string[], root: string): ScanResult {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  }
  // Codes live in the project's own files: resolving imports between them lets a code constant
  // imported from another file count, while packages (AWS SDK, kafkajs typings) are left out,
  // which keeps the scan fast. TypeScript's own lib files are still found through getSourceFile.
  const host = ts.createCompilerHost(options)
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (f) => !f.includes('/node_modules/') && fileExists(f)
  const program = ts.createProgram({ rootNames: [...files], options, host })
  const checker = program.getTypeChecker()
  const wanted = new Set(files.map((f) => ts.sys.resolvePath(f)))
  const places = new Map<string, Place[]>()
  const sites = new Map<string, ThrowSite[]>()
  const builtFrom = new Set<string>()
  const thrown = new Set<string>()
  const passThrough: Place[] = []

  const add = (map: Map<string, Place[]>, code: string, place: Place): void => {
    const list = map.get(code)
    if (list === undefined) map.set(code, [place])
    else list.push(place)
  }

  for (const sf of program.getSourceFiles()) {
    if (!wanted.has(ts.sys.resolvePath(sf.fileName))) continue
    const file = relative(root, sf.fileName).split('\\').join('/')
    const at = (node: ts.Node): Place => ({
      file,
      line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
    })
    /** Codes inside a piece of text; `open*` says a placeholder touches that end of the piece. */
    const scanText = (text: string, node: ts.Node, openStart: boolean, openEnd: boolean): void => {
      for (const m of text.matchAll(CODE_IN_TEXT)) {
        const start = m.index
        const end = start + m[0].length
        if ((openStart && start === 0) || (openEnd && end === text.length)) continue
        add(places, m[0], at(node))
      }
    }

    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        const parent = node.parent
        const isEnvName = ts.isElementAccessExpression(parent) && parent.argumentExpression === node
        if (!isEnvName && !ts.isImportDeclaration(parent) && !ts.isExportDeclaration(parent)) {
          scanText(node.text, node, false, false)
        }
      } else if (ts.isTemplateExpression(node)) {
        const expanded = templateValues(checker, node)
        const built = expanded?.values.filter((v) => CODE.test(v)) ?? []
        if (expanded !== null && built.length > 0) {
          for (const v of built) add(places, v, at(node))
          for (const p of expanded.placeholders) builtFrom.add(p)
        } else {
          const n = node.templateSpans.length
          scanText(node.head.text, node, false, n > 0)
          node.templateSpans.forEach((s, i) => scanText(s.literal.text, node, true, i < n - 1))
        }
      } else if (
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'SluiceError' &&
        node.arguments !== undefined &&
        node.arguments.length > 0
      ) {
        const arg = node.arguments[0]!
        const codes = ts.isTemplateExpression(arg)
          ? (templateValues(checker, arg)?.values ?? null)
          : literalValues(checker, arg)
        if (codes === null) passThrough.push(at(node))
        else {
          const retriable = retriableOf(node.arguments[2])
          for (const code of codes) {
            thrown.add(code)
            const list = sites.get(code)
            const site = { ...at(node), retriable }
            if (list === undefined) sites.set(code, [site])
            else list.push(site)
            add(places, code, at(node))
          }
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }

  const prefixes = new Set<string>()
  for (const p of builtFrom) if (CODE.test(p) && !thrown.has(p)) prefixes.add(p)
  const codes: ScanResult['codes'] = new Map()
  for (const code of [...places.keys()].sort()) {
    if (prefixes.has(code) || NOT_ERROR_CODES.has(code)) continue
    codes.set(code, { places: places.get(code)!, sites: sites.get(code) ?? [] })
  }
  return { codes, prefixes, passThrough }
}

/** 'yes' or 'no' when every throw site agrees, else 'depends'; null without a site. */
export function retriableSummary(sites: readonly ThrowSite[]): Retriable | null {
  if (sites.length === 0) return null
  const kinds = new Set(sites.map((s) => s.retriable))
  return kinds.size === 1 ? [...kinds][0]! : 'depends'
}

export interface DocEntry {
  line: number
  /** From `**Retriable:** yes|no|depends` in the code's section, if present. */
  retriable: Retriable | null
}

export interface ParsedDoc {
  /** Codes with a heading of their own (`### SLUICE_…`), in order. */
  headings: Map<string, DocEntry>
  /** Codes that head a heading more than once. */
  duplicates: string[]
  /** Codes in the first cell of a table row → the second cell (the Retriable column). */
  tableCodes: Map<string, string>
  /** Every code mentioned anywhere, with its first line. */
  mentions: Map<string, number>
}

/** Reads the documented codes out of docs/errors.md. */
export function parseErrorsDoc(markdown: string): ParsedDoc {
  const headings = new Map<string, DocEntry>()
  const duplicates: string[] = []
  const tableCodes = new Map<string, string>()
  const mentions = new Map<string, number>()
  let current: DocEntry | null = null
  let inFence = false
  markdown.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(CODE_IN_TEXT)) if (!mentions.has(m[0])) mentions.set(m[0], i + 1)
    if (/^\s*```/.test(line)) inFence = !inFence
    if (inFence) return
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading !== null) {
      current = null
      const code = /^`?(SLUICE_[A-Z0-9_]+)`?\s*$/.exec(heading[2]!.trim())?.[1]
      if (code !== undefined) {
        current = { line: i + 1, retriable: null }
        if (headings.has(code)) duplicates.push(code)
        else headings.set(code, current)
      }
      return
    }
    const row = /^\|\s*`?(SLUICE_[A-Z0-9_]+)`?\s*\|([^|]*)/.exec(line)
    if (row !== null) tableCodes.set(row[1]!, row[2]!.trim().toLowerCase())
    const r = /\*\*Retriable:\*\*\s*(yes|no|depends)\b/i.exec(line)
    if (r !== null && current !== null && (current as DocEntry).retriable === null) {
      ;(current as DocEntry).retriable = r[1]!.toLowerCase() as Retriable
    }
  })
  return { headings, duplicates, tableCodes, mentions }
}

/** Every disagreement between the doc and the scan, as readable lines (empty: in sync). */
export function compareDocToSource(doc: ParsedDoc, scan: ScanResult): string[] {
  const problems: string[] = []
  const where = (code: string): string => {
    const p = scan.codes.get(code)!.places[0]!
    return `${p.file}:${p.line}`
  }
  for (const code of scan.codes.keys()) {
    if (!doc.headings.has(code)) problems.push(`${code} (used at ${where(code)}) has no "### ${code}" section`)
  }
  for (const code of doc.duplicates) problems.push(`${code} has more than one section`)
  for (const [code, entry] of doc.headings) {
    if (!scan.codes.has(code)) problems.push(`${code} (line ${entry.line}) is documented but no longer in src/`)
    if (!doc.tableCodes.has(code)) problems.push(`${code} has a section but no row in its area's table`)
  }
  for (const [code, retriable] of doc.tableCodes) {
    if (!scan.codes.has(code)) problems.push(`${code} is in a table but not in src/`)
    const section = doc.headings.get(code)
    if (section === undefined) problems.push(`${code} is in a table but has no section`)
    else if (section.retriable !== null && section.retriable !== retriable) {
      problems.push(`${code}: the table says retriable "${retriable}", its section "${section.retriable}"`)
    }
  }
  for (const [code, line] of doc.mentions) {
    if (!scan.codes.has(code) && !doc.headings.has(code) && !doc.tableCodes.has(code)) {
      problems.push(`${code} is mentioned at line ${line} but is no error code in src/`)
    }
  }
  for (const [code, entry] of doc.headings) {
    const info = scan.codes.get(code)
    if (info === undefined) continue
    if (entry.retriable === null) {
      problems.push(`${code} (line ${entry.line}) has no "**Retriable:** yes|no|depends" line`)
      continue
    }
    const actual = retriableSummary(info.sites)
    if (actual !== null && actual !== entry.retriable) {
      const sites = info.sites.map((s) => `${s.file}:${s.line} ${s.retriable}`).join(', ')
      problems.push(`${code} is documented as retriable ${entry.retriable} but the code says ${actual} (${sites})`)
    }
  }
  return problems
}

function skeleton(code: string, scan: ScanResult): string {
  const info = scan.codes.get(code)!
  const retriable = retriableSummary(info.sites) ?? 'no'
  const at = info.places.map((p) => `${p.file}:${p.line}`).join(', ')
  return [
    `| \`${code}\` | ${retriable} |  |`,
    '',
    `### ${code}`,
    '',
    `<!-- raised at ${at} -->`,
    '- **What:** ',
    '- **Why:** ',
    '- **What to do:** ',
    `- **Retriable:** ${retriable}`,
    '- **details:** ',
    '',
  ].join('\n')
}

function main(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const scan = scanErrorCodes(listTypeScriptFiles(join(root, 'src')), root)
  const docPath = join(root, 'docs', 'errors.md')
  let text = ''
  try {
    text = readFileSync(docPath, 'utf8')
  } catch {
    // A missing doc reports every code as missing.
  }
  const doc = parseErrorsDoc(text)
  const problems = compareDocToSource(doc, scan)
  console.log(`${scan.codes.size} error codes in src/, ${doc.headings.size} documented in docs/errors.md`)
  for (const p of problems) console.log(`  - ${p}`)
  const missing = [...scan.codes.keys()].filter((c) => !doc.headings.has(c))
  if (!process.argv.includes('--check') && missing.length > 0) {
    console.log('\nSkeletons for the missing codes (paste into the right area of docs/errors.md):\n')
    for (const code of missing) console.log(skeleton(code, scan))
  }
  if (problems.length > 0) process.exitCode = 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()
