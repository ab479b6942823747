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

const require = createRequire(import.meta.url)
const simdjsonDir = dirname(require.resolve('simdjson/package.json'))
const nativeFile = join(simdjsonDir, 'build', 'Release', 'simdjson.node')
// simdjson silently falls back to the global JSON when its addon is missing.
const nativeLoaded = existsSync(nativeFile) && (simdjson.parse as unknown) !== JSON.parse
if (!nativeLoaded) {
  console.error(`simdjson native binding not loaded (${nativeFile}); the numbers below would be JSON's`)
  process.exitCode = 1
}

const REPS = 7

function randomText(len: number, seed: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789'
  let s = ''
  let x = seed
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += alphabet[x % alphabet.length]
  }
  return s
}

function measure(cases: { name: string; fn: (i: number) => unknown }[], n: number, bytesPerOp: number) {
  const samples: Record<string, number[]> = {}
  for (const c of cases) samples[c.name] = []
  let sink = 0
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse()
    for (const c of order) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < n; i++) if (c.fn(i) !== undefined) sink++
      samples[c.name]!.push(n / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
  }
  if (sink < 0) console.error('impossible')
  const out: Record<string, { opsPerSec: number; mbPerSec: number; min: number; max: number }> = {}
  for (const [k, v] of Object.entries(samples)) {
    const s = [...v].sort((a, b) => a - b)
    const med = s[Math.floor(s.length / 2)]!
    out[k] = {
      opsPerSec: Math.round(med),
      mbPerSec: Math.round((med * bytesPerOp) / 1e5) / 10,
      min: Math.round(s[0]!),
      max: Math.round(s[s.length - 1]!),
    }
  }
  return out
}

// ~90-byte records like the job's.
const small = Array.from({ length: 1024 }, (_, i) => JSON.stringify({ message: randomText(67, i + 1), id: i }))
const smallBytes = small.reduce((a, s) => a + s.length, 0) / small.length

// One 12 KB record with nested objects and arrays; the job's field is near the end.
const big = JSON.stringify({
  items: Array.from({ length: 120 }, (_, i) => ({ id: i, name: randomText(40, i), score: i / 7, tags: ['a', 'b'] })),
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
