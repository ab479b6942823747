/**
 * Writes docs/config.md from the job schema: `npx tsc && node dist/tools/gen-config-doc.js`
 * (run from the repository root). `--check` exits 1 when the file is stale instead of writing.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { renderConfigDoc } from '../src/config/index.js'

const target = new URL('../../docs/config.md', import.meta.url)
const text = renderConfigDoc()
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '')
  if (current !== text) {
    console.error('docs/config.md is stale: run node dist/tools/gen-config-doc.js')
    process.exit(1)
  }
} else {
  await writeFile(target, text)
  console.log(`wrote ${target.pathname}`)
}
