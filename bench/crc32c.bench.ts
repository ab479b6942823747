/**
 * CRC-32C of a record batch (verified for every batch decoded): the @node-rs/crc32 addon vs a
 * slice-by-8 table in JavaScript, on 1 KiB, 16 KiB and 1 MiB. Prints JSON (MB/s, median).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/crc32c.bench.js
 */
import { crc32c, crc32cJs } from '../src/kafka/crc32c.js'
import { measure, randomText } from './micro-lib.js'

const out: Record<string, unknown> = { node: process.version, unit: 'MB/s (median)' }
for (const size of [1024, 16 * 1024, 1024 * 1024]) {
  const buf = Buffer.from(randomText(size, size))
  if (crc32c(buf, 0, size) !== crc32cJs(buf, 0, size)) throw new Error('implementations disagree')
  const n = Math.max(20, Math.round((128 * 1024 * 1024) / size))
  out[`${size / 1024} KiB`] = measure(
    [
      { name: '@node-rs/crc32 crc32c [native]', fn: () => crc32c(buf, 0, size) },
      { name: 'slice-by-8 [js]', fn: () => crc32cJs(buf, 0, size) },
    ],
    n,
    size,
  )
}
console.log(JSON.stringify(out, null, 2))
