/**
 * The benchmark suite (issue 12, issue 8): one command, one run, every contender on the same data.
 *
 *   make bench-quick     BENCH_PROFILE=quick: fewer records and repetitions, no Spark steady, no real broker,
 *                        steady 25 s, the sweep at the steady's capacity (~4 min idle; results in .bench-quick/)
 *   make bench           BENCH_PROFILE=full: everything below
 *   BENCH_SCENARIOS=drain-mock,steady node dist/bench/suite.js    (a subset)
 *
 * Scenarios (each writes resultsDir()/suite-<scenario>-<time>.json, bench/results by default):
 * - drain-mock / drain-real: a pre-filled backlog in 32 partitions, ~100-byte and ~1 KB records, on
 *   librdkafka's mock cluster / a real Apache Kafka broker (test/helpers/kafka-real.ts), s3rver;
 *   contenders kcat → /dev/null, the hand-written kafkajs pipeline (bench/drain-lib.ts), the seed's
 *   PySpark job (bench/spark_job.py, local[2], availableNow, file:// output), sluice with 1 worker,
 *   sluice with its default pool. Records/s, MB/s, CPU-seconds per GB and peak RSS of each
 *   contender's whole process tree (bench/proc-tree.ts).
 * - drain-compressed: topics whose broker-side compression.type is lz4 / zstd on the real broker:
 *   kcat vs the kafkajs pipeline vs sluice.
 * - steady: the load generator at 50/80/100% of sluice's sustained capacity (the generator as fast
 *   as it can while sluice consumes, on the same cores: steady-lib sustainedCapacity), 2-second
 *   trigger, sluice (and the Spark job, full profile): lag, end-to-end latency, RSS (bench/steady-lib.ts).
 * - sweep: workers × maxOffsetsPerTrigger × coalesce × trigger at 100% of the sustained capacity
 *   on the mock cluster: throughput, p99.
 * - tune: `sluice tune --embedded`, its recommendation applied in a steady run at the target rate.
 * Repetitions alternate the contenders' order; medians with min–max.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startKafkaReal } from '../test/helpers/kafka-real.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, startS3rver } from '../test/helpers/s3rver.js'
import { cliPath, repoRoot, runCli } from '../test/helpers/sluice-process.js'
import { startStack } from '../test/helpers/stack.js'
import { kcatDrain, median, PARTITIONS, resultsDir, sluiceDrain, writeResult } from './drain-lib.js'
import { meterTree, type TreeUsage } from './proc-tree.js'
import { runSteady, type SteadyResult, spawnSpark, stderrTail, sustainedCapacity } from './steady-lib.js'

const PROFILE = process.env.BENCH_PROFILE === 'full' ? 'full' : 'quick'
const QUICK = PROFILE === 'quick'
const P = {
  reps: Number(process.env.BENCH_REPS ?? (QUICK ? 2 : 3)),
  sparkReps: Number(process.env.BENCH_SPARK_REPS ?? (QUICK ? 1 : 2)),
  smallPerPartition: Number(process.env.BENCH_SMALL_PER_PARTITION ?? (QUICK ? 10_000 : 30_000)),
  largePerPartition: Number(process.env.BENCH_LARGE_PER_PARTITION ?? (QUICK ? 1_000 : 4_000)),
  steadySeconds: Number(process.env.BENCH_STEADY_SECONDS ?? (QUICK ? 25 : 180)),
  /** How long the steady scenario waits, after the load stops, for the lag to reach 0. */
  steadyDrainSeconds: QUICK ? 15 : 30,
  /** The sustained-capacity calibration's load (capacityOn). */
  capacitySeconds: QUICK ? 12 : 40,
  sweepSeconds: QUICK ? 12 : 25,
  tuneCellSeconds: QUICK ? 8 : 15,
}
const DEFAULT_SCENARIOS = QUICK ? 'drain-mock,steady,sweep' : 'drain-mock,drain-real,drain-compressed,steady,sweep,tune'
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? DEFAULT_SCENARIOS).split(',')
const POOL = cpus().length
const SMALL_BYTES = 70
const LARGE_BYTES = 1000

interface Dataset {
  name: string
  topic: string
  records: number
  valueBytes: number
}

