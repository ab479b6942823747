/**
 * BENCHMARKS.md's section for `make soak-steady` (bench/soak-steady.ts, issue 13 item 7): the
 * run's settings, the quarter medians of RSS, file descriptors, sockets and records not landed,
 * the exact count at the end, and the curves as SVG (bench/charts/soak-*.svg). Called by
 * tools/gen-benchmarks-md.ts.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { machineShared } from './bench-machine.js'
import { fmtNum, lineChart } from './svg-charts.js'

interface Stat {
  min: number
  max: number
  firstQuarterMedian: number
  lastQuarterMedian: number
  p95?: number
}

interface Sample {
  t: number
  rssMb: number
  fds: number
  sockets: number
  notLanded: number
  loadavg1: number
}

export interface SoakResult {
  date: string
  commit: string
  machine: { cpus: number; model: string; node: string }
  seconds: number
  capacityRecordsPerSec: number
  targetRate: number
  recordBytes: number
  partitions: number
  loadgen: { produced?: number; ratePerSec?: number; code?: number | null; errors?: number }
  exactCount: boolean
  summary: { rssMb: Stat; fds: Stat; sockets: Stat; notLanded: Stat; loadavg1: Stat }
  samples: Sample[]
}

const row = (name: string, s: Stat, unit = ''): string =>
  `| ${name} | ${fmtNum(s.firstQuarterMedian)}${unit} | ${fmtNum(s.lastQuarterMedian)}${unit} | ${fmtNum(s.min)}-${fmtNum(s.max)}${unit}${s.p95 === undefined ? '' : ` (p95 ${fmtNum(s.p95)})`} |`

export function soakSection(r: SoakResult | undefined, chartsDir: string, chartsRel: string): string[] {
  if (r === undefined) return []
  const pts = (f: (s: Sample) => number): [number, number][] => r.samples.map((s) => [s.t, f(s)])
  writeFileSync(
    join(chartsDir, 'soak-rss.svg'),
    lineChart({ title: 'Steady soak: RSS, open fds and sockets of sluice', xLabel: 'seconds', yLabel: 'MB / count', series: [
      { label: 'RSS (MB)', points: pts((s) => s.rssMb) },
      { label: 'open fds', points: pts((s) => s.fds) },
      { label: 'sockets', points: pts((s) => s.sockets) },
    ] }),
  )
  writeFileSync(
    join(chartsDir, 'soak-not-landed.svg'),
    lineChart({ title: 'Steady soak: records acknowledged by Kafka, not yet committed by sluice', xLabel: 'seconds', yLabel: 'thousand records', series: [
      { label: 'not landed (k)', points: pts((s) => s.notLanded / 1000) },
    ] }),
  )
  const lg = r.loadgen
  return [
    '## Steady soak (`make soak-steady`, `bench/soak-steady.ts`)',
    '',
    `${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, commit ${r.commit}, ${r.date}. The embedded stack (librdkafka mock broker, s3rver in a child process) and sluice on the same cores; the seed job's shape over ${r.partitions} partitions, records of ~${r.recordBytes} bytes, ` +
      `\`sluice loadgen\` at 80% of the capacity measured first (${fmtNum(r.capacityRecordsPerSec)} records/s) = ${fmtNum(r.targetRate)} records/s for ${r.seconds / 60} minutes, a sample every 5 s. ` +
      `Load average over the run ${fmtNum(r.summary.loadavg1.min)}-${fmtNum(r.summary.loadavg1.max)}.`,
    '',
    '| | first quarter (median) | last quarter (median) | min-max over the run |',
    '| --- | --- | --- | --- |',
    row('RSS of sluice (all threads)', r.summary.rssMb, ' MB'),
    row('open file descriptors', r.summary.fds),
    row('sockets', r.summary.sockets),
    row('records not landed (acknowledged by Kafka, not committed)', r.summary.notLanded),
    '',
    `Load generator: ${lg.produced === undefined ? '–' : fmtNum(lg.produced)} records at ${lg.ratePerSec === undefined ? '–' : fmtNum(lg.ratePerSec)}/s (${lg.code === 0 ? 'held the target rate' : `exit ${lg.code ?? '–'}: did not hold the target rate`}), ${lg.errors ?? 0} produce errors. ` +
      `Exact count at the end (rows committed = records produced, after the drain and an availableNow run): **${r.exactCount ? 'yes' : 'no'}**.` +
      (machineShared(r.summary.loadavg1.max, r.machine.cpus)
        ? ` **The machine was shared** (load average up to ${fmtNum(r.summary.loadavg1.max)} on ${r.machine.cpus} cores): other work took part of the cores.`
        : ' No other work ran on the machine.'),
    '',
    `![Steady soak: RSS, fds, sockets](${chartsRel}/soak-rss.svg)`,
    '',
    `![Steady soak: records not landed](${chartsRel}/soak-not-landed.svg)`,
    '',
  ]
}
