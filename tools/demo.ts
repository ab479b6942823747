/**
 * `make demo`: the seed job (examples/streaming-test.yaml, unchanged) on the embedded stack.
 *
 * Starts the mock Kafka cluster (topic pySparkTest, 10 partitions) and s3rver (bucket
 * sensor-test), a load generator producing faster than maxOffsetsPerTrigger lets the job read
 * (so lag builds, as in the seed article), and `sluice run` itself. Prints a line per batch,
 * stops the load generator two thirds into DEMO_SECONDS (so lag drains), stops the job with
 * SIGTERM at DEMO_SECONDS, prints a summary, and leaves no process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { OutputReader } from '../test/helpers/output-reader.js'
import { startStack, type Stack } from '../test/helpers/stack.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cli = join(root, 'dist', 'src', 'cli', 'main.js')
const job = join(root, 'examples', 'streaming-test.yaml')
const seconds = Number(process.env.DEMO_SECONDS ?? 60)
const rate = Number(process.env.DEMO_RATE ?? 1500)

const children = new Set<ChildProcess>()
function run(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env, SLUICE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}
function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}
const say = (s: string): void => {
  process.stdout.write(`${s}\n`)
}

async function main(): Promise<void> {
  if (!Number.isFinite(seconds) || seconds < 10) throw new Error(`DEMO_SECONDS must be a number ≥ 10 (got ${process.env.DEMO_SECONDS})`)
  say(`sluice demo: ${seconds}s, load ${rate} records/s into pySparkTest (10 partitions); the job reads at most 2000 per 2 s trigger`)
  say('records carry Kafka timestamps spread over the past 3 hours (like a back-fill), so they land in several dt/dth')
  say('directories, and "lag s" is the age of the oldest record not yet in S3 (hours at first, 0 once caught up)')
  let stack: Stack | undefined
  try {
    stack = await startStack({ topics: [{ name: 'pySparkTest', partitions: 10 }], buckets: ['sensor-test'], s3InChildProcess: true })
    say(`kafka ${stack.kafka.bootstrap}   s3 ${stack.s3.endpoint}`)
    const loadSeconds = Math.round((seconds * 2) / 3)
    const loadgen = run(
      ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'pySparkTest', '--partitions', '10', '--rate', String(rate), '--duration', String(loadSeconds), '--time-span-hours', '3'],
      stack.env,
    )
    let produced = 0
    loadgen.stdout!.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        try {
          const r = JSON.parse(line) as { produced?: number }
          if (typeof r.produced === 'number') produced = r.produced
        } catch {}
      }
    })
    loadgen.stderr!.pipe(process.stderr)

    const sluice = run(['run', job], stack.env)
    sluice.stderr!.pipe(process.stderr)
    let lastLag = '?'
    let lastLagSeconds = '?'
    let written = 0
    let statusUrl: string | null = null
    /** Max lag in seconds over the partitions, from the status page's data. */
    const lagSeconds = async (): Promise<string> => {
      if (statusUrl === null) return '?'
      try {
        const st = (await (await fetch(`${statusUrl}api/status`)).json()) as { partitions: { lagSeconds: number | null }[] }
        const known = st.partitions.map((p) => p.lagSeconds).filter((v): v is number => v !== null)
        return known.length === 0 ? '?' : Math.max(...known).toFixed(1)
      } catch {
        return '?'
      }
    }
    createInterface({ input: sluice.stdout! }).on('line', (line) => {
      let rec: Record<string, unknown>
      try {
        rec = JSON.parse(line) as Record<string, unknown>
      } catch {
        say(line)
        return
      }
      if (rec.msg === 'batch committed') {
        const lag = rec.offsetsBehindLatest as { avg: string; max: string }
        lastLag = lag.max
        written += rec.rows as number
        void lagSeconds().then((secs) => {
          lastLagSeconds = secs
          say(
            `batch ${String(rec.batchId).padStart(3)}  rows ${String(rec.rows).padStart(5)}  ` +
              `in ${String(rec.inputRowsPerSecond).padStart(6)}/s  processed ${String(rec.processedRowsPerSecond).padStart(7)}/s  ` +
              `lag ${lag.max.padStart(5)} records ${secs.padStart(7)} s  files ${rec.files}`,
          )
        })
      } else if (rec.msg === 'metrics server listening') {
        statusUrl = rec.url as string
        say(`status page ${statusUrl}   metrics ${statusUrl}metrics   (open it while the demo runs)`)
      } else if (rec.level !== undefined && (rec.level as number) >= 40) {
        say(`[${rec.level === 40 ? 'warn' : 'error'}] ${rec.msg}`)
      } else if (rec.msg === 'query started') {
        say(`query started: id ${rec.id}, next batch ${rec.nextBatchId}`)
      }
    })

    await new Promise((r) => setTimeout(r, seconds * 1000))
    loadgen.kill('SIGTERM')
    await exited(loadgen)
    sluice.kill('SIGTERM')
    const code = await exited(sluice)

    const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'sensor-test', prefix: 'StreamingTest/' })
    const rows = await reader.viaSparkMetadata()
    const perDir = new Map<string, Set<string>>()
    for (const r of rows) {
      if (!perDir.has(r.dir)) perDir.set(r.dir, new Set())
      perDir.get(r.dir)!.add(r.file)
    }
    reader.close()
    say('')
    say('summary')
    say(`  records produced        ${produced}`)
    say(`  records written         ${rows.length} (committed in _spark_metadata; ${written} reported by batches)`)
    say(`  final lag               ${lastLag} records (max over partitions), ${lastLagSeconds} s`)
    say(`  sluice exit code        ${code}`)
    say('  files per partition directory:')
    for (const [dir, files] of [...perDir].sort()) say(`    ${dir.padEnd(32)} ${files.size}`)
    if (code !== 0) process.exitCode = 1
  } finally {
    for (const c of children) c.kill('SIGKILL')
    await stack?.stop()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`)
  for (const c of children) c.kill('SIGKILL')
  process.exitCode = 1
})
