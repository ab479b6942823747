/**
 * No Docker engine runs here, so docker/Dockerfile is validated by reading it: every COPY source
 * from the build context exists, the build runs the project's own build command, and the
 * entrypoint is the CLI file that build produces.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8')
const instructions = dockerfile
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))

test('every COPY from the build context names files that exist', () => {
  const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
  assert.ok(copies.length >= 3)
  for (const line of copies) {
    const parts = line.split(/\s+/).slice(1)
    for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(root, src)), `${line}: ${src} is missing`)
  }
})

test('the image builds with the project tsconfig and starts the CLI the build produces', () => {
  assert.ok(instructions.includes('RUN npx tsc -p tsconfig.json'))
  const entry = instructions.find((l) => l.startsWith('ENTRYPOINT'))!
  const args = JSON.parse(entry.slice('ENTRYPOINT'.length)) as string[]
  assert.equal(args[0], 'node')
  assert.ok(existsSync(join(root, args[1]!)), `${args[1]} is produced by the build`)
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  assert.equal(args[1], pkg.bin.sluice, 'the entrypoint is the package bin')
  assert.ok(instructions.some((l) => l === 'EXPOSE 8091'), 'the metrics port is exposed')
})
