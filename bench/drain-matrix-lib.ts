/**
 * The drain comparison of issue 11, callable from any bench script (`runDrainMatrix`): on the
 * same pre-filled topics and services, in one run, alternating the order every round,
 *   kcat → /dev/null (the ceiling), the single-threaded kafkajs pipeline, and sluice with
 *   coalesce 1 and 3, each with one worker and with the default pool (BENCH_WORKERS or the cores),
 * on ~100 B records (the `drain` topic), ~1 KB records (`drain1k`) and ~100 B records in gzip or
 * zstd batches (`drain-gzip`, `drain-zstd`), optionally also another
 * build (BENCH_BASELINE_CLI: before/after in the same run). Per contender: records/s of the whole
 * process (start-up included) and of sluice's batch, and CPU-seconds per million records (the
 * process's user + system time: kcat's from the shell's `times`, the kafkajs pipeline's from
 * process.cpuUsage in this process, sluice's from its own resource usage, all threads).
 *
 * The machine is shared (other jobs, the broker and S3 server on the same cores): wall-clock rates
 * move from run to run, so the figures to compare are CPU-seconds and the ratios within one run.
 */
import { spawn } from 'node:child_process'
import type { Stack } from '../test/helpers/stack.js'
import { cliPath } from '../test/helpers/sluice-process.js'
import { kafkajsPipeline, median, PARTITIONS, sluiceDrain, TOTAL, WORKERS, type ExtraTopic } from './drain-lib.js'

export const KB_TOPIC = 'drain1k'
export const KB_PER_PARTITION = Number(process.env.BENCH_KB_PER_PARTITION ?? 4_000)
export const KB_TOTAL = PARTITIONS * KB_PER_PARTITION
/** The 1 KB topic for prefill()/runOnPrefilledTopic's `extra`. */
export const KB_TOPIC_SPEC: ExtraTopic = { name: KB_TOPIC, count: KB_TOTAL, args: ['--record-bytes', '1000', '--time-span-hours', '6'] }
/** ~100 B records in producer-compressed batches (`drain-gzip`, `drain-zstd`): the regression check on compressed topics. */
export const CODEC_PER_PARTITION = Number(process.env.BENCH_CODEC_PER_PARTITION ?? 10_000)
export const CODEC_TOTAL = PARTITIONS * CODEC_PER_PARTITION
export const CODEC_TOPICS = ['drain-gzip', 'drain-zstd'] as const
/** gzip from the load generator (like the other topics); zstd from kcat, as Node 20's zlib has no zstd to produce with. */
export function codecTopicSpec(name: (typeof CODEC_TOPICS)[number]): ExtraTopic {
  const codec = name.slice('drain-'.length)
  if (codec === 'zstd') return { name, count: CODEC_TOTAL, args: [], kcat: { codec, recordBytes: 70 } }
  return { name, count: CODEC_TOTAL, args: ['--record-bytes', '70', '--time-span-hours', '6', '--compression', codec] }
}

export interface Sample {
  rate: number
  batchRate?: number
  cpuSecondsPerMillion: number
  peakRssMb?: number
  /** CPU-s per million records by thread (sampled, bench/thread-cpu.ts): main, workers (busiest first), other. */
  threadsPerMillion?: { main: number; workers: number[]; other: number }
}

export interface ContenderSummary {
  contender: string
  topic: string
  records: number
  recordsPerSecond: number
  batchRecordsPerSecond: number | null
  cpuSecondsPerMillion: number
  peakRssMb: number | null
  runs: Sample[]
}

