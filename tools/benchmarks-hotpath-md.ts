/**
 * The hot-path part of BENCHMARKS.md (issue 11), called by tools/gen-benchmarks-md.ts: the newest
 * `drain-matrix` result (bench/drain-matrix.ts: kcat, the kafkajs pipeline, sluice coalesce 1 / 3 ×
 * one worker / the pool, on ~100 B and ~1 KB records) with issue 11's ratios against their targets,
 * and the newest `drain-matrix-regression` result (this build against the build before issue 11,
 * on ~1 KB records and gzip / zstd topics).
 */
import type { ContenderSummary } from '../bench/drain-matrix-lib.js'
import { machineShared } from './bench-machine.js'

/** A contender's medians on one topic, as bench/drain-matrix-lib.ts writes them. */
type Row = ContenderSummary

export interface MatrixResult {
  benchmark: string
  date: string
  commit: string
  machine: { cpus: number; model: string; node: string }
  workers: number
  reps: number
  baseline: string | null
  loadAverage?: number[]
  rows: Row[]
  ratios: Record<string, Record<string, number | null>>
}

const fmt = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits })

const TOPICS: Record<string, string> = {
  drain: '~100 B records',
  drain1k: '~1 KB records',
  'drain-gzip': '~100 B records in gzip batches',
  'drain-zstd': '~100 B records in zstd batches',
}

function runOf(r: MatrixResult): string {
  const load = r.loadAverage === undefined ? '' : machineShared(r.loadAverage[0], r.machine.cpus) ? ` **The machine was shared** (load average ${r.loadAverage.join(' / ')} at the end): compare CPU-seconds and the same-run ratios.` : ` Load average at the end ${r.loadAverage.join(' / ')} (this benchmark's own processes).`
  return `${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, commit ${r.commit}, ${r.date}; librdkafka mock cluster and s3rver on the same cores; medians of ${r.reps} rounds in alternating order.${load}`
}

function table(rows: Row[]): string[] {
  return [
    '| contender | records | records/s (whole process) | records/s (batch) | CPU-s per million records | peak RSS |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((x) => `| ${x.contender} | ${fmt(x.records)} | ${fmt(x.recordsPerSecond)} | ${fmt(x.batchRecordsPerSecond)} | ${fmt(x.cpuSecondsPerMillion)} | ${x.peakRssMb === null ? '–' : `${fmt(x.peakRssMb)} MB`} |`),
  ]
}

export function hotPathSection(matrix: MatrixResult | undefined, regression: MatrixResult | undefined): string[] {
  const lines: string[] = []
  if (matrix !== undefined) {
    lines.push(
      '## Hot path: the drain matrix (`bench/drain-matrix.ts`, issue 11)',
      '',
      `Each contender drains the same pre-filled topics (32 partitions) to s3rver: kcat to /dev/null (reading only, the ceiling), the hand-written single-threaded kafkajs pipeline when it ran, and sluice with \`coalesce\` 1 and 3, each with one worker and with the default pool of ${matrix.workers}. CPU-seconds are the whole process's (all threads). ${runOf(matrix)}`,
      '',
    )
    for (const topic of [...new Set(matrix.rows.map((r) => r.topic))]) {
      const ratios = matrix.ratios[topic] ?? {}
      lines.push(`**${TOPICS[topic] ?? topic}**`, '', ...table(matrix.rows.filter((r) => r.topic === topic)), '')
      const target = (label: string, v: number | null | undefined, want: string, ok: (x: number) => boolean): string =>
        `| ${label} | ${fmt(v, 3)} | ${want} | ${v === null || v === undefined ? 'not measured' : ok(v) ? 'yes' : '**no**'} |`
      lines.push(
        '| issue 11 figure (same run, medians) | measured | target | met |',
        '| --- | --- | --- | --- |',
        target(`sluice (c3, pool) / kcat, records/s`, ratios.sluice_over_kcat, '≥ 0.5', (x) => x >= 0.5),
        target(`sluice (c3, pool) / kafkajs pipeline, records/s`, ratios.sluice_over_kafkajs, '≥ 6', (x) => x >= 6),
        target(`sluice CPU-s per million / kcat's`, ratios.cpu_sluice_over_kcat, '≤ 3', (x) => x <= 3),
        target(`coalesce 1 / coalesce 3 (pool), records/s`, ratios.coalesce1_over_coalesce3, '≥ 0.9', (x) => x >= 0.9),
        target(`pool / one worker (coalesce 3), records/s`, ratios.pool_over_one_worker, '≥ 1.6 where the broker and S3 server do not hold the other core', (x) => x >= 1.6),
        target(`pool / one worker (coalesce 3), batch records/s`, ratios.pool_over_one_worker_batch, '(the same, start-up left out)', (x) => x >= 1.6),
        '',
      )
    }
    lines.push(
      "Where a figure misses its target, docs/performance.md has the profile that says why (where the CPU goes per record) and what would close it. On these 2 cores the broker and the S3 server run beside sluice, so the pool's second worker competes with them rather than running on a free core.",
      '',
    )
  }
  if (regression !== undefined && regression.baseline !== null) {
    lines.push(
      '### No regression on ~1 KB records and compressed topics',
      '',
      `\`baseline\` is another build drained in the same rounds (\`BENCH_BASELINE_CLI\`, here ${regression.baseline.replace(/\/dist\/src\/cli\/main\.js$/, '')}: the build before issue 11's work, commit named in docs/performance.md), \`sluice\` this one. ${runOf(regression)}`,
      '',
    )
    for (const topic of [...new Set(regression.rows.map((r) => r.topic))]) {
      const rows = regression.rows.filter((r) => r.topic === topic)
      lines.push(`**${TOPICS[topic] ?? topic}**`, '', ...table(rows), '')
      const now = rows.find((r) => r.contender.startsWith('sluice '))
      const base = rows.find((r) => r.contender.startsWith('baseline '))
      if (now !== undefined && base !== undefined) {
        lines.push(
          `This build over the baseline: records/s ×${fmt(now.recordsPerSecond / base.recordsPerSecond, 3)}, CPU-seconds per million ×${fmt(now.cpuSecondsPerMillion / base.cpuSecondsPerMillion, 3)} (below 1 is less CPU).`,
          '',
        )
      }
    }
  }
  return lines
}
