/**
 * Bounded memory (issue 2): peak RSS of the whole sluice process (all threads) draining the same
 * pre-filled topic with batches of growing size (maxOffsetsPerTrigger), under one writerMemory
 * budget. Output is streamed as multipart parts and open files are cut at the budget, so peak RSS
 * should level off instead of growing with the batch.
 *
 *   node dist/bench/memory.js
 */
import { PARTITIONS, runOnPrefilledTopic, sluiceDrain, TOTAL, WORKERS, writeResult } from './drain-lib.js'

const WRITER_MEMORY = process.env.BENCH_WRITER_MEMORY ?? '64MB'
const SIZES = [TOTAL / 16, TOTAL / 4, TOTAL]

runOnPrefilledTopic(async (stack, dir) => {
  const rows: { recordsPerBatch: number; peakRssMb: number; recordsPerSecond: number }[] = []
  for (const [i, size] of SIZES.entries()) {
    const r = await sluiceDrain(stack.env, dir, i, { tag: `mem${size}`, maxOffsetsPerTrigger: size, writerMemory: WRITER_MEMORY })
    rows.push({ recordsPerBatch: size, peakRssMb: r.maxRssMb, recordsPerSecond: Math.round(r.batchRate) })
    process.stderr.write(`batch of ${size}: peak RSS ${r.maxRssMb} MB\n`)
  }
  await writeResult('memory', { records: TOTAL, partitions: PARTITIONS, workers: WORKERS, writerMemory: WRITER_MEMORY, rows })
})
