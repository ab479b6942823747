/**
 * Compaction on and off under steady load (issue 16): `node dist/bench/compaction.js`.
 *
 * The steady scenario of bench/suite.ts (bench/steady-lib.ts: the load generator at a fixed rate,
 * sluice with a 2-second trigger, librdkafka mock cluster, s3rver in its own process) at 80% of
 * sluice's measured drain capacity (the newest suite-drain-mock result, or BENCH_CAPACITY), with
 * record timestamps spread over the last 6 hours (`loadgen --time-span-hours 6`, BENCH_SPAN_HOURS;
 * in timestamp order, so the load walks through the hour directories one after the other), every
 * one of them closed by time (`compactionCloseDelay` 10 min) while records still arrive in it:
 * compaction runs again and again during the load, the hardest case for the triggers. After the
 * load the job runs idle for 40 s (BENCH_SETTLE_SECONDS, both settings) so compaction can finish. Contenders: `sink.compaction` off, and
 * on (`compactionRemoveDelay: 0`, so that a listing shows the result at the end), alternating
 * order over BENCH_REPS repetitions (default 2). Per run:
 *
 * - throughput (records written per second), CPU-seconds of sluice's process tree, p50/p99 latency;
 * - trigger lateness (bench/compaction-lib.ts): how far into its slot each trigger started (an
 *   on-time trigger starts a few ms after a multiple of the interval; one held up by compaction
 *   starts when the hold ends), leaving out triggers right after a batch that itself overran;
 * - files per directory at the end (after the idle 40 s), as `_spark_metadata` lists them and as a plain listing sees
 *   them (no `_`/`.` names), median and max over the directories; compactions committed.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { OutputReader } from '../test/helpers/output-reader.js'
import { repoRoot } from '../test/helpers/sluice-process.js'
import { startStack } from '../test/helpers/stack.js'
import { lateness, perDir } from './compaction-lib.js'
import { median, writeResult } from './drain-lib.js'
import { runSteady, s3Client, type SteadyResult } from './steady-lib.js'

const PARTITIONS = 32
const SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60)
const REPS = Number(process.env.BENCH_REPS ?? 2)
const LEVEL = 0.8
const TRIGGER_SEC = 2
/** Record timestamps over the last SPAN_HOURS hours (the load walks through the hour directories). */
const SPAN_HOURS = Number(process.env.BENCH_SPAN_HOURS ?? 6)
/** After the load, the job runs idle this long (both settings) so that compaction can finish. */
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 40)
const POOL = cpus().length

function capacity(): number {
  if (process.env.BENCH_CAPACITY !== undefined) return Number(process.env.BENCH_CAPACITY)
  const dir = join(repoRoot, 'bench', 'results')
  const f = readdirSync(dir).filter((n) => n.startsWith('suite-drain-mock-')).sort().pop()
  if (f === undefined) throw new Error('no drain capacity: run `BENCH_SCENARIOS=drain-mock node dist/bench/suite.js` first or set BENCH_CAPACITY')
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { datasets: { topic: string; contenders: Record<string, { batchRecordsPerSecond: { median: number } }> }[] }
  return Math.round(r.datasets.find((d) => d.topic === 'small')!.contenders['sluice-pool']!.batchRecordsPerSecond.median)
}

async function filesPerDirectory(endpoint: string, prefix: string): Promise<{ sparkMetadata: ReturnType<typeof perDir>; listing: ReturnType<typeof perDir> }> {
  const reader = new OutputReader({ endpoint, bucket: 'bench', prefix })
  const s3 = s3Client(endpoint)
  try {
    const committed = (await reader.committedPaths()).map((p) => reader.keyOfPath(p))
    const listed: string[] = []
    let token: string | undefined
    do {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: prefix, ContinuationToken: token }))
      for (const o of r.Contents ?? []) if (!o.Key!.slice(prefix.length).split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.'))) listed.push(o.Key!)
      token = r.IsTruncated ? r.NextContinuationToken : undefined
    } while (token !== undefined)
    return { sparkMetadata: perDir(committed), listing: perDir(listed) }
  } finally {
    reader.close()
    s3.destroy()
  }
}

