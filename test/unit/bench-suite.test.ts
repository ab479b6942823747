/**
 * The benchmark suite's own arithmetic (bench/steady-lib.ts, tools/svg-charts.ts): the rule that
 * says whether lag stayed bounded, and the charts BENCHMARKS.md links (well-formed SVG whose bars
 * scale with the values), and where a quick run's results and report go.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { resultsDir } from '../../bench/drain-lib.js'
import { BOUNDED_TREND, lagSecondsTrend } from '../../bench/steady-lib.js'
import { barChart, heatMap, lineChart } from '../../tools/svg-charts.js'
import { repoRoot } from '../helpers/sluice-process.js'

/** A job with a 2 s trigger: lag climbs for 2 s and drops back, `drift` s of lag gained per s. */
function sawtooth(seconds: number, drift: number): [number, number, number][] {
  const out: [number, number, number][] = []
  for (let t = 1; t <= seconds; t++) {
    const s = (t % 2) + drift * t
    out.push([t, Math.round(s * 1000), s])
  }
  return out
}

test('a job that keeps up (flat sawtooth) is bounded; one that falls behind is not', () => {
  assert.ok(lagSecondsTrend(sawtooth(60, 0), 60) < BOUNDED_TREND)
  assert.ok(lagSecondsTrend(sawtooth(60, 0.5), 60) >= BOUNDED_TREND)
  assert.ok(Math.abs(lagSecondsTrend(sawtooth(60, 0.5), 60) - 0.5) < 0.05)
})

test('only the second half of the load counts: a start-up backlog worked off later is bounded', () => {
  const lag: [number, number, number][] = []
  for (let t = 1; t <= 60; t++) lag.push([t, 0, t < 20 ? t : t < 30 ? 20 - (t - 20) * 2 : t % 2])
  assert.ok(lagSecondsTrend(lag, 60) < BOUNDED_TREND)
  // after the load (t > seconds) the drain-out does not count either
  lag.push([61, 0, 0], [62, 0, 0])
  assert.ok(lagSecondsTrend(lag, 60) < BOUNDED_TREND)
})

test('bar chart: one rect per bar, widths proportional to the values', () => {
  const svg = barChart({ title: 'a & b', unit: 'records/s', groups: [{ label: 'g', bars: [{ label: 'x', value: 100 }, { label: 'y', value: 25, min: 20, max: 30 }] }] })
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  assert.ok(svg.includes('a &amp; b'))
  const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)" height="16"/g)].map((m) => Number(m[1]))
  assert.equal(widths.length, 2)
  assert.ok(Math.abs(widths[0]! / widths[1]! - 4) < 0.01)
})

test('line chart and heat map: a path per series, a cell per value, grey for a missing one', () => {
  const lines = lineChart({ title: 't', xLabel: 's', yLabel: 'lag', series: [{ label: 'a', points: [[0, 0], [10, 5]] }, { label: 'b', points: [[0, 1], [10, 2]] }] })
  assert.equal([...lines.matchAll(/<path d="M/g)].length, 2)
  const heat = heatMap({ title: 'h', legend: 'l', rows: ['r1', 'r2'], cols: ['c1'], values: [[1], [null]], text: [['1'], ['']], highIsGood: true })
  assert.equal([...heat.matchAll(/<rect x="\d+" y="\d+" width="108"/g)].length, 2)
  assert.ok(heat.includes('fill="#eee"'))
})

test('a quick run (BENCH_RESULTS_DIR, BENCH_REPORT_DIR) reports from its own results and leaves BENCHMARKS.md alone', () => {
  const saved = process.env.BENCH_RESULTS_DIR
  try {
    delete process.env.BENCH_RESULTS_DIR
    assert.equal(resultsDir(), join(repoRoot, 'bench', 'results'))
    process.env.BENCH_RESULTS_DIR = '.bench-quick/results'
    assert.equal(resultsDir(), join(repoRoot, '.bench-quick', 'results'))
  } finally {
    if (saved === undefined) delete process.env.BENCH_RESULTS_DIR
    else process.env.BENCH_RESULTS_DIR = saved
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-report-'))
  try {
    const committed = join(repoRoot, 'bench', 'results')
    const sweep = readdirSync(committed).filter((f) => f.startsWith('suite-sweep-')).sort().at(-1)
    assert.ok(sweep !== undefined, 'bench/results holds a suite-sweep result')
    mkdirSync(join(tmp, 'results'))
    copyFileSync(join(committed, sweep), join(tmp, 'results', sweep))
    const before = readFileSync(join(repoRoot, 'BENCHMARKS.md'), 'utf8')
    execFileSync(process.execPath, [join(repoRoot, 'dist', 'tools', 'gen-benchmarks-md.js')], { env: { ...process.env, BENCH_RESULTS_DIR: join(tmp, 'results'), BENCH_REPORT_DIR: tmp }, stdio: 'pipe' })
    const report = readFileSync(join(tmp, 'BENCHMARKS.md'), 'utf8')
    assert.match(report, /^# Benchmarks \(a routine run\)/)
    assert.ok(report.includes('](charts/sweep.svg)'), 'the report links its own charts')
    assert.ok(existsSync(join(tmp, 'charts', 'sweep.svg')))
    // only the results it was given: no drain, no steady, none of the older benchmarks
    assert.ok(!report.includes('### Steady load'))
    assert.ok(!report.includes('### Drain on the librdkafka mock cluster'))
    assert.equal(readFileSync(join(repoRoot, 'BENCHMARKS.md'), 'utf8'), before)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
})
