/**
 * `sluice tune <job> --rate R`: a short sweep with the load generator (src/loadgen/tune.ts),
 * against the job's own Kafka and S3 or, with --embedded, the embedded mock Kafka + s3rver of a
 * source checkout. Progress on stderr; the table and the recommendation on stdout (--json: one
 * JSON document).
 */
import type { Command } from 'commander'
import { loadJob } from '../config/index.js'
import { SluiceError } from '../errors.js'
import { runTune, type TuneReport } from '../loadgen/tune.js'
import { addFlags, examples, type FlagSpec } from './flags.js'

export interface TuneFlags {
  rate?: string
  latencyBudget?: string
  cellSeconds?: string
  workers?: string
  maxOffsets?: string
  triggers?: string
  coalesce?: string
  partitions?: string
  recordBytes?: string
  embedded?: boolean
  json?: boolean
}

/** Flags of `sluice tune`: one line each. */
export const TUNE_FLAGS: readonly FlagSpec[] = [
  { flags: '--rate <r>', help: 'target records/s (required)' },
  { flags: '--latency-budget <seconds>', help: 'highest acceptable estimated p99 end-to-end latency', defaultHelp: '10' },
  { flags: '--cell-seconds <s>', help: 'load per cell of the sweep', defaultHelp: '20' },
  { flags: '--workers <list>', help: 'worker counts to try, e.g. 1,2', defaultHelp: '1,2' },
  { flags: '--max-offsets <list>', help: 'maxOffsetsPerTrigger values to try', defaultHelp: '1.5 and 4 triggers of the rate' },
  { flags: '--triggers <list>', help: 'trigger intervals in seconds to try', defaultHelp: "the job's, or 2" },
  { flags: '--coalesce <list>', help: 'coalesce values to try', defaultHelp: "the job's" },
  { flags: '--partitions <n>', help: 'partitions of the sweep topics', defaultHelp: '8' },
  { flags: '--record-bytes <b>', help: 'message text length of the load', defaultHelp: '64' },
  { flags: '--embedded', help: 'run on the embedded mock Kafka + s3rver (a source checkout after make build)' },
  { flags: '--json', help: 'print the report as one JSON document' },
]

function bad(flag: string, why: string): SluiceError {
  return new SluiceError('SLUICE_CLI_USAGE', `tune --${flag}: ${why}`)
}

function list(flag: string, raw: string | undefined, fallback: number[], integer: boolean): number[] {
  if (raw === undefined) return fallback
  const values = raw.split(',').map((s) => Number(s.trim()))
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))) {
    throw bad(flag, `expected a comma-separated list of ${integer ? 'integers' : 'numbers'} > 0, got '${raw}'`)
  }
  return values
}

function positive(flag: string, raw: string | undefined, fallback: number | undefined): number {
  const v = raw === undefined ? fallback : Number(raw)
  if (v === undefined || !Number.isFinite(v) || v <= 0) throw bad(flag, raw === undefined ? 'is required' : `expected a number > 0, got '${raw}'`)
  return v
}

function table(report: TuneReport): string {
  const head = ['workers', 'maxOffsets', 'trigger s', 'coalesce', 'produced/s', 'written/s', 'lag end', 'batch p99 ms', 'est. p99 s', 'capacity/s', 'holds']
  const rows = report.table.map((r) => [r.workers, r.maxOffsetsPerTrigger, r.triggerSec, r.coalesce, r.producedPerSec, r.processedPerSec, r.lagAtEnd, r.batchP99Ms, r.estimatedP99LatencySec, r.capacityPerSec, r.holds ? (r.withinBudget ? 'yes' : 'over budget') : 'no'].map(String))
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')
  const out = [line(head), ...rows.map(line)]
  const rec = report.recommendation
  out.push('')
  out.push(
    rec === null
      ? 'no recommendation'
      : `recommended for ${report.rate} records/s within ${report.latencyBudgetSec} s: workers: ${rec.workers}, source.maxOffsetsPerTrigger: ${rec.maxOffsetsPerTrigger}, sink.trigger: ${rec.triggerSec} seconds, sink.coalesce: ${rec.coalesce} (headroom ${rec.headroom}x, estimated p99 latency ${rec.estimatedP99LatencySec} s)`,
  )
  if (report.warning !== null) out.push(`warning: ${report.warning}`)
  return `${out.join('\n')}\n`
}

