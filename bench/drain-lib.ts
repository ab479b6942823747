/**
 * Shared by bench/drain.ts and bench/metrics-overhead.ts. Drain benchmark (issue 2): one pre-filled topic (32 partitions, ~100-byte JSON records, as many
 * as the mock broker's ~5 MB per-partition retention holds), drained in one run, alternating, by
 *   (a) kcat consuming to /dev/null — the ceiling: how fast the records can be read at all;
 *   (b) a straightforward single-threaded kafkajs consumer → JSON.parse → bucket by dt/dth →
 *       PutObject pipeline — what a user would otherwise write;
 *   (c) sluice `--trigger availableNow` (whole process: start-up, one batch, exit).
 * Prints records/s for each (median of REPS, min-max) and the ratios c/a and c/b, and writes
 * bench/results/drain-<timestamp>.json with the machine, Node version and commit.
 *
 *   make bench            (BENCH_REPS=3 BENCH_PER_PARTITION=30000 by default)
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Kafka, logLevel } from 'kafkajs'
import { cliPath, type CliResult, logLines, repoRoot, runCli } from '../test/helpers/sluice-process.js'
import { startStack, type Stack } from '../test/helpers/stack.js'
import { sampleThreads, type ThreadCpu } from './thread-cpu.js'

export const PARTITIONS = 32
export const PER_PARTITION = Number(process.env.BENCH_PER_PARTITION ?? 30_000)
export const REPS = Number(process.env.BENCH_REPS ?? 3)
export const TOTAL = PARTITIONS * PER_PARTITION
export const WORKERS = Number(process.env.BENCH_WORKERS ?? cpus().length)
/** Writers per batch in sluice's runs (coalesce): two task slots per worker thread by default. */
export const COALESCE = Number(process.env.BENCH_COALESCE ?? WORKERS * 2)

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export async function kcatDrain(bootstrap: string, topic = 'drain', total = TOTAL): Promise<number> {
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let n = 0
    child.stdout!.on('data', (b: Buffer) => {
      for (let i = 0; i < b.length; i++) if (b[i] === 10) n++
    })
    child.on('exit', (code) => (code === 0 && n === total ? resolve() : reject(new Error(`kcat exited ${code} after ${n} records`))))
  })
  return total / ((performance.now() - t0) / 1000)
}

export async function kafkajsPipeline(bootstrap: string, endpoint: string, rep: number, topic = 'drain', total = TOTAL): Promise<number> {
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  })
  const kafka = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `bench-b-${rep}-${Date.now()}`, maxBytesPerPartition: 4 << 20, maxBytes: 64 << 20 })
  const t0 = performance.now()
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const buckets = new Map<string, string[]>()
  let n = 0
  let files = 0
  const flush = async (dir: string, lines: string[]): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `b-${rep}/${dir}/part-${files++}.json`, Body: `${lines.join('\n')}\n` }))
  }
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const obj = JSON.parse(m.value!.toString()) as { message: string }
            const iso = new Date(Number(m.timestamp)).toISOString()
            const dir = `dt=${iso.slice(0, 10)}/dth=${iso.slice(0, 10)}-${iso.slice(11, 13)}`
            let b = buckets.get(dir)
            if (b === undefined) buckets.set(dir, (b = []))
            b.push(JSON.stringify({ message: obj.message, kafka_timestamp: iso }))
            if (b.length >= 50_000) {
              buckets.set(dir, [])
              await flush(dir, b)
            }
          }
          n += batch.messages.length
          if (n >= total) resolve()
        },
      })
      .catch(reject)
  })
  for (const [dir, b] of buckets) if (b.length > 0) await flush(dir, b)
  const rate = total / ((performance.now() - t0) / 1000)
  await consumer.disconnect()
  s3.destroy()
  return rate
}

export interface DrainOptions {
  metrics?: boolean
  tag?: string
  maxOffsetsPerTrigger?: number
  writerMemory?: string
  /** Topic to drain (default `drain`) and the rows it holds (default TOTAL). */
  topic?: string
  rows?: number
  coalesce?: number
  workers?: number
  compression?: 'none' | 'gzip'
  /** Another build's `dist/src/cli/main.js` (a baseline to compare with); default this tree's. */
  cli?: string
  /** Node flags for the sluice process (e.g. `--cpu-prof`, not allowed in NODE_OPTIONS). */
  nodeArgs?: string[]
  /** Sample the process's CPU per thread (bench/thread-cpu.ts). */
  threads?: boolean
}

