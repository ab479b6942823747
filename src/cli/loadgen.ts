/**
 * `sluice loadgen`: see src/loadgen. Progress once a second (a live line on stderr when it is a
 * terminal, else JSON lines on stdout), then the summary as one JSON line on stdout. Exits 3,
 * saying so on stderr, when the run could not hold its target rate.
 */
import type { Command } from 'commander'
import { LOADGEN_FLAGS, type LoadgenFlags, type LoadgenProgress, type LoadgenResult, loadgenOptionsFromFlags, runLoadgen } from '../loadgen/index.js'
import { loadJob } from '../config/index.js'
import { addFlags, examples } from './flags.js'

const EXAMPLES = [
  'sluice loadgen --bootstrap 127.0.0.1:9092 --topic pySparkTest --partitions 10 --rate 1500 --duration 60',
  'sluice loadgen --bootstrap k:9092 --topic t --count 1000000 --threads 2            # as fast as possible',
  'sluice loadgen --bootstrap k:9092 --topic t --duration 120 --rate-profile ramp:100:20000:60',
  'sluice loadgen --bootstrap k:9092 --topic t --duration 300 --rate-profile burst:1000:10000:5:30',
  'sluice loadgen --bootstrap k:9092 --topic t --rate-profile replay:rates.csv      # rows: seconds,rate',
  `sluice loadgen --bootstrap k:9092 --topic t --count 1e5 --template '{"id":{"$seq":true},"level":{"$enum":["info","warn"]},"message":{"$message":true}}'`,
  'sluice loadgen --bootstrap k:9092 --topic t --count 100000 --key-mode hot --hot-keys 3 --malformed 0.01 --compression gzip',
  'sluice loadgen --bootstrap k:9092 --topic t --count 100000 --midnight-zone Europe/Berlin --out-of-order 600',
  'sluice loadgen --job job.yaml --topic load-test --rate 5000 --duration 120   # the job\'s brokers, TLS and SASL',
]

function fmt(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0)
}

function progressLine(p: LoadgenProgress): string {
  const target = p.targetRatePerSec === null ? 'max' : `${fmt(p.targetRatePerSec)}/s`
  const lat = p.latencyMs.p50 === null ? '-' : `${p.latencyMs.p50}/${p.latencyMs.p99} ms`
  const behind = p.behind === null || p.behind === 0 ? '' : `  behind ${fmt(p.behind)}`
  return `loadgen ${(p.elapsedMs / 1000).toFixed(0)}s  ${fmt(p.intervalRatePerSec)}/s (target ${target})  produced ${fmt(p.produced)}  latency p50/p99 ${lat}  errors ${p.errors}${behind}`
}

function summaryLine(r: LoadgenResult): string {
  const lat = r.latencyMs.p50 === null ? '-' : `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`
  return `loadgen: ${r.produced} records to ${r.topic} (${r.partitions} partitions) in ${(r.durationMs / 1000).toFixed(1)} s = ${fmt(r.ratePerSec)}/s; latency ${lat}; errors ${r.errors}`
}

export async function loadgenCommand(flags: LoadgenFlags): Promise<number> {
  const jobFile = typeof flags.job === 'string' ? flags.job : undefined
  const job = jobFile === undefined ? undefined : (await loadJob(jobFile)).source
  const options = loadgenOptionsFromFlags(flags, job === undefined ? undefined : { bootstrapServers: job.bootstrapServers, security: job.kafka.security ?? null })
  const tty = process.stderr.isTTY === true
  const mode = options.progress === 'auto' ? (tty ? 'line' : 'json') : options.progress
  const ac = new AbortController()
  const stop = (): void => ac.abort()
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  const onProgress = (p: LoadgenProgress): void => {
    if (mode === 'json') process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`)
    else if (mode === 'line') process.stderr.write(tty ? `\r\x1b[2K${progressLine(p)}` : `${progressLine(p)}\n`)
  }
  let report: LoadgenResult
  try {
    report = await runLoadgen(options, ac.signal, { onProgress })
  } finally {
    if (mode === 'line' && tty) process.stderr.write('\n')
    process.off('SIGTERM', stop)
    process.off('SIGINT', stop)
  }
  process.stdout.write(`${JSON.stringify({ type: 'summary', ...report })}\n`)
  if (mode === 'line') process.stderr.write(`${summaryLine(report)}\n`)
  if (!report.rateHeld) {
    const share = report.due ? ((100 * report.onTime) / report.due).toFixed(1) : '0'
    process.stderr.write(
      `sluice: loadgen could not hold the target rate: ${report.onTime} of ${report.due} scheduled records (${share}%) were acknowledged on schedule (profile ${report.rateProfile}, tolerance ${options.rateTolerance}); ` +
        `the generator or the brokers are the bottleneck: add --threads, raise --max-in-flight or --batch-size, or lower the rate [SLUICE_LOADGEN_RATE_MISSED]\n`,
    )
    return 3
  }
  return 0
}

export function registerLoadgenCommand(program: Command, done: (code: number) => void): void {
  addFlags(
    program
      .command('loadgen')
      .summary('produce test records to a Kafka topic at a target rate')
      .description(
        'Produce JSON records to a Kafka topic following a target-rate profile (constant, step, ramp, ' +
          'burst, or a recorded curve), from the seed job\'s {"message": ...} shape or a JSON template. ' +
          'Reports rate, produce latency and errors once a second and a JSON summary at the end; exits 3 ' +
          'when it could not hold the target rate.',
      ),
    LOADGEN_FLAGS,
  )
    .addHelpText('after', examples(EXAMPLES))
    .action(async (flags: LoadgenFlags) => done(await loadgenCommand(flags)))
}
