/**
 * Drain benchmark (issue 2): one pre-filled topic (32 partitions, ~100-byte JSON records, as many
 * as the mock broker's ~5 MB per-partition retention holds), drained in one run, alternating, by
 *   (a) kcat consuming to /dev/null — the ceiling: how fast the records can be read at all;
 *   (b) a straightforward single-threaded kafkajs consumer → JSON.parse → bucket by dt/dth →
 *       PutObject pipeline — what a user would otherwise write;
 *   (c) sluice `--trigger availableNow` (whole process: start-up, one batch, exit).
 * Prints records/s for each (median of BENCH_REPS, min-max) and the ratios c/a and c/b, and
 * writes bench/results/drain-<timestamp>.json with the machine, Node version and commit.
 *
 *   make bench            (BENCH_REPS=3 BENCH_PER_PARTITION=30000 by default)
 */
import { COALESCE, kafkajsPipeline, kcatDrain, median, PARTITIONS, REPS, runOnPrefilledTopic, sluiceDrain, summary, TOTAL, WORKERS, writeResult } from './drain-lib.js'

runOnPrefilledTopic(async (stack, dir) => {
  const a: number[] = []
  const b: number[] = []
  const c: number[] = []
  const cBatch: number[] = []
  const cRss: number[] = []
  for (let rep = 0; rep < REPS; rep++) {
    // Alternate the order so that warm-up and noise do not favour one contender.
    const order = rep % 2 === 0 ? ['a', 'b', 'c'] : ['c', 'b', 'a']
    for (const which of order) {
      if (which === 'a') a.push(await kcatDrain(stack.kafka.bootstrap))
      if (which === 'b') b.push(await kafkajsPipeline(stack.kafka.bootstrap, stack.s3.endpoint, rep))
      if (which === 'c') {
        const r = await sluiceDrain(stack.env, dir, rep)
        c.push(r.rate)
        cBatch.push(r.batchRate)
        cRss.push(r.maxRssMb)
      }
      process.stderr.write(`rep ${rep} ${which} done\n`)
    }
  }
  await writeResult('drain', {
    records: TOTAL,
    partitions: PARTITIONS,
    reps: REPS,
    workers: WORKERS,
    coalesce: COALESCE,
    recordsPerSecond: {
      a_kcat: summary(a),
      b_kafkajs_pipeline: summary(b),
      c_sluice_process: summary(c),
      c_sluice_batch_only: summary(cBatch),
    },
    sluicePeakRssMb: summary(cRss),
    ratios: {
      c_over_a: Number((median(c) / median(a)).toFixed(3)),
      c_over_b: Number((median(c) / median(b)).toFixed(3)),
    },
  })
})