interface Run {
  recordsPerSecond: number
  batchRecordsPerSecond?: number
  wallSeconds: number
  cpuSeconds: number
  peakRssMb: number
}

type Contender = 'kcat' | 'kafkajs' | 'spark' | 'sluice-1' | 'sluice-pool'

const log = (s: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`)
}

async function loadgen(env: Record<string, string>, topic: string, count: number, recordBytes: number): Promise<number> {
  const r = await runCli(['loadgen', '--bootstrap', env.KAFKA_BOOTSTRAP!, '--topic', topic, '--partitions', String(PARTITIONS), '--count', String(count), '--record-bytes', String(recordBytes), '--time-span-hours', '6'], env, 900_000)
  if (r.code !== 0) throw new Error(`loadgen into ${topic} failed: ${r.stderr}`)
  const lines = r.stdout.trim().split('\n')
  const summary = JSON.parse(lines[lines.length - 1]!) as { produced: number; valueBytes: number }
  if (summary.produced !== count) throw new Error(`loadgen produced ${summary.produced} of ${count} into ${topic}`)
  return summary.valueBytes
}

async function metered(fn: () => Promise<{ records: number; batchRate?: number }>): Promise<Run> {
  const meter = meterTree(200)
  const t0 = performance.now()
  const r = await fn()
  const wall = (performance.now() - t0) / 1000
  const u: TreeUsage = meter.stop()
  return { recordsPerSecond: Math.round(r.records / wall), batchRecordsPerSecond: r.batchRate === undefined ? undefined : Math.round(r.batchRate), wallSeconds: Number(wall.toFixed(2)), cpuSeconds: u.cpuSeconds, peakRssMb: u.peakRssMb }
}

function kafkajsChild(env: Record<string, string>, d: Dataset, rep: number): Promise<{ records: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'bench', 'peer-kafkajs.js'), env.KAFKA_BOOTSTRAP!, env.S3_ENDPOINT!, String(rep), d.topic, String(d.records)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('exit', (code) => (code === 0 ? resolve({ records: d.records }) : reject(new Error(`kafkajs pipeline exited ${code}: ${err.slice(-2000)}`))))
  })
}

function sparkDrain(env: Record<string, string>, dir: string, d: Dataset, rep: number): Promise<{ records: number; batchRate: number }> {
  return new Promise((resolve, reject) => {
    const out = join(dir, `spark-${d.topic}-${rep}`)
    let rows = 0
    let ms = 0
    const child = spawnSpark([env.KAFKA_BOOTSTRAP!, d.topic, `file://${out}/out`, `file://${out}/checkpoint`, 'availableNow', 'none', '3'], (l) => {
      if (typeof l.rows === 'number') {
        rows += l.rows
        ms += l.triggerExecutionMs as number
      }
    })
    child.on('exit', (code) => {
      void rm(out, { recursive: true, force: true })
      if (code === 0 && rows === d.records) resolve({ records: rows, batchRate: rows / (ms / 1000) })
      else reject(new Error(`the Spark job exited ${code} after ${rows} of ${d.records} rows: ${stderrTail(child).slice(-3000)}`))
    })
  })
}

async function runContender(c: Contender, env: Record<string, string>, dir: string, d: Dataset, rep: number): Promise<Run> {
  switch (c) {
    case 'kcat':
      return metered(async () => {
        await kcatDrain(env.KAFKA_BOOTSTRAP!, d.topic, d.records)
        return { records: d.records }
      })
    case 'kafkajs':
      return metered(() => kafkajsChild(env, d, rep))
    case 'spark':
      return metered(() => sparkDrain(env, dir, d, rep))
    case 'sluice-1':
    case 'sluice-pool': {
      const workers = c === 'sluice-1' ? 1 : POOL
      return metered(async () => {
        const r = await sluiceDrain(env, dir, rep, { tag: `${c}-${d.topic}`, topic: d.topic, rows: d.records, workers, coalesce: 2 * workers })
        return { records: d.records, batchRate: r.batchRate }
      })
    }
  }
}

const stat = (xs: number[]): { median: number; min: number; max: number } => ({ median: Number(median(xs).toFixed(2)), min: Number(Math.min(...xs).toFixed(2)), max: Number(Math.max(...xs).toFixed(2)) })

