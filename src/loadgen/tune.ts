/**
 * `sluice tune`: a short sweep with the load generator against a job, and a recommendation of
 * workers, maxOffsetsPerTrigger, trigger interval and coalesce for a target rate within a latency
 * budget, with the table that supports it.
 *
 * Each cell of the sweep (workers × maxOffsetsPerTrigger × trigger × coalesce) gets its own topic
 * (`<prefix>-<n>`, never the job's own topics) and its own output and checkpoint under
 * `<sink.path>_sluice_tune/<run>/<n>/`, runs the job with the cell's settings while the load
 * generator produces `rate` records/s for `cellSeconds` (after 20 warm-up records have been
 * written, so that start-up is not measured), and measures:
 *
 * - processed/s: rows the query wrote per second of the load;
 * - lag: records produced but not yet written when the load stopped;
 * - estimated p99 latency: per batch, the time since the previous trigger plus the batch's own
 *   duration plus the lag after it divided by the rate (how long the oldest record waited),
 *   the 99th percentile over the batches (an estimate from progress events, not per record);
 * - capacity: rows per second of batch execution (sum rows / sum triggerExecution).
 *
 * A cell holds the rate when its lag at the end is below two triggers' worth of records and it
 * wrote at least 90% of what was produced before the last two triggers. The recommendation is the
 * holding cell within the budget with the fewest workers, then the longest trigger (fewer files),
 * then the fewest writers and the smallest batch cap; headroom = min(capacity,
 * maxOffsetsPerTrigger / trigger) / rate.
 */
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { JobConfig } from '../config/types.js'
import { createLogger } from '../log.js'
import { StreamingQuery } from '../query/index.js'
import type { StreamingQueryProgress } from '../metrics/progress.js'
import type { Location } from '../storage/types.js'
import { runLoadgen } from './run-loadgen.js'
import type { CreateTopicFn } from './topic.js'

export interface TuneCell {
  workers: number
  maxOffsetsPerTrigger: number
  triggerSec: number
  coalesce: number
}

export interface TuneRow extends TuneCell {
  produced: number
  producedPerSec: number
  processedPerSec: number
  lagAtEnd: number
  batches: number
  batchP99Ms: number
  estimatedP99LatencySec: number
  capacityPerSec: number
  holds: boolean
  withinBudget: boolean
}

export interface TuneOptions {
  job: JobConfig
  bootstrap: string[]
  /** TLS and SASL of the load generator's connections (the job's own, unless --embedded). */
  security?: KafkaSecuritySpec | null
  rate: number
  latencyBudgetSec: number
  cellSeconds: number
  partitions: number
  recordBytes: number
  workers: number[]
  maxOffsets: number[]
  triggersSec: number[]
  coalesce: number[]
  /** Topic name prefix; default sluice-tune-<run>. */
  topicPrefix?: string
  createTopic?: CreateTopicFn
  /** Called before each cell. */
  onCell?: (index: number, total: number, cell: TuneCell) => void
  /** Called once a second during a cell. */
  onTick?: (index: number, elapsedSec: number, produced: number, processed: number) => void
}

export interface TuneReport {
  rate: number
  latencyBudgetSec: number
  cellSeconds: number
  table: TuneRow[]
  recommendation: (TuneCell & { headroom: number; estimatedP99LatencySec: number }) | null
  warning: string | null
}

/** The cells of the sweep, in table order. */
export function sweepCells(o: Pick<TuneOptions, 'workers' | 'maxOffsets' | 'triggersSec' | 'coalesce'>): TuneCell[] {
  const cells: TuneCell[] = []
  for (const workers of o.workers) {
    for (const maxOffsetsPerTrigger of o.maxOffsets) {
      for (const triggerSec of o.triggersSec) {
        for (const coalesce of o.coalesce) cells.push({ workers, maxOffsetsPerTrigger, triggerSec, coalesce })
      }
    }
  }
  return cells
}

