/**
 * The steady scenario of bench/suite.ts: the load generator at a fixed rate for a while, a
 * streaming job (sluice, or the seed's Spark job) with a processing-time trigger reading it.
 *
 * - lag over time, sampled every second: records = the topic's high watermarks minus the end
 *   offsets of the job's last committed batch (sluice: its `batch committed` log line; Spark: its
 *   checkpoint's `offsets/N` for the newest `commits/N`); seconds = how long ago the high
 *   watermark passed the committed position (the age of the oldest record not yet written,
 *   from the same 1-second samples);
 * - end-to-end latency: for every batch listed in `_spark_metadata`, the file's commit time
 *   (LastModified on S3, mtime on file://) minus the Kafka timestamp of its rows (`kafka_timestamp`),
 *   on a sample of rows from each output file (byte ranges at random offsets), weighted by file size;
 * - bounded: the lag in seconds grows by less than 0.1 s per second over the second half of the
 *   load (least-squares slope; a job that keeps up has a flat sawtooth);
 * - RSS of the job's whole process tree over time (bench/proc-tree.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { Kafka, logLevel } from 'kafkajs'
import { repoRoot, spawnCli } from '../test/helpers/sluice-process.js'
import { meterTree } from './proc-tree.js'

export interface SteadyOptions {
  contender: 'sluice' | 'spark'
  topic: string
  partitions: number
  rate: number
  seconds: number
  triggerSec: number
  workers: number
  maxOffsetsPerTrigger: number
  coalesce: number
  recordBytes: number
  /** How long to wait after the load for the lag to reach 0. */
  drainSeconds: number
  tag: string
  /** More `sink` options of the sluice job (e.g. compaction), as YAML scalars. */
  sinkExtra?: Record<string, string | number | boolean>
  /** More `sluice loadgen` flags (e.g. ['--time-span-hours', '3']). */
  loadgenArgs?: string[]
  /** Keep the job running this long after the lag is back to 0 (idle triggers: compaction settles); its CPU counts. */
  settleSeconds?: number
}

export interface SteadyResult {
  contender: string
  rate: number
  achievedRate: number
  loadgenRateHeld: boolean | null
  seconds: number
  triggerSec: number
  workers: number
  maxOffsetsPerTrigger: number
  coalesce: number
  /** Records written per second: those committed by the end (the lag back to 0, or drainSeconds
   * after the load) over the time from the load's start to then. */
  throughput: number
  latencySec: { p50: number; p99: number; max: number; samples: number }
  bounded: boolean
  /** Seconds of lag gained per second over the second half of the load (lagSecondsTrend). */
  lagTrend: number
  maxLagRecords: number
  maxLagSec: number
  /** [t, lag records, lag seconds] each second from the start of the load. */
  lag: [number, number, number][]
  rss: [number, number][]
  peakRssMb: number
  cpuSeconds: number
  loadgenExit: number | null
  /** sluice: each committed batch's trigger start (ms) and triggerExecution (ms), for trigger lateness. */
  triggers: { startMs: number; execMs: number }[]
  /** sluice: compactions committed (`compaction committed` log lines; sink.compaction). */
  compactions: number
}

const SPARK_PYTHON = join(repoRoot, '.venv', 'bin', 'python')
const SPARK_JOB = join(repoRoot, 'bench', 'spark_job.py')

export function sparkJars(): string {
  const dir = join(repoRoot, '.cache', 'spark-jars')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(dir, f))
    .join(',')
}

/** Starts the seed's Spark job (bench/spark_job.py); lines of its stdout go to `onLine`. */
export function spawnSpark(args: string[], onLine: (o: Record<string, unknown>) => void): ChildProcess {
  const child = spawn(SPARK_PYTHON, [SPARK_JOB, ...args], {
    cwd: repoRoot,
    env: { ...process.env, TZ: 'UTC', PYSPARK_PYTHON: SPARK_PYTHON, SPARK_KAFKA_JARS: sparkJars(), SPARK_LOCAL_IP: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  const first: string[] = []
  child.stderr!.on('data', (d: Buffer) => {
    // Keep the first lines that name an exception (the cause) and the tail.
    for (const line of d.toString().split('\n')) if (/Exception|Error:/.test(line) && first.length < 5) first.push(line.slice(0, 400))
    err = (err + d.toString()).slice(-3000)
  })
  ;(child as ChildProcess & { stderrTail: () => string }).stderrTail = () => `${first.join('\n')}\n…\n${err}`
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return
    try {
      onLine(JSON.parse(line) as Record<string, unknown>)
    } catch {}
  })
  return child
}

export function stderrTail(child: ChildProcess): string {
  return (child as ChildProcess & { stderrTail?: () => string }).stderrTail?.() ?? ''
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  })
}

