/**
 * Bounded memory: peak RSS of the whole sluice process (all threads), in two scenarios.
 *
 * 1. batches: the pre-filled `drain` topic drained with batches of growing size
 *    (maxOffsetsPerTrigger) under one writerMemory budget. Output is streamed as multipart parts
 *    and files are cut at the budget, so peak RSS should level off instead of growing with the batch.
 * 2. dirs: 320,000 records of ~300 bytes whose timestamps spread over 1,200 hours, partitioned by
 *    dt/dth (1,200+ directories), one worker, coalesce 1, writerMemory 4MB, without and with gzip.
 *    Open files are counted by allocated capacity and the least recently used are closed, so
 *    peak RSS should stay near the one-directory figure instead of growing with the directories.
 *    With BENCH_BASELINE_CLI=<other build>/dist/src/cli/main.js the same runs alternate with that
 *    build (before/after on a noisy machine: medians of BENCH_REPS runs each).
 *
 *   node dist/bench/memory.js                       (both scenarios)
 *   BENCH_MEMORY_SCENARIOS=dirs BENCH_BASELINE_CLI=/tmp/base/dist/src/cli/main.js node dist/bench/memory.js
 */
import { cliPath } from '../test/helpers/sluice-process.js'
import { median, PARTITIONS, REPS, runOnPrefilledTopic, sluiceDrain, TOTAL, WORKERS, writeResult } from './drain-lib.js'

const WRITER_MEMORY = process.env.BENCH_WRITER_MEMORY ?? '64MB'
const SIZES = [TOTAL / 16, TOTAL / 4, TOTAL]
const SCENARIOS = (process.env.BENCH_MEMORY_SCENARIOS ?? 'batches,dirs').split(',')
const DIRS_TOPIC = 'dirs'
const DIRS_COUNT = Number(process.env.BENCH_DIRS_COUNT ?? 320_000)
const DIRS_HOURS = 1200
const DIRS_MEMORY = '4MB'
const BASELINE = process.env.BENCH_BASELINE_CLI

interface DirsRow {
  build: 'this' | 'baseline'
  compression: 'none' | 'gzip'
  peakRssMb: number[]
  medianPeakRssMb: number
  recordsPerSecond: number
}

runOnPrefilledTopic(
  async (stack, dir) => {
    const result: Record<string, unknown> = { records: TOTAL, partitions: PARTITIONS, workers: WORKERS }
    if (SCENARIOS.includes('batches')) {
      // Scenario 1 (result `memory`).
      const rows: { recordsPerBatch: number; peakRssMb: number; recordsPerSecond: number }[] = []
      for (const [i, size] of SIZES.entries()) {
        const r = await sluiceDrain(stack.env, dir, i, { tag: `mem${size}`, maxOffsetsPerTrigger: size, writerMemory: WRITER_MEMORY })
        rows.push({ recordsPerBatch: size, peakRssMb: r.maxRssMb, recordsPerSecond: Math.round(r.batchRate) })
        process.stderr.write(`batch of ${size}: peak RSS ${r.maxRssMb} MB\n`)
      }
      result.writerMemory = WRITER_MEMORY
      result.rows = rows
    }
    if (SCENARIOS.includes('batches')) await writeResult('memory', result)
    if (SCENARIOS.includes('dirs')) await writeResult('memory-dirs', await dirsScenario(stack.env, dir))
  },
  SCENARIOS.includes('dirs') ? [{ name: DIRS_TOPIC, count: DIRS_COUNT, args: ['--record-bytes', '300', '--time-span-hours', String(DIRS_HOURS)] }] : [],
  SCENARIOS.includes('batches'),
)

async function dirsScenario(env: Record<string, string>, dir: string): Promise<Record<string, unknown>> {
  const builds: { build: 'this' | 'baseline'; cli: string }[] = [{ build: 'this', cli: cliPath }]
  if (BASELINE !== undefined) builds.push({ build: 'baseline', cli: BASELINE })
  const runs = new Map<string, { rss: number[]; rate: number[] }>()
  let n = 0
  for (let rep = 0; rep < REPS; rep++) {
    // Alternate the order each repetition, so drift on the shared machine hits both builds alike.
    const order = rep % 2 === 0 ? builds : [...builds].reverse()
    for (const compression of ['none', 'gzip'] as const) {
      for (const b of order) {
        const r = await sluiceDrain(env, dir, n++, {
          tag: `dirs-${b.build}-${compression}`,
          topic: DIRS_TOPIC,
          rows: DIRS_COUNT,
          coalesce: 1,
          workers: 1,
          writerMemory: DIRS_MEMORY,
          compression,
          cli: b.cli,
        })
        const key = `${b.build}/${compression}`
        const entry = runs.get(key) ?? { rss: [], rate: [] }
        entry.rss.push(r.maxRssMb)
        entry.rate.push(r.batchRate)
        runs.set(key, entry)
        process.stderr.write(`dirs ${key} rep ${rep}: peak RSS ${r.maxRssMb} MB, ${Math.round(r.batchRate)} records/s\n`)
      }
    }
  }
  const rows: DirsRow[] = [...runs].map(([key, v]) => {
    const [build, compression] = key.split('/') as ['this' | 'baseline', 'none' | 'gzip']
    return { build, compression, peakRssMb: v.rss, medianPeakRssMb: median(v.rss), recordsPerSecond: Math.round(median(v.rate)) }
  })
  return { records: DIRS_COUNT, hours: DIRS_HOURS, recordBytes: 300, workers: 1, coalesce: 1, writerMemory: DIRS_MEMORY, baseline: BASELINE ?? null, rows }
}