export async function sluiceDrain(
  env: Record<string, string>,
  dir: string,
  rep: number,
  o: DrainOptions = {},
): Promise<{ rate: number; batchRate: number; maxRssMb: number; cpuSeconds: number; threads?: ThreadCpu }> {
  const tag = `${o.tag ?? 'c'}-${rep}`
  const job = join(dir, `drain-${tag}.yaml`)
  const total = o.rows ?? TOTAL
  await writeFile(
    job,
    `name: drain
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${o.topic ?? 'drain'}
  startingOffsets: earliest
${o.maxOffsetsPerTrigger === undefined ? '' : `  maxOffsetsPerTrigger: ${o.maxOffsetsPerTrigger}\n`}schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]
sink:
  path: s3a://bench/${tag}/
  checkpointLocation: s3a://bench/${tag}-checkpoint/
  partitionBy: [dt, dth]
  coalesce: ${o.coalesce ?? COALESCE}
  trigger: availableNow
${o.compression === undefined ? '' : `  compression: ${o.compression}\n`}${o.writerMemory === undefined ? '' : `  writerMemory: ${o.writerMemory}\n`}conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: ${o.workers ?? WORKERS}
metrics:
  enabled: ${o.metrics ?? true}
  port: 0
`,
  )
  const t0 = performance.now()
  const runEnv = { ...env, SLUICE_LOG_LEVEL: 'info' }
  let threads: ThreadCpu | undefined
  const r =
    (o.cli === undefined || o.cli === cliPath) && o.nodeArgs === undefined && o.threads !== true
      ? await runCli(['run', job], runEnv, 600_000)
      : await runOtherCli(o.cli ?? cliPath, ['run', job], runEnv, o.nodeArgs ?? [], o.threads === true ? (t) => (threads = t) : undefined, o.workers ?? WORKERS)
  const seconds = (performance.now() - t0) / 1000
  if (r.code !== 0) throw new Error(`sluice failed: ${r.stderr}`)
  const batches = logLines(r.stdout).filter((l) => l.msg === 'batch committed')
  const rows = batches.reduce((s, b) => s + (b.rows as number), 0)
  if (rows !== total) throw new Error(`sluice wrote ${rows} rows, expected ${total}`)
  const batchMs = batches.reduce((s, b) => s + ((b.durationMs as { triggerExecution: number }).triggerExecution), 0)
  const end = logLines(r.stdout).find((l) => l.msg === 'query terminated')
  // Best effort: s3rver sometimes answers InternalError to a large DeleteObjects; the runs use their own prefixes anyway.
  await deletePrefix(env, `${tag}`).catch((err: unknown) => process.stderr.write(`cleanup of ${tag} failed: ${String(err)}\n`))
  return {
    rate: total / seconds,
    batchRate: total / (batchMs / 1000),
    maxRssMb: Number(end?.maxRssMb ?? Number.NaN),
    cpuSeconds: Number(end?.cpuSeconds ?? Number.NaN),
    ...(threads === undefined ? {} : { threads }),
  }
}

/** Runs another build's CLI (a baseline) the way runCli runs this one. */
function runOtherCli(
  cli: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
  onThreads?: (t: ThreadCpu) => void,
  workers = WORKERS,
): Promise<CliResult> {
  return new Promise((resolve) => {
    let sampler: { stop(): ThreadCpu } | null = null
    const child = execFile(process.execPath, [...nodeArgs, cli, ...args], { env: { ...process.env, ...env }, timeout: 600_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, signal: e?.signal ?? null, stdout, stderr })
    })
    if (onThreads !== undefined && child.pid !== undefined) {
      sampler = sampleThreads(child.pid, workers)
      // 'exit' comes before the streams close: the last sample is taken as the process ends.
      child.on('exit', () => onThreads(sampler!.stop()))
    }
  })
}

/** Removes a run's output and checkpoint so s3rver's store does not grow from run to run. */
async function deletePrefix(env: Record<string, string>, tag: string): Promise<void> {
  const s3 = new S3Client({
    endpoint: env.S3_ENDPOINT!,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  })
  try {
    for (const prefix of [`${tag}/`, `${tag}-checkpoint/`]) {
      let token: string | undefined
      do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: prefix, ContinuationToken: token }))
        const keys = (r.Contents ?? []).map((o) => ({ Key: o.Key! }))
        if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: 'bench', Delete: { Objects: keys } }))
        token = r.IsTruncated ? r.NextContinuationToken : undefined
      } while (token !== undefined)
    }
  } finally {
    s3.destroy()
  }
}


export interface ExtraTopic {
  name: string
  count: number
  /** Extra loadgen arguments (--record-bytes, --time-span-hours). */
  args: string[]
  /**
   * Produce with kcat (librdkafka) and this codec instead of `sluice loadgen`: for zstd, which
   * the load generator cannot write on Node 20 (no zstd in node:zlib). Values are the seed's
   * {"message": …} with `recordBytes` random characters, keyless (random partitions), timestamped now.
   */
  kcat?: { codec: string; recordBytes: number }
}

