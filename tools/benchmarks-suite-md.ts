/**
 * The suite's part of BENCHMARKS.md (bench/suite.ts results: suite-drain-*, suite-steady,
 * suite-sweep, suite-tune) and its SVG charts in bench/charts/. Called by tools/gen-benchmarks-md.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BOUNDED_TREND, lagSecondsTrend } from '../bench/steady-lib.js'
import { machineShared } from './bench-machine.js'
import { type Bar, barChart, fmtNum, heatMap, lineChart } from './svg-charts.js'

interface Meta {
  benchmark: string
  date: string
  commit: string
  machine: { cpus: number; model: string; node: string }
  profile?: string
  loadavgAtEnd?: number[]
  overrides?: Record<string, string>
}
type Stat = { median: number; min: number; max: number }
interface ContenderStats {
  runs: number
  recordsPerSecond: Stat
  batchRecordsPerSecond?: Stat
  mbPerSecond: Stat
  cpuSecondsPerGb: Stat
  peakRssMb: Stat
}
interface DrainResult extends Meta {
  broker: string
  s3: string
  reps: number
  sparkReps: number
  pool: number
  datasets: { dataset: string; records: number; valueBytes: number; contenders: Record<string, ContenderStats>; ratios: Record<string, number>; errors: Record<string, string> }[]
}
interface SteadyRun {
  contender: string
  level: number
  rate: number
  achievedRate: number
  loadgenRateHeld: boolean | null
  throughput: number
  latencySec: { p50: number; p99: number; max: number; samples: number }
  bounded: boolean
  maxLagRecords: number
  maxLagSec: number
  lag: [number, number, number][]
  rss: [number, number][]
  peakRssMb: number
  cpuSeconds: number
  workers: number
  coalesce: number
  triggerSec: number
  maxOffsetsPerTrigger: number
}

const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 2 }) : '–')
const range = (s: Stat, unit = ''): string => `${fmt(s.median)}${unit} (${fmt(s.min)}–${fmt(s.max)})`
const machine = (r: Meta): string => {
  const o = Object.entries(r.overrides ?? {}).map(([k, v]) => `${k}=${v}`)
  return `${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, commit ${r.commit}, ${r.date}, profile \`${r.profile ?? '?'}\`${o.length === 0 ? '' : ` with ${o.map((x) => `\`${x}\``).join(' ')}`}`
}
const sharedNote = (r: Meta): string =>
  r.loadavgAtEnd === undefined
    ? ''
    : machineShared(r.loadavgAtEnd[0], r.machine.cpus)
      ? ` **The machine was shared** (load average ${r.loadavgAtEnd.join(' / ')} on ${r.machine.cpus} cores at the end): wall-clock rates are depressed and noisy; the same-run ratios and CPU-seconds are the robust figures.`
      : ` Load average at the end: ${r.loadavgAtEnd.join(' / ')} on ${r.machine.cpus} cores.`

const NAMES: Record<string, string> = {
  kcat: 'kcat → /dev/null (ceiling)',
  kafkajs: 'kafkajs pipeline, 1 thread',
  spark: 'PySpark seed job, local[2]',
  'sluice-1': 'sluice, 1 worker',
  'sluice-pool': 'sluice, default pool',
}

function drainSection(r: DrainResult, title: string, chart: string, charts: string): string[] {
  const lines = [
    `### ${title}`,
    '',
    `${r.broker}, ${r.s3}, 32 partitions, pre-filled; ${machine(r)}. Medians of ${r.reps} repetitions in alternating order${r.datasets.some((d) => d.contenders.spark !== undefined || d.errors.spark !== undefined) ? ` (the Spark job: ${r.sparkReps})` : r.broker.startsWith('librdkafka') ? ' (the Spark job does not run here: its Kafka source fails on the mock cluster in KafkaMicroBatchStream.prepareForTriggerAvailableNow; it runs on the real broker below)' : ''}, min–max in brackets. Rates are whole-process (start-up included: the JVM's for Spark); "batch" is the job's own batch time (Spark's and sluice's triggerExecution). CPU-seconds and peak RSS are of each contender's whole process tree (children included: Spark's JVM), sampled from /proc. sluice's default pool is ${r.pool} workers with coalesce ${2 * r.pool}; the Spark job writes to file:// (no S3 connector in the test bed), which favours it.${sharedNote(r)}`,
    '',
    `![${title}](${charts}/${chart})`,
    '',
  ]
  for (const d of r.datasets) {
    lines.push(`**${d.dataset}**: ${fmt(d.records)} records, ${fmt(d.valueBytes / 1e6)} MB of values.`, '', '| contender | records/s | batch records/s | MB/s | CPU-s per GB | peak RSS (tree) |', '| --- | --- | --- | --- | --- | --- |')
    for (const [c, s] of Object.entries(d.contenders)) {
      lines.push(`| ${NAMES[c] ?? c} | ${range(s.recordsPerSecond)} | ${s.batchRecordsPerSecond === undefined ? '' : range(s.batchRecordsPerSecond)} | ${range(s.mbPerSecond)} | ${range(s.cpuSecondsPerGb)} | ${range(s.peakRssMb, ' MB')} |`)
    }
    for (const [c, e] of Object.entries(d.errors)) lines.push(`| ${NAMES[c] ?? c} | failed: ${e.split('\n')[0]!.slice(0, 160).replace(/\|/g, '\\|')} | | | | |`)
    const ratios = Object.entries(d.ratios).map(([k, v]) => `${k} = **${v}**`)
    const cpu = Object.keys(d.contenders)
      .filter((c) => !c.startsWith('sluice'))
      .map((peer) => [peer, cpuRatio(d, 'sluice-pool', peer)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([peer, v]) => `${peer} = **${v}**`)
    lines.push('', ratios.length > 0 ? `Ratios of the median records/s: ${ratios.join(', ')}.` : '', '')
    if (cpu.length > 0) lines.push(`CPU-seconds per GB of each peer over sluice's default pool (how many times more CPU the peer spends): ${cpu.join(', ')}.`, '')
  }
  return lines
}

function drainChart(r: DrainResult): string {
  return barChart({
    title: `Drain, ${r.broker.split(' (')[0]}: records/s (median, min–max)`,
    unit: 'records/s, whole process',
    groups: r.datasets.map((d) => ({ label: d.dataset, bars: Object.entries(d.contenders).map(([c, s]): Bar => ({ label: NAMES[c] ?? c, value: s.recordsPerSecond.median, min: s.recordsPerSecond.min, max: s.recordsPerSecond.max })) })),
  })
}

/** Peer's CPU-seconds per GB over sluice's: how many times less CPU sluice spends on the same data. */
function cpuRatio(d: DrainResult['datasets'][number] | undefined, sluice: string, peer: string): number | undefined {
  const a = d?.contenders[sluice]?.cpuSecondsPerGb.median
  const b = d?.contenders[peer]?.cpuSecondsPerGb.median
  return a === undefined || b === undefined || a === 0 ? undefined : Number((b / a).toFixed(2))
}