async function main(): Promise<void> {
  const cap = capacity()
  const rate = Math.round(cap * LEVEL)
  const contenders = ['off', 'on'] as const
  const topics = Array.from({ length: REPS }, (_, r) => contenders.map((c) => `compaction-${c}-${r}`)).flat()
  const stack = await startStack({ topics: topics.map((name) => ({ name, partitions: PARTITIONS })), buckets: ['bench'], s3InChildProcess: true })
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-compaction-'))
  const runs: Record<string, unknown>[] = []
  try {
    for (let r = 0; r < REPS; r++) {
      for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) {
        const tag = `compaction-${c}-${r}`
        process.stderr.write(`compaction ${c} (rep ${r + 1}/${REPS}) at ${rate} records/s for ${SECONDS} s…\n`)
        const res: SteadyResult = await runSteady(stack.env, dir, {
          contender: 'sluice',
          topic: tag,
          partitions: PARTITIONS,
          rate,
          seconds: SECONDS,
          triggerSec: TRIGGER_SEC,
          workers: POOL,
          maxOffsetsPerTrigger: 1_000_000,
          coalesce: 2 * POOL,
          recordBytes: 70,
          drainSeconds: 30,
          tag,
          loadgenArgs: ['--time-span-hours', String(SPAN_HOURS)],
          settleSeconds: SETTLE_SECONDS,
          sinkExtra: c === 'on' ? { compaction: true, compactionRemoveDelay: 0 } : {},
        })
        const files = await filesPerDirectory(stack.s3.endpoint, `${tag}/`)
        const late = lateness(res.triggers, TRIGGER_SEC * 1000)
        const { lag: _lag, rss: _rss, ...rest } = res
        runs.push({ compaction: c, rep: r, ...rest, lateness: late, files, compactionsCommitted: res.compactions })
        process.stderr.write(
          `  ${c}: written ${res.throughput}/s, CPU ${res.cpuSeconds} s, lateness p50 ${late.p50} ms p99 ${late.p99} ms max ${late.max} ms (${late.late} late > 100 ms, ${late.overruns} after an overrun), files/dir spark ${files.sparkMetadata.median}/${files.sparkMetadata.max} listing ${files.listing.median}/${files.listing.max}\n`,
        )
      }
    }
  } finally {
    await stack.stop()
    await rm(dir, { recursive: true, force: true })
  }
  const summary = Object.fromEntries(
    contenders.map((c) => {
      const mine = runs.filter((x) => x.compaction === c) as unknown as (SteadyResult & { lateness: ReturnType<typeof lateness>; files: Awaited<ReturnType<typeof filesPerDirectory>> })[]
      return [
        c,
        {
          throughput: median(mine.map((x) => x.throughput)),
          cpuSeconds: median(mine.map((x) => x.cpuSeconds)),
          latenessP99Ms: median(mine.map((x) => x.lateness.p99)),
          latenessMaxMs: Math.max(...mine.map((x) => x.lateness.max)),
          lateTriggers: mine.reduce((a, x) => a + x.lateness.late, 0),
          overruns: mine.reduce((a, x) => a + x.lateness.overruns, 0),
          filesPerDirSparkMedian: median(mine.map((x) => x.files.sparkMetadata.median)),
          filesPerDirListingMedian: median(mine.map((x) => x.files.listing.median)),
          filesPerDirListingMax: Math.max(...mine.map((x) => x.files.listing.max)),
        },
      ]
    }),
  )
  // BENCH_RESULT_NAME=compaction-light: a second result beside the 80% one (e.g. BENCH_CAPACITY set to what a shared machine sustains now).
  await writeResult(process.env.BENCH_RESULT_NAME ?? 'compaction', {
    broker: 'librdkafka mock cluster',
    capacity: cap,
    level: LEVEL,
    rate,
    seconds: SECONDS,
    triggerSec: TRIGGER_SEC,
    partitions: PARTITIONS,
    reps: REPS,
    spanHours: SPAN_HOURS,
    settleSeconds: SETTLE_SECONDS,
    summary,
    runs,
    loadavgAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
    shared: loadavg()[0]! > cpus().length * 1.5,
  })
}

await main()
