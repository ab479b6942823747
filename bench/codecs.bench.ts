/**
 * Decompression throughput per Kafka codec, on record sections shaped like real batches: JSON
 * values of ~90-200 bytes framed as RecordBatch v2 records, 16 KiB (the Java producer's default
 * batch.size) and 1 MiB (librdkafka's default batch size) uncompressed. Native addons (napi-rs)
 * vs WebAssembly vs pure JavaScript; gzip is Node's zlib, the only choice. Prints one JSON
 * document: MB/s of decompressed output, median of REPS alternating runs.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/codecs.bench.js
 *
 * sluice's own (chosen by this run) are dependencies: snappy, lz4-napi, @mongodb-js/zstd. The
 * other candidates are measured when installed:
 *   npm install --no-save snappyjs lz4js fzstd @bokuweb/zstd-wasm
 *
 * Seen on the 2-core machine under heavy load from other jobs (load average 10-20), MB/s on
 * 1 MiB / 16 KiB batches: snappy native 1089 / 128, snappyjs 152 / 158; lz4 native 296 / 38,
 * lz4js 84 / 8.5; zstd native (async) 327 / 51, zstd-wasm 84 / 97, fzstd 26 / 12; gzip (zlib)
 * 118 / 75. Native wins on the batch sizes that matter for throughput (hundreds of KiB to MiB);
 * on 16 KiB batches call overhead dominates and the contenders are within 2x.
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import { createRequire } from 'node:module'
import { measure, randomText } from './micro-lib.js'

const require = createRequire(import.meta.url)

interface Candidate {
  name: string
  kind: 'native' | 'wasm' | 'js'
  fn: (data: Buffer) => unknown
  async?: (data: Buffer) => Promise<unknown>
}

/** A records section of about `size` bytes: varint length + JSON value, like a batch's body. */
function recordsSection(size: number): Buffer {
  const parts: Buffer[] = []
  let total = 0
  for (let i = 0; total < size; i++) {
    const v = Buffer.from(
      JSON.stringify({ id: i, ts: '2025-07-02T23:00:00.000Z', user: `user-${i % 1000}`, message: randomText(40 + (i % 100), i) }),
    )
    const rec = Buffer.concat([Buffer.from([v.length & 0x7f, 0, 0, i & 0x7f, 1]), v, Buffer.from([0])])
    parts.push(rec)
    total += rec.length
  }
  return Buffer.concat(parts).subarray(0, size)
}

function tryLoad<T>(name: string): T | null {
  try {
    return require(name) as T
  } catch {
    return null
  }
}

async function asyncRate(fn: (d: Buffer) => Promise<unknown>, data: Buffer, n: number, outBytes: number): Promise<number> {
  const rates: number[] = []
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await fn(data)
    rates.push((n * outBytes) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6)
  }
  rates.sort((a, b) => a - b)
  return Math.round(rates[2]! * 10) / 10
}

async function main(): Promise<void> {
  const snappyNative = tryLoad<{ compressSync(b: Buffer): Buffer; uncompressSync(b: Buffer): Buffer }>('snappy')
  const snappyjs = tryLoad<{ uncompress(b: Buffer): Buffer; compress(b: Buffer): Buffer }>('snappyjs')
  const lz4Native = tryLoad<{ compressFrameSync(b: Buffer): Buffer; decompressFrameSync(b: Buffer): Buffer }>('lz4-napi')
  const lz4js = tryLoad<{ compress(b: Buffer): Uint8Array; decompress(b: Uint8Array): Uint8Array }>('lz4js')
  const zstdNative = tryLoad<{ compress(b: Buffer, l?: number): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>('@mongodb-js/zstd')
  const fzstd = tryLoad<{ decompress(b: Uint8Array): Uint8Array }>('fzstd')
  const zstdWasm = tryLoad<{ init(): Promise<void>; compress(b: Buffer, l?: number): Uint8Array; decompress(b: Uint8Array): Uint8Array }>('@bokuweb/zstd-wasm')
  if (zstdWasm) await zstdWasm.init()

  const out: Record<string, unknown> = { node: process.version, unit: 'MB/s of decompressed output (median)' }
  for (const size of [16 * 1024, 1024 * 1024]) {
    const plain = recordsSection(size)
    const n = Math.max(5, Math.round((16 * 1024 * 1024) / size))
    const inputs: Record<string, Buffer> = {
      gzip: gzipSync(plain),
      snappy: snappyNative!.compressSync(plain),
      lz4: lz4Native!.compressFrameSync(plain),
      zstd: await zstdNative!.compress(plain, 3),
    }
    const candidates: Record<string, Candidate[]> = {
      gzip: [{ name: 'node:zlib gunzipSync', kind: 'native', fn: (d) => gunzipSync(d) }],
      snappy: [
        ...(snappyNative ? [{ name: 'snappy (napi-rs)', kind: 'native' as const, fn: (d: Buffer) => snappyNative.uncompressSync(d) }] : []),
        ...(snappyjs ? [{ name: 'snappyjs', kind: 'js' as const, fn: (d: Buffer) => snappyjs.uncompress(d) }] : []),
      ],
      lz4: [
        ...(lz4Native ? [{ name: 'lz4-napi (decompressFrameSync)', kind: 'native' as const, fn: (d: Buffer) => lz4Native.decompressFrameSync(d) }] : []),
        ...(lz4js ? [{ name: 'lz4js', kind: 'js' as const, fn: (d: Buffer) => lz4js.decompress(d) }] : []),
      ],
      zstd: [
        ...(zstdNative ? [{ name: '@mongodb-js/zstd (async only)', kind: 'native' as const, fn: () => undefined, async: (d: Buffer) => zstdNative.decompress(d) }] : []),
        ...(zstdWasm ? [{ name: '@bokuweb/zstd-wasm', kind: 'wasm' as const, fn: (d: Buffer) => zstdWasm.decompress(d) }] : []),
        ...(fzstd ? [{ name: 'fzstd', kind: 'js' as const, fn: (d: Buffer) => fzstd.decompress(d) }] : []),
      ],
    }
    const bySize: Record<string, unknown> = {}
    for (const [codec, list] of Object.entries(candidates)) {
      const input = inputs[codec]!
      for (const c of list) {
        const got = c.async ? await c.async(input) : c.fn(input)
        if (!Buffer.from(got as Uint8Array).equals(plain)) throw new Error(`${c.name} did not round-trip ${codec}`)
      }
      const sync = list.filter((c) => !c.async)
      const m = measure(sync.map((c) => ({ name: c.name, fn: () => c.fn(input) })), n, size)
      const row: Record<string, unknown> = { ratio: Math.round((size / input.length) * 100) / 100 }
      for (const c of sync) row[`${c.name} [${c.kind}]`] = m[c.name]!.mbPerSec
      for (const c of list.filter((x) => x.async)) row[`${c.name} [${c.kind}]`] = await asyncRate(c.async!, input, n, size)
      bySize[codec] = row
    }
    out[`${size / 1024} KiB`] = bySize
  }
  console.log(JSON.stringify(out, null, 2))
}

await main()
