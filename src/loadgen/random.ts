/**
 * Per-record randomness that depends only on (seed, seq, salt): the same record gets the same key,
 * size, disorder and malformation whichever thread builds it and in whatever order.
 */

/** A 32-bit avalanche hash of three integers (murmur3's finaliser over a simple mix). */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b ^ 0xc2b2ae35, 0x27d4eb2f) ^ Math.imul(c + 0x165667b1, 0x9e3779b1)
  // seq may exceed 2^32: fold the high part in as well
  h ^= Math.floor(b / 4294967296)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A float in [0, 1) for (seed, seq, salt). */
export function unit(seed: number, seq: number, salt: number): number {
  return hash3(seed, seq, salt) / 4294967296
}

/** Salts: one per use, so that decisions about the same record are independent. */
export const SALT = { key: 1, size: 2, disorder: 3, malformed: 4, template: 5, hot: 6, size2: 7 } as const

/** A standard normal deviate from two uniforms (Box-Muller). */
export function normal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2)
}
