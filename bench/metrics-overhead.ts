/**
 * Metrics overhead (issue 3): the drain benchmark's sluice run with monitoring enabled and
 * disabled, in pairs (order alternating), on one pre-filled topic. Metrics are updated per batch
 * and per trigger, never per record, so the two should be within noise. Wall-clock throughput on
 * these shared 2-core machines varies by ±20% from run to run and drifts, so the result reports
 * the median of the per-pair ratios (pairing cancels drift) for throughput and, less noisy, for
 * the process's CPU-seconds (all threads) per run.
 *
 *   node dist/bench/metrics-overhead.js   (BENCH_REPS=15 by default here: fewer pairs do not settle)
 */
import { median, PARTITIONS, runOnPrefilledTopic, sluiceDrain, summary, TOTAL, WORKERS, writeResult } from './drain-lib.js'

const REPS = Number(process.env.BENCH_REPS ?? 15)

runOnPrefilledTopic(async (stack, dir) => {
  const on: number[] = []
  const off: number[] = []
  const cpuOn: number[] = []
  const cpuOff: number[] = []
  for (let rep = 0; rep < REPS; rep++) {
    for (const metrics of rep % 2 === 0 ? [true, false] : [false, true]) {
      const r = await sluiceDrain(stack.env, dir, rep, { metrics, tag: metrics ? 'on' : 'off' })
      ;(metrics ? on : off).push(r.batchRate)
      ;(metrics ? cpuOn : cpuOff).push(r.cpuSeconds)
      process.stderr.write(`rep ${rep} metrics ${metrics ? 'on' : 'off'}: ${Math.round(r.batchRate)} records/s, ${r.cpuSeconds.toFixed(2)} CPU-s\n`)
    }
  }
  const pairRatios = on.map((v, i) => v / off[i]!)
  const cpuPairRatios = cpuOn.map((v, i) => v / cpuOff[i]!)
  await writeResult('metrics-overhead', {
    records: TOTAL,
    partitions: PARTITIONS,
    reps: REPS,
    workers: WORKERS,
    batchRecordsPerSecond: { metrics_on: summary(on), metrics_off: summary(off) },
    cpuSecondsPerRun: { metrics_on: median(cpuOn), metrics_off: median(cpuOff) },
    ratio_on_over_off: Number(median(pairRatios).toFixed(3)),
    pairRatios: pairRatios.map((r) => Number(r.toFixed(3))),
    cpu_ratio_on_over_off: Number(median(cpuPairRatios).toFixed(3)),
    cpuPairRatios: cpuPairRatios.map((r) => Number(r.toFixed(3))),
  })
})
