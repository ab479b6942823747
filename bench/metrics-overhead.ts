/**
 * Metrics overhead (issue 3): the drain benchmark's sluice run with monitoring enabled and
 * disabled, alternating, on one pre-filled topic. Metrics are updated per batch and per trigger,
 * never per record, so the two should be within noise; the result reports the ratio.
 *
 *   node dist/bench/metrics-overhead.js   (BENCH_REPS=5 by default here)
 */
import { rm } from 'node:fs/promises'
import { median, PARTITIONS, prefill, sluiceDrain, summary, TOTAL, WORKERS, writeResult } from './drain-lib.js'

const REPS = Number(process.env.BENCH_REPS ?? 5)

async function main(): Promise<void> {
  const { stack, dir } = await prefill()
  try {
    const on: number[] = []
    const off: number[] = []
    for (let rep = 0; rep < REPS; rep++) {
      for (const metrics of rep % 2 === 0 ? [true, false] : [false, true]) {
        const r = await sluiceDrain(stack.env, dir, rep, { metrics, tag: metrics ? 'on' : 'off' })
        ;(metrics ? on : off).push(r.batchRate)
        process.stderr.write(`rep ${rep} metrics ${metrics ? 'on' : 'off'}: ${Math.round(r.batchRate)} records/s\n`)
      }
    }
    await writeResult('metrics-overhead', {
      records: TOTAL,
      partitions: PARTITIONS,
      reps: REPS,
      workers: WORKERS,
      batchRecordsPerSecond: { metrics_on: summary(on), metrics_off: summary(off) },
      ratio_on_over_off: Number((median(on) / median(off)).toFixed(3)),
    })
  } finally {
    await stack.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
