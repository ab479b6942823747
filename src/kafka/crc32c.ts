/**
 * CRC-32C (Castagnoli), the checksum of a RecordBatch v2 (over attributes .. end of batch).
 * Two implementations, chosen by bench/crc32c.bench.ts: the `@node-rs/crc32` addon (SSE4.2 /
 * ARMv8 CRC instructions) and a slice-by-8 table in plain JavaScript, used where the addon's
 * prebuilt binary is missing for the platform.
 */
import { createRequire } from 'node:module'

const POLY = 0x82f63b78
const T = new Int32Array(256 * 8)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
  T[n] = c
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff]! ^ (c >>> 8)
    T[k * 256 + n] = c
  }
}

/** CRC-32C of b[start, end) in plain JavaScript (slice-by-8). */
export function crc32cJs(b: Uint8Array, start: number, end: number): number {
  let c = ~0
  let i = start
  const stop8 = end - ((end - start) & 7)
  while (i < stop8) {
    c ^= b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
    const hi = b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)
    c =
      T[1792 + (c & 0xff)]! ^ T[1536 + ((c >>> 8) & 0xff)]! ^ T[1280 + ((c >>> 16) & 0xff)]! ^ T[1024 + (c >>> 24)]! ^
      T[768 + (hi & 0xff)]! ^ T[512 + ((hi >>> 8) & 0xff)]! ^ T[256 + ((hi >>> 16) & 0xff)]! ^ T[hi >>> 24]!
    i += 8
  }
  while (i < end) c = T[(c ^ b[i++]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

type Native = (input: Uint8Array, initial?: number) => number
let native: Native | null | undefined

function loadNative(): Native | null {
  try {
    return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Native }).crc32c
  } catch {
    return null
  }
}

/** CRC-32C of b[start, end): the addon when it loads, else {@link crc32cJs}. */
export function crc32c(b: Buffer, start: number, end: number): number {
  if (native === undefined) native = loadNative()
  if (native === null) return crc32cJs(b, start, end)
  return native(b.subarray(start, end)) >>> 0
}