/** Where a job's output lives: S3 (sluice on the embedded stack) or a local directory (Spark). */
interface Sink {
  /** `_spark_metadata` entries: name and commit time (ms). */
  metadata(): Promise<{ name: string; committedMs: number }[]>
  text(path: string): Promise<string>
  range(path: string, start: number, length: number): Promise<string>
}

function s3Sink(s3: S3Client, bucket: string, prefix: string): Sink {
  const key = (p: string): string => (p.startsWith('s3a://') ? p.slice(`s3a://${bucket}/`.length) : `${prefix}${p}`)
  const body = async (k: string, range?: string): Promise<string> => {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k, Range: range }))
    return r.Body!.transformToString()
  }
  return {
    async metadata() {
      const out: { name: string; committedMs: number }[] = []
      let token: string | undefined
      do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}_spark_metadata/`, ContinuationToken: token }))
        for (const o of r.Contents ?? []) out.push({ name: o.Key!.slice(`${prefix}_spark_metadata/`.length), committedMs: o.LastModified!.getTime() })
        token = r.IsTruncated ? r.NextContinuationToken : undefined
      } while (token !== undefined)
      return out
    },
    text: (p) => body(`${prefix}_spark_metadata/${p}`),
    range: (p, start, length) => body(key(p), `bytes=${start}-${start + length - 1}`),
  }
}

function fileSink(dir: string): Sink {
  const local = (p: string): string => decodeURIComponent(p.replace(/^file:(\/\/)?/, ''))
  return {
    async metadata() {
      const md = join(dir, '_spark_metadata')
      return readdirSync(md)
        .filter((n) => !n.startsWith('.'))
        .map((name) => ({ name, committedMs: statSync(join(md, name)).mtimeMs }))
    },
    text: async (p) => readFileSync(join(dir, '_spark_metadata', p), 'utf8'),
    async range(p, start, length) {
      const fh = await open(local(p), 'r')
      try {
        const buf = Buffer.alloc(length)
        const { bytesRead } = await fh.read(buf, 0, length, start)
        return buf.subarray(0, bytesRead).toString('utf8')
      } finally {
        await fh.close()
      }
    },
  }
}

const SAMPLE_BYTES = 16 * 1024
const RANGES_PER_FILE = 3

/** Latency samples (seconds, weight) of every committed batch of a sink. */
async function latencySamples(sink: Sink): Promise<{ latency: number; weight: number }[]> {
  const entries = (await sink.metadata())
    .map((e) => ({ ...e, id: Number(e.name.replace(/\.compact$/, '')) }))
    .filter((e) => Number.isInteger(e.id))
    .sort((a, b) => a.id - b.id)
  const seen = new Set<string>()
  const out: { latency: number; weight: number }[] = []
  for (const e of entries) {
    const files = (await sink.text(e.name))
      .split('\n')
      .slice(1)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { path: string; size: number })
    for (const f of files) {
      if (seen.has(f.path)) continue // a compacted file lists the earlier batches' files again
      seen.add(f.path)
      if (f.size === 0) continue
      const ranges = f.size <= SAMPLE_BYTES * RANGES_PER_FILE ? [[0, f.size]] : Array.from({ length: RANGES_PER_FILE }, () => [Math.floor(Math.random() * (f.size - SAMPLE_BYTES)), SAMPLE_BYTES])
      const stamps: number[] = []
      for (const [start, length] of ranges) {
        // A file compaction replaced and removed (sink.compaction) is still named by an earlier batch's entry: skipped.
        const text = await sink.range(f.path, start!, length!).catch((err: unknown) => (String(err).includes('NoSuchKey') || String(err).includes('ENOENT') ? null : Promise.reject(err)))
        if (text === null) break
        const lines = text.split('\n')
        if (start! > 0) lines.shift() // a partial first line
        if (start! + length! < f.size) lines.pop() // a partial last line
        for (const l of lines) {
          const m = /"kafka_timestamp":"([^"]+)"/.exec(l)
          if (m !== null) stamps.push(Date.parse(m[1]!))
        }
      }
      for (const ts of stamps) out.push({ latency: (e.committedMs - ts) / 1000, weight: f.size / stamps.length })
    }
  }
  return out
}

function weightedQuantile(xs: { latency: number; weight: number }[], q: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a.latency - b.latency)
  const total = s.reduce((a, x) => a + x.weight, 0)
  let acc = 0
  for (const x of s) {
    acc += x.weight
    if (acc >= q * total) return x.latency
  }
  return s[s.length - 1]!.latency
}

function slope(points: [number, number][]): number {
  if (points.length < 2) return 0
  const n = points.length
  const mx = points.reduce((a, p) => a + p[0], 0) / n
  const my = points.reduce((a, p) => a + p[1], 0) / n
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0)
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0)
  return den === 0 ? 0 : num / den
}

/** Lag is bounded when the lag in seconds grows by less than 0.1 s per second over the second half of the load. */
export const BOUNDED_TREND = 0.1

/** Least-squares slope of the lag in seconds over t in [seconds/2, seconds] (inside the load: it
 * starts after the job is up and lasts at least `seconds`). Shared with tools/benchmarks-suite-md.ts. */
export function lagSecondsTrend(lag: [number, number, number][], seconds: number): number {
  return slope(lag.filter((p) => p[0] >= seconds / 2 && p[0] <= seconds).map((p) => [p[0], p[2]] as [number, number]))
}

const sumOffsets = (o: Record<string, Record<string, number>> | undefined, topic: string): number => Object.values(o?.[topic] ?? {}).reduce((a, n) => a + n, 0)

/** Spark's committed position: offsets/N of the newest commits/N in a file:// checkpoint. */
function sparkCommitted(checkpoint: string, topic: string): number {
  try {
    const ids = readdirSync(join(checkpoint, 'commits'))
      .map(Number)
      .filter(Number.isInteger)
    if (ids.length === 0) return 0
    const lines = readFileSync(join(checkpoint, 'offsets', String(Math.max(...ids))), 'utf8').trim().split('\n')
    return sumOffsets(JSON.parse(lines[lines.length - 1]!) as Record<string, Record<string, number>>, topic)
  } catch {
    return 0
  }
}

function sluiceJob(o: SteadyOptions): string {
  return `name: steady
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${o.topic}
  startingOffsets: earliest
  maxOffsetsPerTrigger: ${o.maxOffsetsPerTrigger}
schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]
sink:
  path: s3a://bench/${o.tag}/
  checkpointLocation: s3a://bench/${o.tag}-checkpoint/
  partitionBy: [dt, dth]
  coalesce: ${o.coalesce}
  trigger: ${o.triggerSec} seconds