/** Every contender on every dataset, REPS times in alternating order; Spark sparkReps times. */
async function drainMatrix(env: Record<string, string>, dir: string, datasets: Dataset[], contenders: Contender[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for (const d of datasets) {
    const runs = new Map<Contender, Run[]>()
    const errors: Record<string, string> = {}
    for (let rep = 0; rep < P.reps; rep++) {
      const order = rep % 2 === 0 ? contenders : [...contenders].reverse()
      for (const c of order) {
        if (c === 'spark' && rep >= P.sparkReps) continue
        if (errors[c] !== undefined) continue
        try {
          const r = await runContender(c, env, dir, d, rep)
          runs.set(c, [...(runs.get(c) ?? []), r])
          log(`${d.name} rep ${rep} ${c}: ${r.recordsPerSecond} records/s, ${r.cpuSeconds} CPU-s, ${r.peakRssMb} MB`)
        } catch (err) {
          errors[c] = err instanceof Error ? err.message : String(err)
          log(`${d.name} ${c} FAILED: ${errors[c]!.slice(0, 500)}`)
        }
      }
    }
    const gb = d.valueBytes / 1e9
    const contenderStats = Object.fromEntries(
      [...runs].map(([c, rs]) => [
        c,
        {
          runs: rs.length,
          recordsPerSecond: stat(rs.map((r) => r.recordsPerSecond)),
          batchRecordsPerSecond: rs[0]!.batchRecordsPerSecond === undefined ? undefined : stat(rs.map((r) => r.batchRecordsPerSecond!)),
          mbPerSecond: stat(rs.map((r) => d.valueBytes / 1e6 / r.wallSeconds)),
          cpuSecondsPerGb: stat(rs.map((r) => r.cpuSeconds / gb)),
          peakRssMb: stat(rs.map((r) => r.peakRssMb)),
          raw: rs,
        },
      ]),
    )
    const med = (c: Contender): number | undefined => (runs.has(c) ? median(runs.get(c)!.map((r) => r.recordsPerSecond)) : undefined)
    const ratios: Record<string, number> = {}
    for (const s of ['sluice-pool', 'sluice-1'] as const) {
      for (const peer of ['kcat', 'kafkajs', 'spark'] as const) {
        const a = med(s)
        const b = med(peer)
        if (a !== undefined && b !== undefined) ratios[`${s}/${peer}`] = Number((a / b).toFixed(2))
      }
    }
    out.push({ dataset: d.name, topic: d.topic, records: d.records, valueBytes: d.valueBytes, contenders: contenderStats, ratios, errors })
  }
  return out
}

function machineNote(): Record<string, unknown> {
  const overrides = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_PROFILE'))
  return { loadavgAtEnd: loadavg().map((x) => Number(x.toFixed(2))), profile: PROFILE, overrides }
}

async function drainOnMock(dir: string): Promise<void> {
  const datasets = [
    { name: '~100 B', topic: 'small', perPartition: P.smallPerPartition, bytes: SMALL_BYTES },
    { name: '~1 KB', topic: 'large', perPartition: P.largePerPartition, bytes: LARGE_BYTES },
  ]
  const stack = await startStack({ topics: datasets.map((d) => ({ name: d.topic, partitions: PARTITIONS })), buckets: ['bench'], s3InChildProcess: true })
  try {
    const ds: Dataset[] = []
    for (const d of datasets) {
      log(`pre-filling ${d.perPartition * PARTITIONS} records of ${d.name} into the mock…`)
      ds.push({ name: d.name, topic: d.topic, records: d.perPartition * PARTITIONS, valueBytes: await loadgen(stack.env, d.topic, d.perPartition * PARTITIONS, d.bytes) })
    }
    // The Spark job's Kafka source fails on librdkafka's mock cluster (KafkaMicroBatchStream.
    // prepareForTriggerAvailableNow → onOffsets): it runs on the real broker (drain-real) unless
    // BENCH_SPARK_ON_MOCK=1.
    const results = await drainMatrix(stack.env, dir, ds, process.env.BENCH_SPARK_ON_MOCK === '1' ? ['kcat', 'kafkajs', 'spark', 'sluice-1', 'sluice-pool'] : ['kcat', 'kafkajs', 'sluice-1', 'sluice-pool'])
    await writeResult('suite-drain-mock', { broker: 'librdkafka mock cluster', s3: 's3rver', partitions: PARTITIONS, reps: P.reps, sparkReps: P.sparkReps, pool: POOL, datasets: results, ...machineNote() })
  } finally {
    await stack.stop()
  }
}

async function realEnv(topics: { name: string; config?: Record<string, string> }[], buckets = ['bench']): Promise<{ env: Record<string, string>; stop: () => Promise<void>; version: string }> {
  const kafka = await startKafkaReal({})
  for (const t of topics) {
    // Under load the admin's wait for leaders can time out ("does not host this topic-partition"): retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await kafka.createTopic({ name: t.name, partitions: PARTITIONS, replication: 1, config: t.config })
        break
      } catch (err) {
        if (/already exists/i.test(String(err))) break
        if (attempt >= 5) throw err
        log(`creating ${t.name}: ${String(err)}; retrying`)
        await new Promise((r) => setTimeout(r, 2000))
      }
    }
  }
  const s3 = await startS3rver({ buckets, inChildProcess: true })
  const env = { KAFKA_BOOTSTRAP: kafka.bootstrap, S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY, AWS_REGION: 'us-east-1' }
  return {
    env,
    version: kafka.version,
    stop: async () => {
      await kafka.stop()
      await s3.stop()
    },
  }
}