interface Embedded {
  env: Record<string, string>
  kafka: { bootstrap: string; createTopic(name: string, n: number): Promise<void> }
  stop(): Promise<void>
}

async function startEmbedded(bucket: string): Promise<Embedded> {
  const url = new URL('../../test/helpers/stack.js', import.meta.url)
  let mod: { startStack(o: { buckets: string[]; s3InChildProcess: boolean }): Promise<Embedded> }
  try {
    mod = (await import(url.href)) as typeof mod
  } catch (err) {
    throw new SluiceError('SLUICE_CLI_USAGE', `tune --embedded: the embedded stack is only in a source checkout (${(err as Error).message}); run make build in the sluice repository, or drop --embedded to tune against the job's own Kafka and S3`)
  }
  return mod.startStack({ buckets: [bucket], s3InChildProcess: true })
}

export async function tuneCommand(file: string, flags: TuneFlags): Promise<number> {
  const rate = positive('rate', flags.rate, undefined)
  let embedded: Embedded | undefined
  try {
    let job = await loadJob(file)
    if (flags.embedded === true) {
      embedded = await startEmbedded(job.sink.path.bucket || 'sluice-tune')
      Object.assign(process.env, embedded.env)
      job = await loadJob(file)
    }
    const jobTrigger = job.sink.trigger.kind === 'processingTime' ? job.sink.trigger.intervalMs / 1000 : 2
    const triggersSec = list('triggers', flags.triggers, [jobTrigger], false)
    const longest = Math.max(...triggersSec)
    const report = await runTune({
      job,
      bootstrap: embedded === undefined ? job.source.bootstrapServers : embedded.kafka.bootstrap.split(','),
      security: embedded === undefined ? (job.source.kafka.security ?? null) : null,
      rate,
      latencyBudgetSec: positive('latency-budget', flags.latencyBudget, 10),
      cellSeconds: positive('cell-seconds', flags.cellSeconds, 20),
      partitions: list('partitions', flags.partitions, [8], true)[0]!,
      recordBytes: list('record-bytes', flags.recordBytes, [64], true)[0]!,
      workers: list('workers', flags.workers, [1, 2], true),
      maxOffsets: list('max-offsets', flags.maxOffsets, [Math.ceil(rate * longest * 1.5), Math.ceil(rate * longest * 4)], true),
      triggersSec,
      coalesce: list('coalesce', flags.coalesce, [job.sink.coalesce], true),
      ...(embedded === undefined ? {} : { createTopic: (t: string, n: number) => embedded!.kafka.createTopic(t, n) }),
      onCell: (i, n, c) => process.stderr.write(`tune: cell ${i + 1}/${n}: workers ${c.workers}, maxOffsetsPerTrigger ${c.maxOffsetsPerTrigger}, trigger ${c.triggerSec} s, coalesce ${c.coalesce}\n`),
      onTick: (_i, s, produced, written) => process.stderr.write(`tune:   ${s} s: produced ${produced}, written ${written}\n`),
    })
    process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : table(report))
    return 0
  } finally {
    await embedded?.stop()
  }
}

export function registerTuneCommand(program: Command, done: (code: number) => void): void {
  addFlags(
    program
      .command('tune')
      .summary('recommend workers, maxOffsetsPerTrigger, trigger and coalesce for a target rate')
      .description(
        "Run a short sweep with the load generator against the job (its own Kafka and S3, or --embedded) and recommend workers, source.maxOffsetsPerTrigger, sink.trigger and sink.coalesce for a target rate within a latency budget, with the table behind the choice. Each cell uses its own topic (sluice-tune-<run>-<n>, never the job's topics) and writes under <sink.path>_sluice_tune/<run>/<n>/; delete those afterwards.",
      )
      .argument('<job>', 'job file (.yaml, .yml or .json)'),
    TUNE_FLAGS,
  )
    .addHelpText(
      'after',
      examples([
        'sluice tune examples/streaming-test.yaml --embedded --rate 2000',
        'sluice tune job.yaml --rate 20000 --latency-budget 5 --workers 2,4 --triggers 1,2 --json',
      ]),
    )
    .action(async (file: string, flags: TuneFlags) => done(await tuneCommand(file, flags)))
}