/** `<loc>_sluice_tune/<suffix>`: beside the job's output, not inside it. */
function beside(loc: Location, suffix: string): Location {
  return { ...loc, prefix: `${loc.prefix.replace(/\/$/, '')}_sluice_tune/${suffix}`, original: `${loc.original.replace(/\/$/, '')}_sluice_tune/${suffix}` }
}

/** The job with a cell's settings, its own topic and its own output and checkpoint. */
export function cellJob(job: JobConfig, cell: TuneCell, topic: string, dir: string): JobConfig {
  const j = structuredClone(job)
  j.name = `${job.name}-tune`
  j.workers = cell.workers
  j.source.subscription = { kind: 'subscribe', topics: [topic] }
  j.source.startingOffsets = 'earliest'
  j.source.maxOffsetsPerTrigger = cell.maxOffsetsPerTrigger
  j.source.minOffsetsPerTrigger = undefined
  j.source.commitOffsets = false
  j.source.kafka.groupId = undefined
  j.sink.trigger = { kind: 'processingTime', intervalMs: Math.round(cell.triggerSec * 1000) }
  j.sink.coalesce = cell.coalesce
  j.sink.path = beside(job.sink.path, `${dir}/data/`)
  j.sink.checkpointLocation = beside(job.sink.path, `${dir}/checkpoint/`)
  j.metrics = { ...job.metrics, enabled: false }
  return j
}

function p99(values: number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!
}

/** The figures of one cell from its batches' progress and the load generator's count. */
export function measureCell(cell: TuneCell, rate: number, budgetSec: number, seconds: number, produced: number, batches: StreamingQueryProgress[], processedAtEnd: number): TuneRow {
  const latencies: number[] = []
  let prevStart: number | null = null
  let rows = 0
  let execMs = 0
  for (const b of batches) {
    const start = Date.parse(b.timestamp)
    const lag = Object.values(b.sluice.offsetsBehindLatest).reduce((a, n) => a + n, 0)
    const waited = prevStart === null ? cell.triggerSec * 1000 : start - prevStart
    latencies.push((waited + b.durationMs.triggerExecution) / 1000 + lag / rate)
    prevStart = start
    if (b.numInputRows > 0) {
      rows += b.numInputRows
      execMs += b.durationMs.triggerExecution
    }
  }
  const lagAtEnd = Math.max(0, produced - processedAtEnd)
  const slack = 2 * cell.triggerSec * rate
  const holds = produced > 0 && lagAtEnd <= slack && processedAtEnd >= 0.9 * Math.max(0, produced - slack)
  const estimated = Math.round(p99(latencies) * 100) / 100
  return {
    ...cell,
    produced,
    producedPerSec: Math.round(produced / seconds),
    processedPerSec: Math.round(processedAtEnd / seconds),
    lagAtEnd,
    batches: batches.length,
    batchP99Ms: p99(batches.map((b) => b.durationMs.triggerExecution)),
    estimatedP99LatencySec: estimated,
    capacityPerSec: execMs === 0 ? 0 : Math.round((rows * 1000) / execMs),
    holds,
    withinBudget: estimated <= budgetSec,
  }
}