${Object.entries(o.sinkExtra ?? {}).map(([k, v]) => `  ${k}: ${String(v)}\n`).join('')}conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: ${o.workers}
metrics:
  port: 0
`
}

/**
 * sluice's sustained capacity with the load generator on the same cores: `sluice loadgen` as fast
 * as it can for `seconds` while the job (the steady scenario's, `o`) consumes; the capacity is the
 * rows sluice committed per second over the second half of that window (start-up and the first
 * batches left out), or the generator's own rate if that was lower. A pre-filled drain's batch rate
 * is more than the two together can sustain on 2 cores, so it would offer loads no generator here
 * produces.
 */
export async function sustainedCapacity(
  env: Record<string, string>,
  dir: string,
  o: Omit<SteadyOptions, 'contender' | 'rate' | 'drainSeconds'>,
): Promise<{ capacity: number; committedPerSec: number; loadgenPerSec: number; seconds: number }> {
  const file = join(dir, `${o.tag}.yaml`)
  await writeFile(file, sluiceJob({ ...o, contender: 'sluice', rate: 0, drainSeconds: 0 }))
  const job = spawnCli(['run', file], { ...env, SLUICE_LOG_LEVEL: 'info' })
  let rows = 0
  createInterface({ input: job.stdout! }).on('line', (line) => {
    if (!line.includes('"batch committed"')) return
    try {
      rows += Number((JSON.parse(line) as { rows?: number }).rows ?? 0)
    } catch {}
  })
  let err = ''
  job.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)))
  const exited = new Promise<number | null>((resolve) => job.once('exit', resolve))
  try {
    const load = spawnCli(['loadgen', '--bootstrap', env.KAFKA_BOOTSTRAP!, '--topic', o.topic, '--partitions', String(o.partitions), '--rate', '0', '--duration', String(o.seconds), '--record-bytes', String(o.recordBytes), '--progress', 'off', ...(o.loadgenArgs ?? [])], env)
    let loadOut = ''
    load.stdout!.on('data', (d: Buffer) => (loadOut = (loadOut + d.toString()).slice(-20_000)))
    const loadExit = waitExit(load, (o.seconds + 120) * 1000)
    await new Promise((r) => setTimeout(r, (o.seconds / 2) * 1000))
    const r0 = rows
    const t0 = performance.now()
    const code = await loadExit
    const committedPerSec = ((rows - r0) * 1000) / (performance.now() - t0)
    if (code !== 0) throw new Error(`the capacity run's load generator exited ${code}: ${loadOut.slice(-2000)}`)
    const loadgenPerSec = (JSON.parse(loadOut.trim().split('\n').pop()!) as { ratePerSec: number }).ratePerSec
    if (job.exitCode !== null) throw new Error(`sluice exited ${job.exitCode} during the capacity run: ${err}`)
    return { capacity: Math.round(Math.min(committedPerSec, loadgenPerSec)), committedPerSec: Math.round(committedPerSec), loadgenPerSec: Math.round(loadgenPerSec), seconds: o.seconds }
  } finally {
    job.kill('SIGTERM')
    await exited
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode)
      return
    }
    const t = setTimeout(() => {
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(t)
      resolve(code)
    })
  })
}