function targets(mock: DrainResult | undefined, real: DrainResult | undefined, steady: (Meta & { runs: SteadyRun[] }) | undefined): string[] {
  const lines = [
    '### Targets (issue 12)',
    '',
    'Drain ratios two ways: wall-clock (records/s, whole process, the target as written) and per CPU-second (the peer\'s CPU-seconds per GB over sluice\'s: the robust figure when other work shares the cores, since a CPU-starved process waits for its share however fast it is).',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
  ]
  const small = (r: DrainResult | undefined): DrainResult['datasets'][number] | undefined => r?.datasets.find((d) => d.dataset === '~100 B')
  const ratioRow = (t: string, peer: string, want: number): void => {
    // The Spark job runs on the real broker (its Kafka source fails on the mock): its ratio comes from there.
    const d = small(mock)?.contenders[peer] !== undefined ? small(mock) : small(real)
    const where = d === small(mock) ? 'mock' : 'real broker'
    const wall = d?.ratios[`sluice-pool/${peer}`]
    const cpu = cpuRatio(d, 'sluice-pool', peer)
    if (wall === undefined) {
      lines.push(`| ${t} | not measured in these runs | – |`)
      return
    }
    const ok = (v: number | undefined): string => (v === undefined ? '–' : v >= want ? 'yes' : '**no**')
    lines.push(`| ${t} (~100 B, ${where}) | ${fmt(wall)}× wall-clock, ${cpu === undefined ? '–' : `${fmt(cpu)}×`} per CPU-second | ${ok(wall)} / ${ok(cpu)} |`)
  }
  ratioRow('sluice drain ≥ 3 × the Spark job', 'spark', 3)
  ratioRow('sluice drain ≥ 6 × the kafkajs pipeline', 'kafkajs', 6)
  const row = (t: string, v: number | undefined, ok: (v: number) => boolean, unit = ''): void => {
    lines.push(`| ${t} | ${v === undefined ? 'not measured in these runs' : `${fmt(v)}${unit}`} | ${v === undefined ? '–' : ok(v) ? 'yes' : '**no**'} |`)
  }
  const at80 = steady?.runs.find((r) => r.contender === 'sluice' && r.level === 0.8)
  row('p99 end-to-end latency < 4 s at 80% load, 2 s trigger', at80?.latencySec.p99, (v) => v < 4, ' s')
  lines.push(`| lag bounded at 80% load | ${at80 === undefined ? 'not measured' : at80.bounded ? 'bounded' : 'growing'} | ${at80 === undefined ? '–' : at80.bounded ? 'yes' : '**no**'} |`)
  const peak = steady === undefined ? undefined : Math.max(...steady.runs.filter((r) => r.contender === 'sluice').map((r) => r.peakRssMb))
  row('peak RSS < 512 MB with maxOffsetsPerTrigger 1000000 (steady runs, whole tree)', peak, (v) => v < 512, ' MB')
  lines.push(
    '',
    'Reading a missed target: the whole-process figures include each process\'s start-up (Node, the AWS SDK and the worker pool for sluice; the JVM for Spark), which a small backlog does not amortise (compare the batch-only rates); and when the load average is far above the core count, every process gets a small share of a core, so wall-clock rates and latencies measure the share more than the program. The steady table\'s "offered / achieved" shows when the load generator itself could not produce the offered rate. ' +
      ([mock, real, steady].some((r) => r !== undefined && machineShared(r.loadavgAtEnd?.[0], r.machine.cpus))
        ? 'Some of these runs shared the machine (their sections say so): the run that settles the targets is `make bench` on an otherwise idle machine.'
        : 'These runs had the machine to themselves. Why sluice stays under 6 × the kafkajs pipeline on 2 cores (the broker and S3 server hold the core a second worker would use; start-up; CPU per record), and what would close it: docs/performance.md, "Targets (issue 11)".'),
    '',
  )
  return lines
}