/** Picks the recommendation, see the file header. */
export function recommend(table: TuneRow[], rate: number): Pick<TuneReport, 'recommendation' | 'warning'> {
  const ok = table.filter((r) => r.holds && r.withinBudget)
  ok.sort((a, b) => a.workers - b.workers || b.triggerSec - a.triggerSec || a.coalesce - b.coalesce || a.maxOffsetsPerTrigger - b.maxOffsetsPerTrigger)
  const best = ok[0]
  if (best === undefined) {
    const top = [...table].sort((a, b) => b.processedPerSec - a.processedPerSec)[0]
    const holdsOnly = table.some((r) => r.holds)
    return {
      recommendation: null,
      warning: holdsOnly
        ? `no cell held ${rate} records/s within the latency budget; the cells that held the rate are over budget: try shorter triggers or more workers`
        : `the target of ${rate} records/s is out of reach on this machine with these settings: the best cell wrote ${top?.processedPerSec ?? 0} records/s (workers ${top?.workers}, maxOffsetsPerTrigger ${top?.maxOffsetsPerTrigger}); try more workers, a larger maxOffsetsPerTrigger, or more machines`,
    }
  }
  const cap = best.maxOffsetsPerTrigger / best.triggerSec
  const headroom = Math.round((Math.min(best.capacityPerSec || cap, cap) / rate) * 100) / 100
  return {
    recommendation: { workers: best.workers, maxOffsetsPerTrigger: best.maxOffsetsPerTrigger, triggerSec: best.triggerSec, coalesce: best.coalesce, headroom, estimatedP99LatencySec: best.estimatedP99LatencySec },
    warning: headroom < 1.2 ? `the recommendation leaves little headroom (${headroom}×): a burst above ${Math.round(rate * headroom)} records/s will build lag` : null,
  }
}

const PRIME_RECORDS = 20
const PRIME_TIMEOUT_MS = 120_000

/** Waits until the query has written `n` records (its first batches, which start the pool). */
function written(query: StreamingQuery, n: number, processed: () => number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      query.off('progress', check)
      reject(new Error(`the job did not write ${n} warm-up records within ${PRIME_TIMEOUT_MS / 1000} s`))
    }, PRIME_TIMEOUT_MS)
    const check = (): void => {
      if (processed() < n) return
      clearTimeout(timer)
      query.off('progress', check)
      resolve()
    }
    query.on('progress', check)
    check()
  })
}

async function runCell(o: TuneOptions, cell: TuneCell, index: number, run: string): Promise<TuneRow> {
  const topic = `${o.topicPrefix ?? `sluice-tune-${run}`}-${index}`
  const hooks = o.createTopic === undefined ? {} : { createTopic: o.createTopic }
  const bootstrap = o.bootstrap
  // A few warm-up records: the cell is measured once its query has started and written a batch.
  const security = o.security ?? null
  await runLoadgen({ bootstrap, security, topic, partitions: o.partitions, count: PRIME_RECORDS, seed: 1000 + index }, undefined, hooks)
  const query = new StreamingQuery(cellJob(o.job, cell, topic, `${run}/${index}`), { logger: createLogger({ level: 'warn', destination: process.stderr }) })
  let batches: StreamingQueryProgress[] = []
  let processed = 0
  query.on('progress', (p: StreamingQueryProgress) => {
    batches.push(p)
    processed += p.numInputRows
  })
  await query.start()
  let produced = 0
  let processedAtEnd = 0
  try {
    await written(query, PRIME_RECORDS, () => processed)
    batches = []
    processed = 0
    const result = await runLoadgen(
      { bootstrap, security, topic, rate: o.rate, durationSec: o.cellSeconds, recordBytes: o.recordBytes, seed: index + 1, rateTolerance: 1 },
      undefined,
      { onProgress: (p) => o.onTick?.(index, Math.round(p.elapsedMs / 1000), p.produced, processed) },
    )
    produced = result.produced
    processedAtEnd = processed
  } finally {
    await query.stop()
  }
  return measureCell(cell, o.rate, o.latencyBudgetSec, o.cellSeconds, produced, batches, processedAtEnd)
}

/** Runs the sweep cell by cell and recommends. */
export async function runTune(o: TuneOptions): Promise<TuneReport> {
  const run = Date.now().toString(36)
  const cells = sweepCells(o)
  const table: TuneRow[] = []
  for (const [i, cell] of cells.entries()) {
    o.onCell?.(i, cells.length, cell)
    table.push(await runCell(o, cell, i, run))
  }
  return { rate: o.rate, latencyBudgetSec: o.latencyBudgetSec, cellSeconds: o.cellSeconds, table, ...recommend(table, o.rate) }
}