/** One steady run; the topic must exist (empty) with `partitions` partitions. */
export async function runSteady(env: Record<string, string>, dir: string, o: SteadyOptions): Promise<SteadyResult> {
  const kafka = new Kafka({ brokers: env.KAFKA_BOOTSTRAP!.split(','), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const hwm = async (): Promise<number> => (await admin.fetchTopicOffsets(o.topic)).reduce((a, p) => a + Number(p.high), 0)
  const base = await hwm()
  let committed = 0
  const triggers: { startMs: number; execMs: number }[] = []
  let compactions = 0
  const meter = meterTree(1000)
  let job: ChildProcess
  let sink: Sink
  const s3 = s3Client(env.S3_ENDPOINT!)
  const sparkDir = join(dir, o.tag)
  let started: () => void = () => {}
  const ready = new Promise<void>((r) => (started = r))
  if (o.contender === 'sluice') {
    const file = join(dir, `${o.tag}.yaml`)
    await writeFile(file, sluiceJob(o))
    job = spawnCli(['run', file], { ...env, SLUICE_LOG_LEVEL: 'info' })
    createInterface({ input: job.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return
      try {
        const l = JSON.parse(line) as { msg?: string; progress?: { timestamp: string; durationMs: { triggerExecution: number }; sources: { endOffset: Record<string, Record<string, number>> }[] } }
        if (l.msg === 'query started' || l.msg === 'batch committed') started()
        if (l.msg === 'batch committed') committed = sumOffsets(l.progress?.sources[0]?.endOffset, o.topic)
        if (l.msg === 'compaction committed') compactions++
        if (l.msg === 'batch committed' && l.progress) triggers.push({ startMs: Date.parse(l.progress.timestamp), execMs: l.progress.durationMs.triggerExecution })
      } catch {}
    })
    let err = ''
    job.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)))
    job.on('exit', (code) => code !== 0 && code !== null && process.stderr.write(`sluice exited ${code}: ${err}\n`))
    setTimeout(started, 5000).unref() // in case the start line is named differently
    sink = s3Sink(s3, 'bench', `${o.tag}/`)
  } else {
    job = spawnSpark([env.KAFKA_BOOTSTRAP!, o.topic, `file://${sparkDir}/out`, `file://${sparkDir}/checkpoint`, String(o.triggerSec), String(o.maxOffsetsPerTrigger), String(o.coalesce)], (l) => {
      if (l.started === true) started()
    })
    sink = fileSink(join(sparkDir, 'out'))
  }
  await ready
  const load = spawnCli(
    ['loadgen', '--bootstrap', env.KAFKA_BOOTSTRAP!, '--topic', o.topic, '--partitions', String(o.partitions), '--rate', String(o.rate), '--duration', String(o.seconds), '--record-bytes', String(o.recordBytes), ...(o.loadgenArgs ?? [])],
    env,
  )
  meter.exclude(load.pid!)
  let loadOut = ''
  load.stdout!.on('data', (d: Buffer) => (loadOut = (loadOut + d.toString()).slice(-20_000)))
  const loadExit = waitExit(load, (o.seconds + 120) * 1000)
  const t0 = performance.now()
  const hw: [number, number][] = []
  const lag: [number, number, number][] = []
  let loadDone = false
  let loadgenExit: number | null = null
  void loadExit.then((c) => {
    loadDone = true
    loadgenExit = c
  })
  let loadEnd = Number.POSITIVE_INFINITY
  let committedAtEnd = 0
  let tEnd = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000))
    const t = (performance.now() - t0) / 1000
    const high = (await hwm()) - base
    if (o.contender === 'spark') committed = sparkCommitted(join(sparkDir, 'checkpoint'), o.topic)
    const c = committed - base
    hw.push([t, high])
    const behind = Math.max(0, high - c)
    const passed = hw.find((p) => p[1] > c)
    lag.push([Number(t.toFixed(1)), behind, behind === 0 || passed === undefined ? 0 : Number((t - passed[0]).toFixed(1))])
    if (loadDone && loadEnd === Number.POSITIVE_INFINITY) loadEnd = t
    committedAtEnd = c
    tEnd = t
    if (loadDone && (behind === 0 || t > loadEnd + o.drainSeconds)) break
  }
  if (o.settleSeconds !== undefined) await new Promise((r) => setTimeout(r, o.settleSeconds! * 1000))
  job.kill('SIGTERM')
  await waitExit(job, 60_000)
  const usage = meter.stop()
  await admin.disconnect()
  const summary = loadOut
    .trim()
    .split('\n')
    .reverse()
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>
      } catch {
        return null
      }
    })
    .find((l) => l !== null && typeof l.produced === 'number') as { produced?: number; ratePerSec?: number; rateHeld?: boolean } | undefined
  const produced = lag.length > 0 ? (hw.find((p) => p[0] >= loadEnd)?.[1] ?? hw[hw.length - 1]![1]) : 0
  const samples = await latencySamples(sink).catch((err: unknown) => {
    process.stderr.write(`latency sampling failed for ${o.tag}: ${String(err)}\n`)
    return []
  })
  s3.destroy()
  const s = lagSecondsTrend(lag, o.seconds)
  const r2 = (x: number): number => Number(x.toFixed(2))
  return {
    contender: o.contender,
    rate: o.rate,
    achievedRate: Math.round(summary?.ratePerSec ?? produced / Math.max(1, loadEnd)),
    loadgenRateHeld: summary?.rateHeld ?? null,
    seconds: o.seconds,
    triggerSec: o.triggerSec,
    workers: o.workers,
    maxOffsetsPerTrigger: o.maxOffsetsPerTrigger,
    coalesce: o.coalesce,
    throughput: Math.round(committedAtEnd / Math.max(1, tEnd)),
    latencySec: { p50: r2(weightedQuantile(samples, 0.5)), p99: r2(weightedQuantile(samples, 0.99)), max: r2(samples.reduce((m, x) => Math.max(m, x.latency), Number.NEGATIVE_INFINITY)), samples: samples.length },
    bounded: s < BOUNDED_TREND,
    lagTrend: Number(s.toFixed(3)),
    maxLagRecords: Math.max(0, ...lag.map((p) => p[1])),
    maxLagSec: Math.max(0, ...lag.map((p) => p[2])),
    lag,
    rss: usage.rssSeries.map(([t, mb]) => [Math.round(t), mb]),
    peakRssMb: usage.peakRssMb,
    cpuSeconds: usage.cpuSeconds,
    loadgenExit,
    triggers,
    compactions,
  }
}