async function drainOnReal(dir: string, compressed: boolean): Promise<void> {
  const datasets = compressed
    ? [
        { name: '~100 B, lz4', topic: 'small-lz4', perPartition: P.smallPerPartition, bytes: SMALL_BYTES, config: { 'compression.type': 'lz4' } },
        { name: '~100 B, zstd', topic: 'small-zstd', perPartition: P.smallPerPartition, bytes: SMALL_BYTES, config: { 'compression.type': 'zstd' } },
      ]
    : [
        { name: '~100 B', topic: 'small', perPartition: P.smallPerPartition, bytes: SMALL_BYTES, config: undefined },
        { name: '~1 KB', topic: 'large', perPartition: P.largePerPartition, bytes: LARGE_BYTES, config: undefined },
      ]
  const real = await realEnv(datasets.map((d) => ({ name: d.topic, config: d.config })))
  try {
    const ds: Dataset[] = []
    for (const d of datasets) {
      log(`pre-filling ${d.perPartition * PARTITIONS} records of ${d.name} into Kafka ${real.version}…`)
      ds.push({ name: d.name, topic: d.topic, records: d.perPartition * PARTITIONS, valueBytes: await loadgen(real.env, d.topic, d.perPartition * PARTITIONS, d.bytes) })
    }
    const contenders: Contender[] = compressed ? ['kcat', 'kafkajs', 'sluice-pool'] : ['kcat', 'kafkajs', 'spark', 'sluice-1', 'sluice-pool']
    const results = await drainMatrix(real.env, dir, ds, contenders)
    await writeResult(compressed ? 'suite-drain-compressed' : 'suite-drain-real', {
      broker: `Apache Kafka ${real.version} (one KRaft broker on this machine)`,
      s3: 's3rver',
      compression: compressed ? 'topic compression.type (the broker recompresses)' : 'none',
      partitions: PARTITIONS,
      reps: P.reps,
      sparkReps: P.sparkReps,
      pool: POOL,
      datasets: results,
      ...machineNote(),
    })
  } finally {
    await real.stop()
  }
}

/** The newest result in resultsDir() whose file name starts with `prefix` (this run's, or an earlier one). */
function newestResult<T>(prefix: string): T | undefined {
  const dir = resultsDir()
  if (!existsSync(dir)) return undefined
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix)).sort()
  return files.length === 0 ? undefined : (JSON.parse(readFileSync(join(dir, files[files.length - 1]!), 'utf8')) as T)
}

/** sluice's pre-filled drain rate with its default pool on ~100 B records, the batch's own (from the newest drain-mock result): recorded beside the sustained capacity. */
function drainBatchRate(): number | null {
  const r = newestResult<{ datasets: { topic: string; contenders: Record<string, { batchRecordsPerSecond: { median: number } }> }[] }>('suite-drain-mock-')
  const median = r?.datasets.find((d) => d.topic === 'small')?.contenders['sluice-pool']?.batchRecordsPerSecond.median
  return median === undefined ? null : Math.round(median)
}

