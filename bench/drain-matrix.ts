/**
 * Issue 11's drain comparison (bench/drain-matrix-lib.ts): kcat, the kafkajs pipeline, sluice
 * coalesce 1 vs 3, one worker vs the default pool, ~100 B and ~1 KB records, medians of
 * BENCH_REPS (≥ 3) alternating rounds, records/s and CPU-seconds per million records. Writes
 * bench/results/drain-matrix-<timestamp>.json.
 *
 *   node dist/bench/drain-matrix.js
 *   BENCH_BASELINE_CLI=/tmp/base/dist/src/cli/main.js BENCH_MATRIX_PEERS=0 node dist/bench/drain-matrix.js   (before/after)
 *   BENCH_MATRIX_TOPICS=drain node dist/bench/drain-matrix.js                                               (100 B only)
 *   BENCH_BASELINE_CLI=… BENCH_MATRIX_TOPICS=drain1k,drain-gzip,drain-zstd BENCH_MATRIX_PEERS=kcat BENCH_MATRIX_SLUICE=c3w2 node dist/bench/drain-matrix.js
 *                                                   (the regression check on 1 KB and compressed topics → drain-matrix-regression)
 *   BENCH_MATRIX_PEERS=kcat BENCH_MATRIX_SLUICE=c3w2 node dist/bench/drain-matrix.js                                                (one sluice setting)
 */
import { loadavg } from 'node:os'
import { REPS, runOnPrefilledTopic, TOTAL, WORKERS, writeResult } from './drain-lib.js'
import { CODEC_TOPICS, CODEC_TOTAL, codecTopicSpec, KB_TOPIC, KB_TOPIC_SPEC, KB_TOTAL, matrixRatios, runDrainMatrix } from './drain-matrix-lib.js'

const TOPICS = (process.env.BENCH_MATRIX_TOPICS ?? `drain,${KB_TOPIC}`).split(',')
const CODECS = CODEC_TOPICS.filter((t) => TOPICS.includes(t))
const unknown = TOPICS.filter((t) => t !== 'drain' && t !== KB_TOPIC && !CODECS.includes(t as (typeof CODECS)[number]))
if (unknown.length > 0) throw new Error(`BENCH_MATRIX_TOPICS: unknown topic(s) ${unknown.join(', ')} (drain, ${KB_TOPIC}, ${CODEC_TOPICS.join(', ')})`)
const BASELINE = process.env.BENCH_BASELINE_CLI
/** BENCH_RESULT_NAME: the result's name (bench/results/<name>-<time>.json), e.g. drain-matrix-regression for a before/after run. */
const RESULT = process.env.BENCH_RESULT_NAME ?? (BASELINE === undefined ? 'drain-matrix' : 'drain-matrix-regression')
/** BENCH_MATRIX_SLUICE=c3w2,c1w1: only these sluice (coalesce, workers) pairs. */
const SLUICE = process.env.BENCH_MATRIX_SLUICE?.split(',').map((x) => {
  const m = /^c(\d+)w(\d+)$/.exec(x.trim())
  if (m === null) throw new Error(`BENCH_MATRIX_SLUICE: '${x}' is not c<coalesce>w<workers>`)
  return { coalesce: Number(m[1]), workers: Number(m[2]) }
})

runOnPrefilledTopic(
  async (stack, dir) => {
    const topics = [
      ...(TOPICS.includes('drain') ? [{ name: 'drain', total: TOTAL }] : []),
      ...(TOPICS.includes(KB_TOPIC) ? [{ name: KB_TOPIC, total: KB_TOTAL }] : []),
      ...CODECS.map((name) => ({ name, total: CODEC_TOTAL })),
    ]
    const rows = await runDrainMatrix(stack, dir, {
      reps: Math.max(REPS, 3),
      topics,
      ...(BASELINE === undefined ? {} : { baselineCli: BASELINE }),
      peers: process.env.BENCH_MATRIX_PEERS === 'kcat' ? 'kcat' : process.env.BENCH_MATRIX_PEERS !== '0',
      ...(SLUICE === undefined ? {} : { sluice: SLUICE }),
    })
    await writeResult(RESULT, {
      workers: WORKERS,
      reps: Math.max(REPS, 3),
      baseline: BASELINE ?? null,
      note: 'the broker and S3 server run on the same cores: compare CPU-seconds and same-run ratios, not absolute rates',
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      rows: rows.map(({ runs, ...r }) => ({ ...r, runs })),
      ratios: matrixRatios(rows),
    })
  },
  [...(TOPICS.includes(KB_TOPIC) ? [KB_TOPIC_SPEC] : []), ...CODECS.map(codecTopicSpec)],
  TOPICS.includes('drain'),
)