interface Calibration {
  source: 'sustained' | 'BENCH_CAPACITY'
  committedPerSec?: number
  loadgenPerSec?: number
  seconds?: number
  drainBatchRate: number | null
  /** Set when the sweep reused the steady scenario's calibration of the same run (quick profile). */
  reusedFrom?: string
}

/** What the steady and sweep scenarios call 100%, in words (results before the calibration: the drain's batch rate). */
function capacityWords(capacity: number, c: Calibration | undefined): string {
  if (c === undefined) return `sluice's measured drain capacity (${fmt(capacity)} records/s: the drain's batch rate with the default pool, ~100 B records, 32 partitions)`
  if (c.source === 'BENCH_CAPACITY') return `a capacity set by hand (BENCH_CAPACITY=${fmt(capacity)} records/s)`
  return `sluice's sustained capacity on this broker (${fmt(capacity)} records/s${c.reusedFrom === undefined ? '' : `, measured once, by ${c.reusedFrom}`}: the load generator as fast as it can for ${c.seconds} s while sluice consumes, both on the same 2 cores; sluice committed ${fmt(c.committedPerSec ?? Number.NaN)}/s over the second half, the generator produced ${fmt(c.loadgenPerSec ?? Number.NaN)}/s.${c.drainBatchRate === null ? '' : ` A pre-filled drain's batch rate, ${fmt(c.drainBatchRate)} records/s, is more than the generator and sluice together sustain on these cores`})`
}

function steadySection(s: Meta & { broker?: string; capacity: number; calibration?: Calibration; seconds: number; runs: SteadyRun[] }, charts: string): string[] {
  const lines = [
    '### Steady load',
    '',
    `The load generator at 50%, 80% and 100% of ${capacityWords(s.capacity, s.calibration)} for ${s.seconds} s, trigger 2 s, maxOffsetsPerTrigger 1,000,000, on ${s.broker ?? 'the mock cluster'} and s3rver (the Spark job writes to file://); the load generator runs on the same 2 cores. Latency: the commit time of the \`_spark_metadata\` file listing a batch minus the Kafka timestamp of its rows (a sample of byte ranges of every output file, weighted by size). Lag in seconds: how long ago the high watermark passed the committed position. Bounded: the lag in seconds grows by less than ${BOUNDED_TREND} s per second over the second half of the load (least-squares slope). ${machine(s)}.${sharedNote(s)}`,
    '',
    '| load | job | offered / achieved records/s | written records/s | p50 | p99 | max lag (records / s) | bounded | peak RSS (tree) | CPU-s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...s.runs.map(
      (r) =>
        `| ${r.level * 100}% | ${r.contender === 'spark' ? `Spark job (local[2], coalesce ${r.coalesce})` : `sluice (${r.workers} workers, coalesce ${r.coalesce})`} | ${fmt(r.rate)} / ${fmt(r.achievedRate)}${r.loadgenRateHeld === false ? ' (load generator behind)' : ''} | ${fmt(r.throughput)} | ${fmt(r.latencySec.p50)} s | ${fmt(r.latencySec.p99)} s | ${fmt(r.maxLagRecords)} / ${fmt(r.maxLagSec)} s | ${r.bounded ? 'yes' : '**no**'} | ${fmt(r.peakRssMb)} MB | ${fmt(r.cpuSeconds)} |`,
    ),
    '',
    `![lag over time](${charts}/steady-lag.svg)`,
    '',
    `![RSS over time](${charts}/steady-rss.svg)`,
    '',
  ]
  return lines
}

