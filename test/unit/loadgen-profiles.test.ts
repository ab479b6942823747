/** Load generator: target-rate profiles, their inverse schedule, the replay CSV and the batch plan. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { batchPlan, parseRateProfile, parseReplayCsv, type RateSchedule } from '../../src/loadgen/index.js'

function close(actual: number, expected: number, what: string, eps = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`)
}

/** timeFor inverts countBy wherever the rate is positive. */
function assertInverse(s: RateSchedule, upTo: number): void {
  for (let n = 1; n <= upTo; n += Math.max(1, Math.floor(upTo / 97))) close(s.countBy(s.timeFor(n)), n, `countBy(timeFor(${n}))`)
}

function rejects(spec: string, pattern: RegExp, readFile?: (p: string) => string): void {
  assert.throws(
    () => parseRateProfile(spec, 0, readFile),
    (err: unknown) => isSluiceError(err, 'SLUICE_LOADGEN_BAD_ARG') && (err.details as { option: string }).option === 'rate-profile' && pattern.test(err.message),
    spec,
  )
}

test('constant: --rate, or constant:R; rate 0 means no schedule', () => {
  assert.equal(parseRateProfile('constant', 0), null)
  const s = parseRateProfile('constant', 250)!
  assert.equal(s.rateAt(0), 250)
  assert.equal(s.rateAt(1e6), 250)
  close(s.countBy(4), 1000, 'countBy')
  close(s.timeFor(1000), 4, 'timeFor')
  assert.equal(parseRateProfile('constant:40', 250)!.rateAt(3), 40)
  assertInverse(s, 10_000)
})

test('step: each rate holds from its second on; timeFor crosses the steps', () => {
  const s = parseRateProfile('step:100@0,1000@10,0@20,50@30', 0)!
  assert.deepEqual([0, 9.9, 10, 19, 20, 29, 30, 100].map((t) => s.rateAt(t)), [100, 100, 1000, 1000, 0, 0, 50, 50])
  close(s.countBy(10), 1000, 'first step')
  close(s.countBy(20), 11_000, 'second step')
  close(s.countBy(30), 11_000, 'the zero step sends nothing')
  close(s.countBy(40), 11_500, 'last step')
  close(s.timeFor(11_000), 30, 'a record due after the pause waits for the next step')
  close(s.timeFor(11_050), 31, 'then follows the last rate')
  assert.equal(s.peakRate(), 1000)
  assertInverse(s, 11_400)
  rejects('step:100@5', /first step must start at 0/)
  rejects('step:100@0,200@0', /increase/)
  rejects('step:100', /step time/)
})

test('ramp: linear from FROM to TO over SECONDS, then TO', () => {
  const s = parseRateProfile('ramp:0:100:10', 0)!
  assert.equal(s.rateAt(5), 50)
  assert.equal(s.rateAt(50), 100)
  close(s.countBy(10), 500, 'area of the ramp')
  close(s.countBy(20), 1500, 'ramp plus the hold')
  close(s.timeFor(125), 5, 'quadratic inverse: 125 records by t=5 at rate t*10')
  assertInverse(s, 5000)
  const down = parseRateProfile('ramp:1000:200:8', 0)!
  close(down.countBy(8), 4800, 'a falling ramp')
  assertInverse(down, 6000)
  rejects('ramp:1:2', /ramp:FROM:TO:SECONDS/)
  rejects('ramp:1:2:0', /SECONDS must be > 0/)
})

test('burst: BASE, PEAK for the first ON seconds of each PERIOD', () => {
  const s = parseRateProfile('burst:10:100:2:10', 0)!
  assert.deepEqual([0, 1.9, 2, 9.9, 10, 11.5, 12].map((t) => s.rateAt(t)), [100, 100, 10, 10, 100, 100, 10])
  close(s.countBy(10), 280, 'one period')
  close(s.countBy(25), 280 * 2 + 200 + 30, 'two and a half periods')
  close(s.timeFor(200), 2, 'the burst ends after 200 records')
  close(s.timeFor(290), 10.1, 'the second period starts with its burst: 10 records at 100/s')
  assert.equal(s.peakRate(), 100)
  assertInverse(s, 3000)
  rejects('burst:0:0:1:2', /never sends/)
  rejects('burst:1:2:5:3', /ON_SECONDS <= PERIOD_SECONDS/)
})

test('replay: time,rate rows with a header, relative or absolute times; the curve sets the length', () => {
  const s = parseReplayCsv('time,rate\n# recorded\n0,100\n10,300\n20,0\n30,50\n')
  assert.equal(s.naturalDurationSec, 40, 'the last row holds for the median spacing')
  close(s.countBy(40), 1000 + 3000 + 0 + 500, 'area of the curve')
  assert.equal(s.rateAt(15), 300)
  assertInverse(s, 4400)
  const iso = parseReplayCsv('2026-12-01T00:00:00Z,10\n2026-12-01T00:00:05Z,20\n2026-12-01T00:00:10Z,30\n')
  assert.equal(iso.naturalDurationSec, 15)
  close(iso.countBy(15), 50 + 100 + 150, 'ISO times are made relative to the first row')
  const epochMs = parseReplayCsv('1796083200000,1\n1796083201000,2\n')
  close(epochMs.countBy(2), 3, 'epoch milliseconds')
  const files: Record<string, string> = { 'rates.csv': '0,5\n1,5\n' }
  const read = (p: string): string => {
    if (!(p in files)) throw new Error('ENOENT')
    return files[p]!
  }
  assert.equal(parseRateProfile('replay:rates.csv', 0, read)!.naturalDurationSec, 2)
  rejects('replay:none.csv', /cannot read 'none.csv'/, read)
  rejects('replay:bad.csv', /line 2 '1;x' is not 'time,rate'/, () => '0,1\n1;x\n')
  rejects('replay:back.csv', /times must increase/, () => '5,1\n4,1\n')
  rejects('replay:empty.csv', /no time,rate rows/, () => 'time,rate\n')
})

test('unknown profiles and bad numbers name the problem', () => {
  rejects('sine:1', /unknown profile 'sine'/)
  rejects('ramp:a:2:3', /FROM must be a number/)
  rejects('constant:-5', /the rate must be a number >= 0/)
})

test('batch plan: every seq once, in order; ~10 ms of the rate per batch; due times follow the profile', () => {
  const s = parseRateProfile('step:1000@0,50000@1', 0)!
  const batches = [...batchPlan(s, 200, 30_000)]
  let next = 0
  for (const [first, size, dueMs] of batches) {
    assert.equal(first, next)
    close(dueMs, s.timeFor(first) * 1000, 'due time')
    assert.ok(size >= 1 && size <= 200)
    next += size
  }
  assert.equal(next, 30_000)
  assert.equal(batches[0]![1], 10, '1000/s: 10 records per batch')
  assert.equal(batches[batches.length - 1]![1], 200, '50000/s: capped at --batch-size')
  const full = [...batchPlan(null, 2000, 5000)]
  assert.deepEqual(full, [[0, 2000, 0], [2000, 2000, 0], [4000, 1000, 0]])
  const stopping = [...batchPlan(parseRateProfile('step:10@0,0@1', 0), 5, 100)]
  assert.equal(stopping.reduce((a, [, n]) => a + n, 0), 10, 'a rate that drops to 0 for good ends the plan after the records due')
})
