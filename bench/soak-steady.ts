/**
 * Steady soak (issue 13 item 7): sluice runs the seed job's shape (partitionBy dt, dth; coalesce 3;
 * trigger 2 seconds) against the embedded stack while `sluice loadgen` produces at 80% of the
 * capacity measured first on the same machine, for SOAK_SECONDS (default 1800). Every
 * SOAK_SAMPLE_SECONDS (default 5) it samples the sluice process: RSS (VmRSS of the whole process,
 * worker threads included), open file descriptors and sockets (/proc/<pid>/fd), CPU-seconds
 * (/proc/<pid>/stat) and the lag from its own /metrics (sum of sluice_kafka_offsets_behind_latest,
 * max of sluice_kafka_lag_seconds). At the end the load stops, sluice drains, and the rows it
 * committed must equal the records produced. Results: bench/results/soak-steady-<date>.json.
 *
 * Capacity: loadgen as fast as it can for SOAK_CALIBRATE_SECONDS (default 60) while sluice runs
 * (both on this machine, as in the soak); capacity = rows sluice committed per second over the
 * second half of that window. SOAK_RATE overrides the 80% figure.
 *
 *   node dist/bench/soak-steady.js                      # make soak-steady
 *   SOAK_SECONDS=120 node dist/bench/soak-steady.js     # the smoke version
 */
import { type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStack, type Stack } from '../test/helpers/stack.js'
import { logLines, runCli, spawnCli } from '../test/helpers/sluice-process.js'
import { writeResult } from './drain-lib.js'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 1800)
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5)
const CALIBRATE_S = Number(process.env.SOAK_CALIBRATE_SECONDS ?? 60)
const PARTITIONS = 10
const RECORD_BYTES = 100
const CLK_TCK = 100

interface Sample {
  t: number
  rssMb: number
  fds: number
  sockets: number
  cpuSeconds: number
  lagRecords: number
  lagSeconds: number
  /** Records acknowledged by Kafka so far (loadgen's progress) and rows sluice committed. */
  produced: number
  rows: number
  /** produced - rows: records in Kafka not yet in a committed batch (includes up to a trigger interval). */
  notLanded: number
  loadavg1: number
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

function procSample(pid: number): { rssMb: number; fds: number; sockets: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN)
  let fds = 0
  let sockets = 0
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++
    } catch {
      // closed between readdir and readlink
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  return { rssMb: rssKb / 1024, fds, sockets, cpuSeconds }
}

async function lag(port: number): Promise<{ records: number; seconds: number }> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    let records = 0
    let seconds = 0
    for (const line of text.split('\n')) {
      if (line.startsWith('sluice_kafka_offsets_behind_latest{')) records += Number(line.slice(line.lastIndexOf(' ') + 1))
      if (line.startsWith('sluice_kafka_lag_seconds{')) seconds = Math.max(seconds, Number(line.slice(line.lastIndexOf(' ') + 1)))
    }
    return { records, seconds }
  } catch {
    return { records: Number.NaN, seconds: Number.NaN }
  }
}

/** maxOffsetsPerTrigger caps a batch (then the lag metric means something; too low a cap falls behind). */
function job(topic: string, port: number, maxOffsetsPerTrigger?: number): string {
  return `name: soak
stopTimeout: 300s
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${topic}
  startingOffsets: earliest
${maxOffsetsPerTrigger === undefined ? '' : `  maxOffsetsPerTrigger: ${maxOffsetsPerTrigger}\n`}schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]
sink:
  path: s3a://soak/${topic}/
  checkpointLocation: s3a://soak/${topic}-checkpoint/
  partitionBy: [dt, dth]
  coalesce: 3
  trigger: 2 seconds
conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
metrics:
  port: ${port}
`
}

