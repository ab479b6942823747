/**
 * The thread boundary (docs/architecture.md): everything a worker thread loads, i.e. the compiled
 * modules reachable by runtime imports from the piscina entry, stays out of the coordinator's
 * code and packages. eslint.config.js checks the same per folder; this walks the real graph
 * (tsc has erased the type-only imports), so a worker-side module that reaches coordinator code
 * through a folder the lint rule does not list is caught too.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const ENTRY = resolve(SRC, 'worker/writer-task.js')
const FORBIDDEN_PACKAGES = ['kafkajs', 'prom-client', 'pino-pretty', 'pino/file', 'pino-abstract-transport', 'thread-stream']
const COORDINATOR_FOLDERS = ['kafka-admin', 'query', 'metrics', 'planner', 'checkpoint', 'cli', 'loadgen', 'config']

const STATIC_IMPORT = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** Runtime imports of every module reachable from `entry`: files (relative to src/) and packages. */
function reachable(entry: string): { files: string[]; packages: Map<string, string> } {
  const seen = new Set<string>([entry])
  const packages = new Map<string, string>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop()!
    const text = readFileSync(file, 'utf8')
    for (const re of [STATIC_IMPORT, DYNAMIC_IMPORT]) {
      for (const m of text.matchAll(re)) {
        const spec = m[1]!
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec)
          if (!seen.has(target)) {
            seen.add(target)
            queue.push(target)
          }
        } else if (!spec.startsWith('node:') && !packages.has(spec)) {
          packages.set(spec, relative(SRC, file))
        }
      }
    }
  }
  return { files: [...seen].map((f) => relative(SRC, f)).sort(), packages }
}

test('worker threads load no kafkajs, prom-client, pino transport, config loading or coordinator code', () => {
  const { files, packages } = reachable(ENTRY)
  assert.ok(files.includes('kafka/fetch-client.js'), `the walk follows imports: ${files.join(', ')}`)
  const badPackages = FORBIDDEN_PACKAGES.filter((p) => packages.has(p)).map((p) => `${p} (imported by ${packages.get(p)})`)
  assert.deepEqual(badPackages, [])
  const badFiles = files.filter((f) => COORDINATOR_FOLDERS.includes(f.split('/')[0]!))
  assert.deepEqual(badFiles, [])
})

test('the walk sees a coordinator module that loads kafkajs lazily', () => {
  const { packages } = reachable(resolve(SRC, 'kafka-admin/index.js'))
  assert.equal(packages.get('kafkajs'), 'kafka-admin/admin.js')
})
