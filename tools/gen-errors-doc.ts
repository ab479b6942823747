/**
 * Writes docs/errors.md from the error table (src/error-codes/) and the introduction in
 * tools/errors-doc-head.md.
 *
 *   npx tsc && node dist/tools/gen-errors-doc.js          rewrite docs/errors.md
 *   node dist/tools/gen-errors-doc.js --check             exit 1 when docs/errors.md is stale
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ERROR_AREAS, type ErrorCodeInfo } from '../src/error-codes/index.js'

const WIDTH = 100
const ROOT = new URL('../../', import.meta.url)
export const DOC_PATH = fileURLToPath(new URL('docs/errors.md', ROOT))
const HEAD_PATH = fileURLToPath(new URL('tools/errors-doc-head.md', ROOT))
/** Guides that span several codes (after the tables). */
const TAIL_PATH = fileURLToPath(new URL('tools/errors-doc-tail.md', ROOT))

/** Words that would start a Markdown block if they began a wrapped line. */
const BLOCK_START = /^(?:[-+*>#|]|\d+[.)])$/

/** Wraps `text` to WIDTH: `first` before the first line, `indent` before the others. */
export function wrap(text: string, first: string, indent: string): string[] {
  const lines: string[] = []
  let line = first
  let empty = true
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      let carried = ''
      if (BLOCK_START.test(word)) {
        // Keep the word on the line before, with the one preceding it.
        const cut = line.lastIndexOf(' ')
        carried = line.slice(cut + 1)
        line = line.slice(0, cut)
      }
      lines.push(line)
      line = indent + (carried === '' ? word : `${carried} ${word}`)
    } else {
      line += (empty ? '' : ' ') + word
    }
    empty = false
  }
  lines.push(line)
  return lines
}

/** A `- **Label:** text` bullet; `\n- ` in the text starts an indented sub-item. */
function bullet(label: string, text: string): string[] {
  const [main, ...items] = text.split('\n- ')
  const out = wrap(main!, `- **${label}:** `, '  ')
  for (const item of items) out.push(...wrap(item, '  - ', '    '))
  return out
}

function anchor(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')
}

function retriableWord(r: ErrorCodeInfo['retriable']): string {
  return r === 'depends' ? 'depends' : r ? 'yes' : 'no'
}

function section(code: string, info: ErrorCodeInfo): string[] {
  const word = retriableWord(info.retriable)
  const retriable = info.retriableNote === undefined ? word : `${word}${word === 'depends' ? ':' : '.'} ${info.retriableNote}`
  return [
    `### ${code}`,
    '',
    ...bullet('What', info.what),
    ...bullet('Why', info.why),
    ...bullet('What to do', info.todo),
    ...bullet('Retriable', retriable),
    ...bullet('details', info.details),
    '',
  ]
}

/** docs/errors.md as the table says it. */
export function renderErrorsDoc(head: string = readFileSync(HEAD_PATH, 'utf8'), tail: string = readFileSync(TAIL_PATH, 'utf8')): string {
  const out = [head.trimEnd(), '']
  const links = ERROR_AREAS.map(({ area }) => `[${area.title}](#${anchor(area.title)})`)
  out.push(...wrap(links.join(' · '), 'Sections: ', ''), '')
  for (const { area, codes } of ERROR_AREAS) {
    out.push(`## ${area.title}`, '')
    for (const p of area.intro) out.push(...wrap(p, '', ''), '')
    out.push('| Code | Retriable | Meaning |', '|---|---|---|')
    for (const [code, info] of Object.entries(codes)) {
      out.push(`| \`${code}\` | ${retriableWord(info.retriable)} | ${info.meaning} |`)
    }
    out.push('')
    for (const [code, info] of Object.entries(codes)) out.push(...section(code, info))
  }
  out.push(tail.trim(), '')
  return `${out.join('\n').trimEnd()}\n`
}

function main(): void {
  const want = renderErrorsDoc()
  if (process.argv.includes('--check')) {
    let have = ''
    try {
      have = readFileSync(DOC_PATH, 'utf8')
    } catch {}
    if (have !== want) {
      console.error('docs/errors.md is stale: run `npx tsc && node dist/tools/gen-errors-doc.js`.')
      process.exitCode = 1
    }
    return
  }
  writeFileSync(DOC_PATH, want)
  console.log(`wrote ${DOC_PATH}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main()