interface SweepCell {
  workers: number
  maxOffsets: number
  coalesce: number
  trigger: number
  throughput: number
  p99: number
  bounded: boolean
  peakRssMb: number
}

function sweepSection(s: Meta & { rate: number; calibration?: Calibration; seconds: number; cells: SweepCell[] }, charts: string): string[] {
  return [
    '### Sweep',
    '',
    `sluice under 100% of ${capacityWords(s.rate, s.calibration)} as offered load, on the librdkafka mock cluster and s3rver, for ${s.seconds} s per cell: records written per second during the load and p99 end-to-end latency. ${machine(s)}.${sharedNote(s)}`,
    '',
    `![sweep heat map](${charts}/sweep.svg)`,
    '',
    '| workers | maxOffsetsPerTrigger | coalesce | trigger | written records/s | p99 | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...s.cells.map((c) => `| ${c.workers} | ${fmt(c.maxOffsets)} | ${c.coalesce} | ${c.trigger} s | ${fmt(c.throughput)} | ${fmt(c.p99)} s | ${fmt(c.peakRssMb)} MB |`),
    '',
  ]
}

function sweepChart(s: { cells: SweepCell[] }): string {
  const rowKey = (c: SweepCell): string => `w${c.workers} · max ${fmtNum(c.maxOffsets)} · c${c.coalesce}`
  const rows = [...new Set(s.cells.map(rowKey))]
  const cols = [...new Set(s.cells.map((c) => c.trigger))].sort((a, b) => a - b)
  const cell = (r: string, t: number): SweepCell | undefined => s.cells.find((c) => rowKey(c) === r && c.trigger === t)
  return heatMap({
    title: 'Sweep: written records/s and p99 per cell',
    legend: 'rows: workers · maxOffsetsPerTrigger · coalesce; columns: trigger; darker green = more records/s',
    rows,
    cols: cols.map((t) => `trigger ${t} s`),
    values: rows.map((r) => cols.map((t) => cell(r, t)?.throughput ?? null)),
    text: rows.map((r) => cols.map((t) => {
      const c = cell(r, t)
      return c === undefined ? '' : `${fmtNum(c.throughput)}/s · p99 ${fmtNum(c.p99)}s`
    })),
    highIsGood: true,
  })
}

function tuneSection(t: Meta & { rate: number; latencyBudgetSec: number; where?: string; recommendation: Record<string, number> | null; warning: string | null; applied: SteadyRun | null; holds: boolean }): string[] {
  const rec = t.recommendation
  const a = t.applied
  // Results before `where` was recorded ran on the embedded stack.
  const embedded = t.where === undefined || t.where.startsWith('the embedded')
  return [
    '### `sluice tune`, applied',
    '',
    `\`sluice tune examples/streaming-test.yaml${embedded ? ' --embedded' : ''} --rate ${t.rate} --latency-budget ${t.latencyBudgetSec}\` on ${t.where ?? 'the embedded stack'}${embedded ? '' : ' (the job file\'s ${KAFKA_BOOTSTRAP} and ${S3_ENDPOINT} pointed at them, as against your own cluster)'}, then a steady run at that rate with its recommendation on the same broker. ${machine(t)}.${sharedNote(t)}`,
    '',
    rec === null ? `No recommendation: ${t.warning ?? ''}` : `Recommendation: workers ${rec.workers}, maxOffsetsPerTrigger ${fmt(rec.maxOffsetsPerTrigger!)}, trigger ${rec.triggerSec} s, coalesce ${rec.coalesce}; headroom ${rec.headroom}×, estimated p99 ${rec.estimatedP99LatencySec} s.${t.warning === null ? '' : ` Warning: ${t.warning}`}`,
    '',
    a === null ? '' : `Applied for ${(a as SteadyRun & { seconds: number }).seconds} s: offered ${fmt(a.rate)}, achieved ${fmt(a.achievedRate)} records/s by the load generator, written ${fmt(a.throughput)} records/s, p50 ${a.latencySec.p50} s, p99 ${a.latencySec.p99} s, max lag ${fmt(a.maxLagRecords)} records, lag ${a.bounded ? 'bounded' : 'growing'}, peak RSS ${a.peakRssMb} MB. **Holds the target rate: ${t.holds ? 'yes' : 'no'}.**`,
    '',
  ]
}