class Sluice {
  readonly child: ChildProcess
  out = ''
  readonly exited: Promise<number | null>
  constructor(jobFile: string, env: Record<string, string>) {
    this.child = spawnCli(['run', jobFile], { ...env, SLUICE_LOG_LEVEL: 'info' })
    this.child.stdout!.on('data', (b: Buffer) => (this.out += b.toString()))
    this.child.stderr!.on('data', (b: Buffer) => (this.out += b.toString()))
    this.exited = new Promise((resolve) => this.child.once('exit', resolve))
  }
  rows(): number {
    let n = 0
    for (const l of logLines(this.out)) if (l.msg === 'batch committed') n += Number(l.rows)
    return n
  }
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM')
    return this.exited
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function calibrate(stack: Stack, dir: string): Promise<number> {
  const port = await freePort()
  const jobFile = join(dir, 'calibrate.yaml')
  await writeFile(jobFile, job('calibrate', port))
  const sluice = new Sluice(jobFile, stack.env)
  try {
    const gen = runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'calibrate', '--partitions', String(PARTITIONS), '--rate', '0', '--duration', String(CALIBRATE_S), '--record-bytes', String(RECORD_BYTES), '--progress', 'off'], stack.env, (CALIBRATE_S + 120) * 1000)
    await sleep((CALIBRATE_S / 2) * 1000)
    const r0 = sluice.rows()
    const t0 = performance.now()
    const g = await gen
    const rate = ((sluice.rows() - r0) * 1000) / (performance.now() - t0)
    if (g.code !== 0) throw new Error(`calibration loadgen failed: ${g.stderr}`)
    const produced = JSON.parse(g.stdout.trim().split('\n').pop()!) as { ratePerSec: number }
    process.stderr.write(`calibration: loadgen ${Math.round(produced.ratePerSec)} records/s, sluice committed ${Math.round(rate)} records/s\n`)
    return Math.min(rate, produced.ratePerSec)
  } finally {
    await sluice.stop()
  }
}

function summarise(samples: Sample[]): Record<string, unknown> {
  const q = Math.max(1, Math.floor(samples.length / 4))
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return s[Math.floor(s.length / 2)] ?? Number.NaN
  }
  const first = samples.slice(0, q)
  const last = samples.slice(-q)
  const pick = (k: keyof Sample) => ({
    min: Math.min(...finite(k)),
    max: Math.max(...finite(k)),
    firstQuarterMedian: med(first.map((s) => s[k]).filter(Number.isFinite)),
    lastQuarterMedian: med(last.map((s) => s[k]).filter(Number.isFinite)),
  })
  const lagSorted = samples.map((s) => s.lagRecords).filter(Number.isFinite).sort((a, b) => a - b)
  const finite = (k: keyof Sample) => samples.map((s) => s[k]).filter(Number.isFinite)
  return {
    rssMb: pick('rssMb'),
    fds: pick('fds'),
    sockets: pick('sockets'),
    lagRecords: { ...pick('lagRecords'), p95: lagSorted[Math.floor(lagSorted.length * 0.95)] ?? Number.NaN },
    lagSeconds: pick('lagSeconds'),
    notLanded: { ...pick('notLanded'), p95: [...samples.map((s) => s.notLanded)].sort((a, b) => a - b)[Math.floor(samples.length * 0.95)] ?? Number.NaN },
    loadavg1: pick('loadavg1'),
  }
}