/**
 * The rate the steady and sweep scenarios call 100%: sluice's sustained capacity on `env`'s broker
 * with the load generator on the same cores (steady-lib sustainedCapacity), or BENCH_CAPACITY.
 */
async function capacityOn(env: Record<string, string>, dir: string, topic: string): Promise<{ capacity: number; calibration: Record<string, unknown> }> {
  const drain = drainBatchRate()
  if (process.env.BENCH_CAPACITY !== undefined) return { capacity: Number(process.env.BENCH_CAPACITY), calibration: { source: 'BENCH_CAPACITY', drainBatchRate: drain } }
  log(`sustained capacity: loadgen as fast as it can for ${P.capacitySeconds} s while sluice consumes ${topic}…`)
  const c = await sustainedCapacity(env, dir, {
    topic,
    partitions: PARTITIONS,
    seconds: P.capacitySeconds,
    triggerSec: 2,
    workers: POOL,
    maxOffsetsPerTrigger: 1_000_000,
    coalesce: 2 * POOL,
    recordBytes: SMALL_BYTES,
    tag: topic,
  })
  log(`sustained capacity ${c.capacity} records/s (sluice committed ${c.committedPerSec}/s, loadgen produced ${c.loadgenPerSec}/s; the pre-filled drain's batch rate was ${drain ?? '–'}/s)`)
  return { capacity: c.capacity, calibration: { source: 'sustained', ...c, drainBatchRate: drain } }
}

/**
 * The quick profile's steady scenario runs on the mock cluster, as the sweep always does: its
 * sustained capacity (a calibration of P.capacitySeconds) is then the sweep's 100% too, measured once.
 */
let mockCapacity: { capacity: number; calibration: Record<string, unknown> } | undefined

/** The newest sustained capacity of this suite's mock-cluster runs (sweep), for tune's target rate. */
function newestSweepRate(): number | undefined {
  const r = newestResult<{ rate: number; calibration?: unknown }>('suite-sweep-')
  return r?.calibration === undefined ? undefined : r.rate
}

async function steady(dir: string): Promise<void> {
  const levels = [0.5, 0.8, 1]
  const contenders: ('sluice' | 'spark')[] = QUICK ? ['sluice'] : ['sluice', 'spark']
  const topics = ['steady-capacity', ...contenders.flatMap((c) => levels.map((l) => `steady-${c}-${l * 100}`))]
  // With the Spark job (full profile) on the real broker, where Spark's Kafka source works; sluice-only on the mock.
  const stack = QUICK
    ? await startStack({ topics: topics.map((name) => ({ name, partitions: PARTITIONS })), buckets: ['bench'], s3InChildProcess: true })
    : await realEnv(topics.map((name) => ({ name })))
  const broker = QUICK ? 'librdkafka mock cluster' : `Apache Kafka ${(stack as { version: string }).version}`
  const runs: SteadyResult[] = []
  let capacity = Number.NaN
  let calibration: Record<string, unknown> = {}
  try {
    ;({ capacity, calibration } = await capacityOn(stack.env, dir, 'steady-capacity'))
    if (QUICK) mockCapacity = { capacity, calibration }
    for (const [i, level] of levels.entries()) {
      const order = i % 2 === 0 ? contenders : [...contenders].reverse()
      for (const c of order) {
        const rate = Math.round(capacity * level)
        log(`steady ${c} at ${level * 100}% = ${rate} records/s for ${P.steadySeconds} s…`)
        const r = await runSteady(stack.env, dir, {
          contender: c,
          topic: `steady-${c}-${level * 100}`,
          partitions: PARTITIONS,
          rate,
          seconds: P.steadySeconds,
          triggerSec: 2,
          workers: POOL,
          maxOffsetsPerTrigger: 1_000_000,
          coalesce: c === 'spark' ? 3 : 2 * POOL,
          recordBytes: SMALL_BYTES,
          drainSeconds: P.steadyDrainSeconds,
          tag: `steady-${c}-${level * 100}`,
        })
        runs.push({ ...r, level } as SteadyResult & { level: number })
        log(`steady ${c} ${level * 100}%: achieved ${r.achievedRate}/s, p50 ${r.latencySec.p50} s, p99 ${r.latencySec.p99} s, max lag ${r.maxLagRecords}, bounded ${r.bounded}, peak RSS ${r.peakRssMb} MB`)
      }
    }
  } finally {
    await stack.stop()
  }
  await writeResult('suite-steady', { broker, capacity, calibration, triggerSec: 2, maxOffsetsPerTrigger: 1_000_000, seconds: P.steadySeconds, partitions: PARTITIONS, runs, ...machineNote() })
}