/** `count` seed-shaped JSON values into `topic` with kcat, batches compressed with `codec`. */
async function kcatProduce(bootstrap: string, topic: string, count: number, codec: string, recordBytes: number, dir: string): Promise<void> {
  const file = join(dir, `${topic}.jsonl`)
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789'
  let x = 12345
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    let m = `${i} `
    while (m.length < recordBytes) {
      x = (x * 1103515245 + 12345) & 0x7fffffff
      m += alphabet[x % alphabet.length]
    }
    lines.push(JSON.stringify({ message: m }))
  }
  await writeFile(file, `${lines.join('\n')}\n`)
  await new Promise<void>((resolve, reject) => {
    execFile('kcat', ['-P', '-b', bootstrap, '-t', topic, '-z', codec, '-X', 'linger.ms=50', '-X', 'batch.num.messages=10000', '-l', file], { maxBuffer: 1 << 24 }, (err, _out, stderr) =>
      err === null ? resolve() : reject(new Error(`kcat -P -z ${codec} into ${topic} failed: ${stderr || String(err)}`)),
    )
  })
  await rm(file, { force: true })
}

/** Starts the stack and pre-fills the `drain` topic (unless drain is false) and the extra topics; returns the stack and a scratch dir. */
export async function prefill(extra: ExtraTopic[] = [], drain = true): Promise<{ stack: Stack; dir: string }> {
  const topics = [...(drain ? ['drain'] : []), ...extra.map((t) => t.name)].map((name) => ({ name, partitions: PARTITIONS }))
  const stack = await startStack({ topics, buckets: ['bench'], s3InChildProcess: true })
  for (const t of extra) {
    process.stderr.write(`pre-filling ${t.count} records into ${PARTITIONS} partitions of ${t.name}${t.kcat === undefined ? '' : ` with kcat, ${t.kcat.codec}`}…\n`)
    if (t.kcat !== undefined) {
      try {
        await kcatProduce(stack.kafka.bootstrap, t.name, t.count, t.kcat.codec, t.kcat.recordBytes, tmpdir())
      } catch (err) {
        await stack.stop()
        throw err
      }
      continue
    }
    const gen = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', t.name, '--partitions', String(PARTITIONS), '--count', String(t.count), ...t.args], stack.env, 600_000)
    if (gen.code !== 0) {
      await stack.stop()
      throw new Error(`loadgen failed: ${gen.stderr}`)
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'))
  if (!drain) return { stack, dir }
  process.stderr.write(`pre-filling ${TOTAL} records into ${PARTITIONS} partitions…\n`)
  const gen = await runCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'drain', '--partitions', String(PARTITIONS), '--count', String(TOTAL), '--record-bytes', '70', '--time-span-hours', '6'],
    stack.env,
    600_000,
  )
  if (gen.code !== 0) {
    await stack.stop()
    throw new Error(`loadgen failed: ${gen.stderr}`)
  }
  return { stack, dir }
}

/**
 * Runs a benchmark on the pre-filled topic, always stops the stack and removes the scratch dir,
 * and turns a failure into exit code 1 with the stack on stderr.
 */
export function runOnPrefilledTopic(bench: (stack: Stack, dir: string) => Promise<void>, extra: ExtraTopic[] = [], drain = true): void {
  const run = async (): Promise<void> => {
    const { stack, dir } = await prefill(extra, drain)
    try {
      await bench(stack, dir)
    } finally {
      await stack.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
  run().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  })
}

export function summary(xs: number[]): { median: number; min: number; max: number } {
  return { median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) }
}

/**
 * Where results go: bench/results, or BENCH_RESULTS_DIR (relative to the repository root).
 * `make bench-quick` writes to .bench-quick/results, so a routine quick run never replaces the
 * full run that BENCHMARKS.md is generated from.
 */
export function resultsDir(): string {
  return resolve(repoRoot, process.env.BENCH_RESULTS_DIR ?? join('bench', 'results'))
}

export async function writeResult(name: string, result: Record<string, unknown>): Promise<void> {
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim()
  } catch {}
  const full = {
    benchmark: name,
    date: new Date().toISOString(),
    commit,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    ...result,
  }
  await mkdir(resultsDir(), { recursive: true })
  await writeFile(join(resultsDir(), `${name}-${full.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(full, null, 2)}\n`)
  process.stdout.write(`${JSON.stringify(full, null, 2)}\n`)
}
