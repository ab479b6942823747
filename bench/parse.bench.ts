/**
 * Parsing record values: JSON.parse vs simdjson.parse vs simdjson.lazyParse (one key) on ~90-byte
 * records and on a 12 KB record. Decides whether simdjson has a place on the hot path
 * (src/sql/from-json.ts uses JSON.parse; see the report's numbers).
 *
 * Run: node dist/bench/parse.bench.js   (prints one JSON document)
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join } from 'node:path'
import simdjson from 'simdjson'
import { measure, randomText, REPS } from './micro-lib.js'

const require = createRequire(import.meta.url)
const simdjsonDir = dirname(require.resolve('simdjson/package.json'))
const nativeFile = join(simdjsonDir, 'build', 'Release', 'simdjson.node')
// simdjson silently falls back to the global JSON when its addon is missing.
const nativeLoaded = existsSync(nativeFile) && (simdjson.parse as unknown) !== JSON.parse
if (!nativeLoaded) {
  console.error(`simdjson native binding not loaded (${nativeFile}); the numbers below would be JSON's. Build it with \`npm rebuild simdjson\` (make bench-parse does)`)
  process.exitCode = 1
}

/** The alphabet this benchmark's published figures were measured with. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789'

// ~90-byte records like the job's.
const small = Array.from({ length: 1024 }, (_, i) => JSON.stringify({ message: randomText(67, i + 1, ALPHABET), id: i }))
const smallBytes = small.reduce((a, s) => a + s.length, 0) / small.length

// One 12 KB record with nested objects and arrays; the job's field is near the end.
const big = JSON.stringify({
  items: Array.from({ length: 120 }, (_, i) => ({ id: i, name: randomText(40, i, ALPHABET), score: i / 7, tags: ['a', 'b'] })),
  message: 'needle',
})

const smallResult = measure(
  [
    { name: 'JSON.parse', fn: (i) => JSON.parse(small[i & 1023]!).message },
    { name: 'simdjson.parse', fn: (i) => simdjson.parse(small[i & 1023]!).message },
    { name: 'simdjson.lazyParse+valueForKeyPath', fn: (i) => simdjson.lazyParse(small[i & 1023]!).valueForKeyPath('message') },
    { name: 'simdjson.isValid', fn: (i) => simdjson.isValid(small[i & 1023]!) },
  ],
  200_000,
  smallBytes,
)
const bigResult = measure(
  [
    { name: 'JSON.parse', fn: () => JSON.parse(big).message },
    { name: 'simdjson.parse', fn: () => simdjson.parse(big).message },
    { name: 'simdjson.lazyParse+valueForKeyPath', fn: () => simdjson.lazyParse(big).valueForKeyPath('message') },
    { name: 'simdjson.isValid', fn: () => simdjson.isValid(big) },
  ],
  3_000,
  big.length,
)

console.log(
  JSON.stringify(
    {
      bench: 'parse',
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      simdjsonNative: nativeLoaded,
      repetitions: REPS,
      small: { bytes: Math.round(smallBytes), results: smallResult },
      big: { bytes: big.length, results: bigResult },
    },
    null,
    2,
  ),
)