async function sweep(dir: string): Promise<void> {
  const grid = QUICK
    ? { workers: [1, POOL], maxOffsets: [1_000_000], coalesce: [2 * POOL], triggers: [1, 2] }
    : { workers: [1, POOL], maxOffsets: [100_000, 1_000_000], coalesce: [2, 2 * POOL], triggers: [1, 2] }
  const cells: { workers: number; maxOffsets: number; coalesce: number; trigger: number }[] = []
  for (const workers of grid.workers) for (const maxOffsets of grid.maxOffsets) for (const coalesce of grid.coalesce) for (const trigger of grid.triggers) cells.push({ workers, maxOffsets, coalesce, trigger })
  const stack = await startStack({ topics: [{ name: 'sweep-capacity', partitions: PARTITIONS }, ...cells.map((_, i) => ({ name: `sweep-${i}`, partitions: PARTITIONS }))], buckets: ['bench'], s3InChildProcess: true })
  const rows: Record<string, unknown>[] = []
  let capacity = Number.NaN
  let calibration: Record<string, unknown> = {}
  try {
    if (mockCapacity !== undefined) {
      ;({ capacity } = mockCapacity)
      calibration = { ...mockCapacity.calibration, reusedFrom: 'the steady scenario of this run' }
      log(`sweep at the steady scenario's sustained capacity, ${capacity} records/s`)
    } else ({ capacity, calibration } = await capacityOn(stack.env, dir, 'sweep-capacity'))
    for (const [i, c] of cells.entries()) {
      const r = await runSteady(stack.env, dir, {
        contender: 'sluice',
        topic: `sweep-${i}`,
        partitions: PARTITIONS,
        rate: Math.round(capacity),
        seconds: P.sweepSeconds,
        triggerSec: c.trigger,
        workers: c.workers,
        maxOffsetsPerTrigger: c.maxOffsets,
        coalesce: c.coalesce,
        recordBytes: SMALL_BYTES,
        drainSeconds: 10,
        tag: `sweep-${i}`,
      })
      rows.push({ ...c, throughput: r.throughput, achievedRate: r.achievedRate, p50: r.latencySec.p50, p99: r.latencySec.p99, bounded: r.bounded, peakRssMb: r.peakRssMb, cpuSeconds: r.cpuSeconds })
      log(`sweep ${JSON.stringify(c)}: ${r.throughput}/s, p99 ${r.latencySec.p99} s`)
    }
  } finally {
    await stack.stop()
  }
  await writeResult('suite-sweep', { rate: Math.round(capacity), calibration, load: '100% of the sustained capacity', seconds: P.sweepSeconds, partitions: PARTITIONS, cells: rows, ...machineNote() })
}

/** The newest sustained capacity of the steady scenario (real broker, full profile), for tune's target rate. */
function newestSteadyCapacity(): number | undefined {
  const r = newestResult<{ capacity: number; calibration?: { source: string } }>('suite-steady-')
  return r?.calibration?.source === 'sustained' ? r.capacity : undefined
}

/**
 * `sluice tune` and its recommendation applied. The full profile tunes against a real Kafka
 * broker and s3rver, as a user tunes against their own cluster (the job file's
 * ${KAFKA_BOOTSTRAP} and ${S3_ENDPOINT}), at half the steady scenario's sustained capacity on that
 * broker; the quick profile uses `--embedded` (the mock cluster) at half the sweep's. The mock
 * cluster is not used for the full run: it finds a fetch offset by walking the partition's message
 * sets, so its CPU grows with the log and a run of minutes at 20k+ records/s over 32 partitions
 * measures the mock, not sluice.
 */