async function main(): Promise<void> {
  const stack = await startStack({ topics: ['calibrate', 'soak'].map((name) => ({ name, partitions: PARTITIONS })), buckets: ['soak'], s3InChildProcess: true })
  const dir = await mkdtemp(join(tmpdir(), 'sluice-soak-'))
  try {
    const capacity = process.env.SOAK_RATE === undefined ? await calibrate(stack, dir) : Number.NaN
    const rate = process.env.SOAK_RATE === undefined ? Math.floor(capacity * 0.8) : Number(process.env.SOAK_RATE)
    process.stderr.write(`soak: ${rate} records/s for ${SECONDS} s, a sample every ${SAMPLE_S} s\n`)
    const port = await freePort()
    const jobFile = join(dir, 'soak.yaml')
    // SOAK_MAX_OFFSETS sets maxOffsetsPerTrigger (default none, as the 2026-12-01 30-minute run).
    await writeFile(jobFile, job('soak', port, process.env.SOAK_MAX_OFFSETS === undefined ? undefined : Number(process.env.SOAK_MAX_OFFSETS)))
    const sluice = new Sluice(jobFile, stack.env)
    // --progress json: one line a second with the records acknowledged so far (the lag below).
    const genChild = spawnCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'soak', '--partitions', String(PARTITIONS), '--rate', String(rate), '--duration', String(SECONDS), '--record-bytes', String(RECORD_BYTES), '--progress', 'json', '--max-in-flight', '16', '--rate-tolerance', '0.5'], stack.env)
    let genOut = ''
    let genErr = ''
    let producedSoFar = 0
    genChild.stdout!.on('data', (b: Buffer) => {
      genOut += b.toString()
      const lines = genOut.trimEnd().split('\n')
      for (const l of lines.slice(-3).reverse()) {
        try {
          const j = JSON.parse(l) as { type?: string; produced?: number }
          if (j.type === 'progress' && typeof j.produced === 'number') {
            producedSoFar = j.produced
            break
          }
        } catch {
          // a partial line
        }
      }
      if (genOut.length > 1 << 20) genOut = genOut.slice(-4096)
    })
    genChild.stderr!.on('data', (b: Buffer) => (genErr += b.toString()))
    const gen = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => genChild.once('exit', (code) => resolve({ code, stdout: genOut, stderr: genErr })))
    let genDone = false
    void gen.then(() => (genDone = true))
    const samples: Sample[] = []
    const t0 = performance.now()
    while (!genDone && sluice.child.exitCode === null) {
      await sleep(SAMPLE_S * 1000)
      if (sluice.child.exitCode !== null) break
      const p = procSample(sluice.child.pid!)
      const l = await lag(port)
      const rows = sluice.rows()
      samples.push({ t: Math.round((performance.now() - t0) / 1000), ...p, rssMb: Math.round(p.rssMb), lagRecords: l.records, lagSeconds: l.seconds, produced: producedSoFar, rows, notLanded: Math.max(0, producedSoFar - rows), loadavg1: +loadavg()[0]!.toFixed(2) })
      const s = samples.at(-1)!
      process.stderr.write(`t=${s.t}s rss=${s.rssMb}MB fds=${s.fds} sockets=${s.sockets} lag=${s.lagRecords} (${s.lagSeconds.toFixed(1)} s) produced=${s.produced} rows=${s.rows} notLanded=${s.notLanded} load=${s.loadavg1}\n`)
    }
    const g = await gen
    const produced = JSON.parse(g.stdout.trim().split('\n').pop() ?? '{}') as { produced?: number; ratePerSec?: number; errors?: number }
    // Drain what is left, then stop.
    const tDrain = performance.now()
    while (sluice.child.exitCode === null && sluice.rows() < (produced.produced ?? 0) && performance.now() - tDrain < 600_000) await sleep(500)
    const drainSeconds = Math.round((performance.now() - tDrain) / 1000)
    const code = sluice.child.exitCode === null ? await sluice.stop() : sluice.child.exitCode
    // What the stop left (an abandoned batch is re-run): one availableNow run finishes it.
    const rest = await runCli(['run', jobFile, '--trigger', 'availableNow'], { ...stack.env, SLUICE_LOG_LEVEL: 'info' }, 1_200_000)
    const restRows = logLines(rest.stdout).filter((l) => l.msg === 'batch committed').reduce((n, l) => n + Number(l.rows), 0)
    const failed = logLines(sluice.out).find((l) => l.msg === 'query failed')
    const end = logLines(sluice.out).find((l) => l.msg === 'query terminated')
    const result = {
      seconds: SECONDS,
      sampleSeconds: SAMPLE_S,
      calibrationSeconds: CALIBRATE_S,
      capacityRecordsPerSec: Math.round(capacity),
      targetRate: rate,
      recordBytes: RECORD_BYTES,
      partitions: PARTITIONS,
      loadgen: { code: g.code, produced: produced.produced, ratePerSec: produced.ratePerSec, errors: produced.errors },
      sluice: { exitCode: code, rowsCommitted: sluice.rows(), drainSeconds, failed: failed ?? null, maxRssMb: end?.maxRssMb, cpuSeconds: end?.cpuSeconds, tail: sluice.out.slice(-2000) },
      afterStop: { exitCode: rest.code, rowsCommitted: restRows },
      exactCount: sluice.rows() + restRows === produced.produced,
      note: 'librdkafka mock broker + s3rver on the same 2-core machine (loadavg1 in the samples says whether other work ran beside them).',
      summary: summarise(samples),
      samples,
    }
    await writeResult('soak-steady', result)
    if (!result.exactCount || failed !== undefined) process.exitCode = 1
  } finally {
    await stack.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
})