/** The suite's sections of BENCHMARKS.md; writes the charts into `chartsDir` (linked as `chartsRel`). */
export function suiteSections(newest: Map<string, Meta>, chartsDir: string, chartsRel: string): string[] {
  const mock = newest.get('suite-drain-mock') as DrainResult | undefined
  const real = newest.get('suite-drain-real') as DrainResult | undefined
  const comp = newest.get('suite-drain-compressed') as DrainResult | undefined
  const steady = newest.get('suite-steady') as (Meta & { capacity: number; seconds: number; runs: SteadyRun[] }) | undefined
  const sweep = newest.get('suite-sweep') as (Meta & { rate: number; seconds: number; cells: SweepCell[] }) | undefined
  const tune = newest.get('suite-tune') as (Meta & { rate: number; latencyBudgetSec: number; recommendation: Record<string, number> | null; warning: string | null; applied: SteadyRun | null; holds: boolean }) | undefined
  if ([mock, real, comp, steady, sweep, tune].every((x) => x === undefined)) return []
  // One rule for "bounded", applied to the stored lag series (results written before it used another).
  const rebound = (r: SteadyRun, seconds: number): void => {
    r.bounded = lagSecondsTrend(r.lag, seconds) < BOUNDED_TREND
  }
  for (const r of steady?.runs ?? []) rebound(r, steady!.seconds)
  if (tune?.applied) {
    rebound(tune.applied, (tune.applied as SteadyRun & { seconds: number }).seconds)
    tune.holds = tune.applied.bounded && tune.applied.achievedRate >= 0.95 * tune.rate
  }
  mkdirSync(chartsDir, { recursive: true })
  const lines = [
    '## The suite: `make bench` / `make bench-quick`',
    '',
    '`make bench-quick` (sized for under 5 minutes on 2 idle cores: drain on the mock without Spark, fewer records and repetitions, steady 25 s for sluice only, a 4-cell sweep at the steady scenario\'s capacity; its results and report go to the git-ignored `.bench-quick/`) and `make bench` (everything: also the real broker, compressed topics, the Spark job in drain and steady, a 16-cell sweep, `sluice tune` applied) run `bench/suite.ts`; the full run writes JSON to `bench/results/suite-*.json`, charts in `bench/charts/`. Each section names its run: sections can come from different runs (the newest result of each scenario).',
    '',
    ...targets(mock, real, steady),
  ]
  if (mock !== undefined) {
    writeFileSync(join(chartsDir, 'drain-mock.svg'), drainChart(mock))
    lines.push(...drainSection(mock, 'Drain on the librdkafka mock cluster', 'drain-mock.svg', chartsRel))
  }
  if (real !== undefined) {
    writeFileSync(join(chartsDir, 'drain-real.svg'), drainChart(real))
    lines.push(...drainSection(real, 'Drain on a real Apache Kafka broker', 'drain-real.svg', chartsRel))
  }
  if (comp !== undefined) {
    writeFileSync(join(chartsDir, 'drain-compressed.svg'), drainChart(comp))
    lines.push(...drainSection(comp, 'Drain of compressed topics (real broker)', 'drain-compressed.svg', chartsRel))
  }
  if (steady !== undefined) {
    writeFileSync(join(chartsDir, 'steady-lag.svg'), lineChart({ title: 'Steady: lag in seconds over time', xLabel: 'seconds since the load started', yLabel: 'lag (s)', series: steady.runs.map((r) => ({ label: `${r.contender} ${r.level * 100}%`, points: r.lag.map((p) => [p[0], p[2]] as [number, number]) })) }))
    writeFileSync(join(chartsDir, 'steady-rss.svg'), lineChart({ title: 'Steady: RSS of the job (whole tree) over time', xLabel: 'seconds since the job started', yLabel: 'MB', series: steady.runs.map((r) => ({ label: `${r.contender} ${r.level * 100}%`, points: r.rss })) }))
    lines.push(...steadySection(steady, chartsRel))
  }
  if (sweep !== undefined && sweep.cells.length > 0) {
    writeFileSync(join(chartsDir, 'sweep.svg'), sweepChart(sweep))
    lines.push(...sweepSection(sweep, chartsRel))
  }
  if (tune !== undefined) lines.push(...tuneSection(tune))
  return lines
}