/** kcat reading a topic to nothing; CPU from the shell's `times` (children's user + system). */
export async function kcatRun(bootstrap: string, topic: string, total: number): Promise<Sample> {
  const t0 = performance.now()
  let stderr = ''
  const n = await new Promise<number>((resolve, reject) => {
    const child = spawn('sh', ['-c', 'kcat "$@" > /dev/null; s=$?; times >&2; exit $s', 'sh', '-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()))
    child.on('exit', (code) => (code === 0 ? resolve(total) : reject(new Error(`kcat exited ${code}: ${stderr}`))))
  })
  const seconds = (performance.now() - t0) / 1000
  // `times`: line 1 the shell, line 2 its children: "0m0.512s 0m0.101s".
  const lines = stderr.trim().split('\n').filter((l) => /\dm[\d.]+s/.test(l))
  const child = (lines[lines.length - 1] ?? '').match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/)
  const cpu = child === null ? Number.NaN : Number(child[1]) * 60 + Number(child[2]) + Number(child[3]) * 60 + Number(child[4])
  return { rate: n / seconds, cpuSecondsPerMillion: (cpu / n) * 1e6 }
}

export async function kafkajsRun(stack: Stack, topic: string, total: number, rep: number): Promise<Sample> {
  const c0 = process.cpuUsage()
  const rate = await kafkajsPipeline(stack.kafka.bootstrap, stack.s3.endpoint, rep, topic, total)
  const c = process.cpuUsage(c0)
  return { rate, cpuSecondsPerMillion: ((c.user + c.system) / 1e6 / total) * 1e6 }
}

interface Contender {
  name: string
  run: (rep: number) => Promise<Sample>
}

export interface MatrixOptions {
  reps: number
  /** Topics to drain: the 100 B `drain` (TOTAL records) and/or the 1 KB KB_TOPIC. */
  topics: { name: string; total: number }[]
  /** sluice (coalesce, workers) pairs; default 1 and 3 × 1 worker and the pool. */
  sluice?: { coalesce: number; workers: number }[]
  /** Another build's CLI, run as `base c<N> w<M>` next to this one. */
  baselineCli?: string
  /** Leave out kcat / the kafkajs pipeline (e.g. for a quick before/after); 'kcat': kcat only. */
  peers?: boolean | 'kcat'
}

export function defaultSluiceMatrix(): { coalesce: number; workers: number }[] {
  const out = [
    { coalesce: 1, workers: WORKERS },
    { coalesce: 3, workers: WORKERS },
  ]
  if (WORKERS > 1) out.push({ coalesce: 1, workers: 1 }, { coalesce: 3, workers: 1 })
  return out
}

/** Runs every contender on every topic, `reps` rounds, alternating the order; returns medians. */
export async function runDrainMatrix(stack: Stack, dir: string, o: MatrixOptions): Promise<ContenderSummary[]> {
  const out: ContenderSummary[] = []
  let n = 0
  for (const topic of o.topics) {
    const contenders: Contender[] = []
    if (o.peers !== false) {
      contenders.push({ name: 'kcat', run: () => kcatRun(stack.kafka.bootstrap, topic.name, topic.total) })
      if (o.peers !== 'kcat') contenders.push({ name: 'kafkajs pipeline', run: (rep) => kafkajsRun(stack, topic.name, topic.total, rep) })
    }
    const builds = [{ label: 'sluice', cli: cliPath }, ...(o.baselineCli === undefined ? [] : [{ label: 'baseline', cli: o.baselineCli }])]
    for (const b of builds) {
      for (const s of o.sluice ?? defaultSluiceMatrix()) {
        contenders.push({
          name: `${b.label} c${s.coalesce} w${s.workers}`,
          run: async () => {
            const r = await sluiceDrain(stack.env, dir, n++, { tag: `m-${topic.name}`, topic: topic.name, rows: topic.total, coalesce: s.coalesce, workers: s.workers, cli: b.cli, threads: true })
            const perM = (x: number): number => Number(((x / topic.total) * 1e6).toFixed(2))
            const t = r.threads
            return {
              rate: r.rate,
              batchRate: r.batchRate,
              cpuSecondsPerMillion: (r.cpuSeconds / topic.total) * 1e6,
              peakRssMb: r.maxRssMb,
              ...(t === undefined ? {} : { threadsPerMillion: { main: perM(t.mainSeconds), workers: t.workerSeconds.map(perM), other: perM(t.otherSeconds) } }),
            }
          },
        })
      }
    }
    const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]))
    for (let rep = 0; rep < o.reps; rep++) {
      const order = rep % 2 === 0 ? contenders : [...contenders].reverse()
      for (const c of order) {
        const s = await c.run(rep)
        samples.get(c.name)!.push(s)
        process.stderr.write(`${topic.name} rep ${rep} ${c.name}: ${Math.round(s.rate)} records/s, ${s.cpuSecondsPerMillion.toFixed(2)} CPU-s/M\n`)
      }
    }
    for (const c of contenders) {
      const runs = samples.get(c.name)!
      const batch = runs.map((r) => r.batchRate).filter((x): x is number => x !== undefined)
      const rss = runs.map((r) => r.peakRssMb).filter((x): x is number => x !== undefined)
      out.push({
        contender: c.name,
        topic: topic.name,
        records: topic.total,
        recordsPerSecond: Math.round(median(runs.map((r) => r.rate))),
        batchRecordsPerSecond: batch.length > 0 ? Math.round(median(batch)) : null,
        cpuSecondsPerMillion: Number(median(runs.map((r) => r.cpuSecondsPerMillion)).toFixed(2)),
        peakRssMb: rss.length > 0 ? Math.max(...rss) : null,
        runs: runs.map((r) => ({ ...r, rate: Math.round(r.rate), batchRate: r.batchRate === undefined ? undefined : Math.round(r.batchRate), cpuSecondsPerMillion: Number(r.cpuSecondsPerMillion.toFixed(2)) })),
      })
    }
  }
  return out
}

/** The issue 11 ratios from a matrix (same run, medians), per topic. */
export function matrixRatios(rows: ContenderSummary[], workers = WORKERS): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {}
  const topics = [...new Set(rows.map((r) => r.topic))]
  for (const t of topics) {
    const get = (name: string): ContenderSummary | undefined => rows.find((r) => r.topic === t && r.contender === name)
    const ratio = (a: number | undefined, b: number | undefined): number | null =>
      a === undefined || b === undefined || b === 0 ? null : Number((a / b).toFixed(3))
    const pool3 = get(`sluice c3 w${workers}`)
    const pool1 = get(`sluice c1 w${workers}`)
    const one3 = get('sluice c3 w1')
    const kcat = get('kcat')
    const kjs = get('kafkajs pipeline')
    out[t] = {
      sluice_over_kcat: ratio(pool3?.recordsPerSecond, kcat?.recordsPerSecond),
      sluice_over_kafkajs: ratio(pool3?.recordsPerSecond, kjs?.recordsPerSecond),
      cpu_sluice_over_kcat: ratio(pool3?.cpuSecondsPerMillion, kcat?.cpuSecondsPerMillion),
      coalesce1_over_coalesce3: ratio(pool1?.recordsPerSecond, pool3?.recordsPerSecond),
      pool_over_one_worker: ratio(pool3?.recordsPerSecond, one3?.recordsPerSecond),
      pool_over_one_worker_batch: ratio(pool3?.batchRecordsPerSecond ?? undefined, one3?.batchRecordsPerSecond ?? undefined),
    }
  }
  return out
}

export { TOTAL }
