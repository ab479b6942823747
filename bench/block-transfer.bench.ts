/**
 * How encoded row blocks should move from a read task's thread to the merge writer (issue 11):
 * a worker fills BLOCKS blocks of 256 KiB and hands each to the main thread, which touches every
 * block (sums one byte per 4 KiB, as a writer's copy into a part buffer would read it) and
 * acknowledges it (credit: at most 16 blocks in flight). Variants:
 *   transfer: postMessage with the block's ArrayBuffer in the transfer list (no copy);
 *   copy:     postMessage of the Buffer without transfer (structured clone copies it);
 *   sab-ring: a SharedArrayBuffer of 16 slots; the worker writes into a free slot and posts its
 *             index (no copy, no allocation per block, but a fixed ring and slot bookkeeping).
 * Writes MB/s and CPU-ms per GB (this process, both threads) per variant, median of REPS
 * alternating rounds, to bench/results/block-transfer-<timestamp>.json.
 *
 *   node dist/bench/block-transfer.bench.js
 */
import { Worker } from 'node:worker_threads'
import { median, writeResult } from './drain-lib.js'

const BLOCK = 256 * 1024
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 4000)
const SLOTS = 16
const REPS = Number(process.env.BENCH_REPS ?? 5)
type Variant = 'transfer' | 'copy' | 'sab-ring'

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const { variant, BLOCK, BLOCKS, SLOTS } = workerData
let credit = SLOTS, waiting = null
const sab = variant === 'sab-ring' ? new SharedArrayBuffer(BLOCK * SLOTS) : null
const free = []
for (let i = 0; i < SLOTS; i++) free.push(i)
parentPort.on('message', (m) => { credit++; if (m.slot !== undefined) free.push(m.slot); if (waiting) { const w = waiting; waiting = null; w() } })
if (sab) parentPort.postMessage({ sab })
;(async () => {
  for (let i = 0; i < BLOCKS; i++) {
    while (credit === 0) await new Promise((r) => (waiting = r))
    credit--
    if (sab) {
      const slot = free.pop()
      const view = new Uint8Array(sab, slot * BLOCK, BLOCK)
      view.fill(i & 255)
      parentPort.postMessage({ slot, len: BLOCK })
    } else {
      const b = Buffer.allocUnsafeSlow(BLOCK)
      b.fill(i & 255)
      if (variant === 'transfer') parentPort.postMessage({ buf: b.buffer, len: BLOCK }, [b.buffer])
      else parentPort.postMessage({ buf: b, len: BLOCK })
    }
  }
  parentPort.postMessage({ end: true })
})()
`

async function once(variant: Variant): Promise<{ mbPerSecond: number; cpuMsPerGb: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const w = new Worker(workerSource, { eval: true, workerData: { variant, BLOCK, BLOCKS, SLOTS } })
  let sab: SharedArrayBuffer | null = null
  let sum = 0
  await new Promise<void>((resolve, reject) => {
    w.on('error', reject)
    w.on('message', (m: { sab?: SharedArrayBuffer; slot?: number; buf?: ArrayBuffer | Uint8Array; len?: number; end?: boolean }) => {
      if (m.sab !== undefined) {
        sab = m.sab
        return
      }
      if (m.end === true) return resolve()
      const view = m.slot !== undefined ? new Uint8Array(sab!, m.slot * BLOCK, BLOCK) : m.buf instanceof ArrayBuffer ? new Uint8Array(m.buf) : m.buf!
      for (let i = 0; i < view.length; i += 4096) sum += view[i]!
      w.postMessage(m.slot !== undefined ? { slot: m.slot } : {})
    })
  })
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(c0)
  await w.terminate()
  void sum
  const gb = (BLOCK * BLOCKS) / 1e9
  return { mbPerSecond: Math.round((BLOCK * BLOCKS) / 1e6 / seconds), cpuMsPerGb: Math.round((cpu.user + cpu.system) / 1000 / gb) }
}

const variants: Variant[] = ['transfer', 'copy', 'sab-ring']
const results = new Map<Variant, { mb: number[]; cpu: number[] }>(variants.map((v) => [v, { mb: [], cpu: [] }]))
for (let rep = 0; rep < REPS; rep++) {
  for (const v of rep % 2 === 0 ? variants : [...variants].reverse()) {
    const r = await once(v)
    results.get(v)!.mb.push(r.mbPerSecond)
    results.get(v)!.cpu.push(r.cpuMsPerGb)
  }
}
const out = variants.map((v) => ({ variant: v, mbPerSecond: median(results.get(v)!.mb), cpuMsPerGb: median(results.get(v)!.cpu), runs: results.get(v) }))
await writeResult('block-transfer', { blockBytes: BLOCK, blocks: BLOCKS, reps: REPS, results: out })
