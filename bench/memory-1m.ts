/**
 * Issue 11's memory target: peak RSS of the whole sluice process (all threads) below 512 MB with
 * `maxOffsetsPerTrigger: 1000000`, whatever coalesce and the worker count. Pre-fill 1,000,000
 * records (BENCH_PER_PARTITION=31250 × 32 partitions) and drain them in one batch with the default
 * writerMemory, for each (coalesce, workers) pair. Writes bench/results/memory-1m-<timestamp>.json.
 *
 *   BENCH_PER_PARTITION=31250 node dist/bench/memory-1m.js
 */
import { runOnPrefilledTopic, sluiceDrain, TOTAL, WORKERS, writeResult } from './drain-lib.js'

const PAIRS = [
  { coalesce: 1, workers: 1 },
  { coalesce: 1, workers: WORKERS },
  { coalesce: 3, workers: WORKERS },
  { coalesce: 32, workers: WORKERS },
]

runOnPrefilledTopic(async (stack, dir) => {
  const rows: { coalesce: number; workers: number; peakRssMb: number; recordsPerSecond: number }[] = []
  let i = 0
  for (const p of PAIRS) {
    const r = await sluiceDrain(stack.env, dir, i++, { tag: `m1m-c${p.coalesce}-w${p.workers}`, maxOffsetsPerTrigger: 1_000_000, coalesce: p.coalesce, workers: p.workers })
    rows.push({ ...p, peakRssMb: r.maxRssMb, recordsPerSecond: Math.round(r.batchRate) })
    process.stderr.write(`coalesce ${p.coalesce} workers ${p.workers}: peak RSS ${r.maxRssMb} MB\n`)
  }
  await writeResult('memory-1m', { records: TOTAL, maxOffsetsPerTrigger: 1_000_000, writerMemory: '256MB (default)', rows })
})