async function tune(dir: string): Promise<void> {
  const capacity = QUICK ? newestSweepRate() : newestSteadyCapacity()
  if (process.env.BENCH_TUNE_RATE === undefined && capacity === undefined) throw new Error(`tune needs the sustained capacity of a ${QUICK ? 'sweep' : 'steady'} run: run that scenario first or set BENCH_TUNE_RATE`)
  // Half the sustained capacity within 4 s by default; BENCH_TUNE_RATE / BENCH_TUNE_BUDGET for a loaded machine.
  const rate = Number(process.env.BENCH_TUNE_RATE ?? Math.round(capacity! * 0.5))
  const budget = Number(process.env.BENCH_TUNE_BUDGET ?? 4)
  const job = join(repoRoot, 'examples', 'streaming-test.yaml')
  const stack = QUICK ? await startStack({ topics: [{ name: 'tuned', partitions: PARTITIONS }], buckets: ['bench'], s3InChildProcess: true }) : await realEnv([{ name: 'tuned' }], ['bench', 'sensor-test'])
  const where = QUICK ? 'the embedded stack (librdkafka mock cluster, s3rver)' : `Apache Kafka ${(stack as { version: string }).version} and s3rver`
  type Recommendation = { workers: number; maxOffsetsPerTrigger: number; triggerSec: number; coalesce: number; headroom: number; estimatedP99LatencySec: number }
  let report: { recommendation: Recommendation | null; warning: string | null; table: unknown[] } = { recommendation: null, warning: null, table: [] }
  let rec: Recommendation | null = null
  let applied: SteadyResult | null = null
  try {
    const args = ['tune', job, ...(QUICK ? ['--embedded'] : []), '--rate', String(rate), '--latency-budget', String(budget), '--cell-seconds', String(P.tuneCellSeconds), '--workers', `1,${POOL}`, '--triggers', '2', '--partitions', String(PARTITIONS), '--json']
    log(`sluice ${args.join(' ')} on ${where}…`)
    const t = await runCli(args, QUICK ? {} : stack.env, 1_800_000)
    if (t.code !== 0) throw new Error(`sluice tune exited ${t.code}: ${t.stderr.slice(-3000)}`)
    report = JSON.parse(t.stdout) as typeof report
    rec = report.recommendation
    if (rec !== null) {
      log(`applying ${JSON.stringify(rec)} at ${rate} records/s for ${P.steadySeconds} s…`)
      applied = await runSteady(stack.env, dir, {
        contender: 'sluice',
        topic: 'tuned',
        partitions: PARTITIONS,
        rate,
        seconds: P.steadySeconds,
        triggerSec: rec.triggerSec,
        workers: rec.workers,
        maxOffsetsPerTrigger: rec.maxOffsetsPerTrigger,
        coalesce: rec.coalesce,
        recordBytes: 64,
        drainSeconds: 30,
        tag: 'tuned',
      })
    }
  } finally {
    await stack.stop()
  }
  await writeResult('suite-tune', { rate, latencyBudgetSec: budget, where, recommendation: rec, warning: report.warning, table: report.table, applied, holds: applied !== null && applied.bounded && applied.achievedRate >= 0.95 * rate, ...machineNote() })
}

async function main(): Promise<void> {
  const t0 = performance.now()
  const dir = await mkdtemp(join(tmpdir(), 'sluice-suite-'))
  log(`profile ${PROFILE}, scenarios ${SCENARIOS.join(',')}, cli ${cliPath}`)
  try {
    for (const s of SCENARIOS) {
      const ts = performance.now()
      if (s === 'drain-mock') await drainOnMock(dir)
      else if (s === 'drain-real') await drainOnReal(dir, false)
      else if (s === 'drain-compressed') await drainOnReal(dir, true)
      else if (s === 'steady') await steady(dir)
      else if (s === 'sweep') await sweep(dir)
      else if (s === 'tune') await tune(dir)
      else throw new Error(`unknown scenario '${s}' (drain-mock, drain-real, drain-compressed, steady, sweep, tune)`)
      log(`${s} took ${Math.round((performance.now() - ts) / 1000)} s`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  log(`suite took ${Math.round((performance.now() - t0) / 1000)} s`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
