/**
 * Shared by the micro-benchmarks beside the hot path (parse, serialize): deterministic text and a
 * measuring loop that alternates the order of the contenders each repetition and reports the
 * median with min-max. Results are printed as JSON by each benchmark.
 */

export const REPS = 7

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,:-'

/** The same text for the same (len, seed), so runs compare like with like. */
export function randomText(len: number, seed: number, alphabet = ALPHABET): string {
  let s = ''
  let x = seed
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += alphabet[x % alphabet.length]
  }
  return s
}

export interface Measured {
  opsPerSec: number
  min: number
  max: number
  /** With bytesPerOp: the median in MB/s. */
  mbPerSec?: number
}

/** Runs each case n times per repetition, REPS repetitions, order alternating. */
export function measure(cases: { name: string; fn: (i: number) => unknown }[], n: number, bytesPerOp?: number): Record<string, Measured> {
  const samples: Record<string, number[]> = {}
  for (const c of cases) samples[c.name] = []
  let sink = 0
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse()
    for (const c of order) {
      const t0 = process.hrtime.bigint()
      // Counting results keeps the work from being optimised away.
      for (let i = 0; i < n; i++) if (c.fn(i) !== undefined) sink++
      samples[c.name]!.push(n / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
  }
  if (sink < 0) console.error('impossible')
  const out: Record<string, Measured> = {}
  for (const [k, v] of Object.entries(samples)) {
    const s = [...v].sort((a, b) => a - b)
    const med = s[Math.floor(s.length / 2)]!
    out[k] = { opsPerSec: Math.round(med), min: Math.round(s[0]!), max: Math.round(s[s.length - 1]!) }
    if (bytesPerOp !== undefined) out[k].mbPerSec = Math.round((med * bytesPerOp) / 1e5) / 10
  }
  return out
}
