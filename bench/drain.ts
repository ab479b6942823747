/**
 * Drain benchmark (issue 2): one pre-filled topic (32 partitions, ~100-byte JSON records, as many
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
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Kafka, logLevel } from 'kafkajs'
import { logLines, repoRoot, runCli } from '../test/helpers/sluice-process.js'
import { startStack } from '../test/helpers/stack.js'

const PARTITIONS = 32
const PER_PARTITION = Number(process.env.BENCH_PER_PARTITION ?? 30_000)
const REPS = Number(process.env.BENCH_REPS ?? 3)
const TOTAL = PARTITIONS * PER_PARTITION
const WORKERS = Number(process.env.BENCH_WORKERS ?? cpus().length)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

async function kcatDrain(bootstrap: string): Promise<number> {
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', 'drain', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let n = 0
    child.stdout!.on('data', (b: Buffer) => {
      for (let i = 0; i < b.length; i++) if (b[i] === 10) n++
    })
    child.on('exit', (code) => (code === 0 && n === TOTAL ? resolve() : reject(new Error(`kcat exited ${code} after ${n} records`))))
  })
  return TOTAL / ((performance.now() - t0) / 1000)
}

async function kafkajsPipeline(bootstrap: string, endpoint: string, rep: number): Promise<number> {
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
  await consumer.subscribe({ topic: 'drain', fromBeginning: true })
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
          if (n >= TOTAL) resolve()
        },
      })
      .catch(reject)
  })
  for (const [dir, b] of buckets) if (b.length > 0) await flush(dir, b)
  const rate = TOTAL / ((performance.now() - t0) / 1000)
  await consumer.disconnect()
  s3.destroy()
  return rate
}

async function sluiceDrain(env: Record<string, string>, dir: string, rep: number): Promise<{ rate: number; batchRate: number }> {
  const job = join(dir, `drain-${rep}.yaml`)
  await writeFile(
    job,
    `name: drain
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: drain
  startingOffsets: earliest
schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]
sink:
  path: s3a://bench/c-${rep}/
  checkpointLocation: s3a://bench/c-${rep}-checkpoint/
  partitionBy: [dt, dth]
  coalesce: ${Number(process.env.BENCH_COALESCE ?? WORKERS * 2)}
  trigger: availableNow
conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: ${WORKERS}
metrics:
  enabled: ${process.env.BENCH_METRICS !== 'false'}
  port: 0
`,
  )
  const t0 = performance.now()
  const r = await runCli(['run', job], { ...env, SLUICE_LOG_LEVEL: 'info' }, 600_000)
  const seconds = (performance.now() - t0) / 1000
  if (r.code !== 0) throw new Error(`sluice failed: ${r.stderr}`)
  const batches = logLines(r.stdout).filter((l) => l.msg === 'batch committed')
  const rows = batches.reduce((s, b) => s + (b.rows as number), 0)
  if (rows !== TOTAL) throw new Error(`sluice wrote ${rows} rows, expected ${TOTAL}`)
  const batchMs = batches.reduce((s, b) => s + ((b.durationMs as { triggerExecution: number }).triggerExecution), 0)
  return { rate: TOTAL / seconds, batchRate: TOTAL / (batchMs / 1000) }
}

async function main(): Promise<void> {
  const stack = await startStack({ topics: [{ name: 'drain', partitions: PARTITIONS }], buckets: ['bench'], s3InChildProcess: true })
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'))
  try {
    process.stderr.write(`pre-filling ${TOTAL} records into 32 partitions…\n`)
    const gen = await runCli(
      ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'drain', '--partitions', String(PARTITIONS), '--count', String(TOTAL), '--record-bytes', '70', '--time-span-hours', '6'],
      stack.env,
      600_000,
    )
    if (gen.code !== 0) throw new Error(`loadgen failed: ${gen.stderr}`)
    const a: number[] = []
    const b: number[] = []
    const c: number[] = []
    const cBatch: number[] = []
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
        }
        process.stderr.write(`rep ${rep} ${which} done\n`)
      }
    }
    const summary = (xs: number[]) => ({ median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) })
    let commit = 'unknown'
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim()
    } catch {}
    const result = {
      benchmark: 'drain',
      date: new Date().toISOString(),
      commit,
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      records: TOTAL,
      partitions: PARTITIONS,
      reps: REPS,
      workers: WORKERS,
      recordsPerSecond: {
        a_kcat: summary(a),
        b_kafkajs_pipeline: summary(b),
        c_sluice_process: summary(c),
        c_sluice_batch_only: summary(cBatch),
      },
      ratios: {
        c_over_a: Number((median(c) / median(a)).toFixed(3)),
        c_over_b: Number((median(c) / median(b)).toFixed(3)),
      },
    }
    await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true })
    await writeFile(join(repoRoot, 'bench', 'results', `drain-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`)
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } finally {
    await stack.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
