/** Load generator: argument parsing, the time plan and the message format. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import {
  TimePlan,
  parseLoadgenArgs,
  parseLoadgenMessage,
  profiles,
  resolveLoadgenOptions,
} from '../../src/loadgen/index.js'

function rejectsArg(argv: string[], option: string, pattern: RegExp): void {
  assert.throws(
    () => parseLoadgenArgs(argv),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_LOADGEN_BAD_ARG') &&
      (err.details as { option?: string }).option === option &&
      pattern.test(err.message),
  )
}

const base = ['--bootstrap', '127.0.0.1:9092,127.0.0.1:9093', '--topic', 'events']

test('parses every option, both --name value and --name=value', () => {
  const o = parseLoadgenArgs([
    ...base,
    '--partitions=8',
    '--rate',
    '2500.5',
    '--count',
    '1000',
    '--record-bytes',
    '120',
    '--time-span-hours=6',
    '--key-mode',
    'seq',
    '--seed',
    '42',
    '--profile',
    'typed',
    '--batch-size',
    '100',
    '--max-in-flight',
    '2',
    '--run-id',
    '0badcafe',
  ])
  assert.deepEqual(o, {
    bootstrap: ['127.0.0.1:9092', '127.0.0.1:9093'],
    security: null,
    topic: 'events',
    partitions: 8,
    rate: 2500.5,
    count: 1000,
    durationSec: undefined,
    recordBytes: 120,
    timeSpanHours: 6,
    keyMode: 'seq',
    seed: 42,
    profile: 'typed',
    batchSize: 100,
    maxInFlight: 2,
    runId: '0badcafe',
    clientId: 'sluice-loadgen',
    rateProfile: 'constant',
    rateTolerance: 0.05,
    template: undefined,
    sizeDist: 'fixed',
    keys: 1000,
    hotKeys: 10,
    hotShare: 0.8,
    headers: [],
    outOfOrderSec: 0,
    midnightZone: undefined,
    malformed: 0,
    compression: 'none',
    threads: 1,
    progress: 'auto',
  })
})

test('defaults', () => {
  const o = parseLoadgenArgs([...base, '--duration', '30'])
  assert.equal(o.durationSec, 30)
  assert.equal(o.count, undefined)
  assert.equal(o.rate, 0)
  assert.equal(o.keyMode, 'none')
  assert.equal(o.profile, 'message')
  assert.equal(o.timeSpanHours, 0)
  assert.equal(o.partitions, undefined)
})

test('bad arguments name the option and the fix', () => {
  rejectsArg(['--topic', 't', '--count', '1'], 'bootstrap', /is required/)
  rejectsArg([...base], 'count', /exactly one of --count N and --duration/)
  rejectsArg([...base, '--count', '1', '--duration', '2'], 'duration', /exactly one of/)
  rejectsArg([...base, '--count=-1'], 'count', /integer >= 0, got '-1'/)
  rejectsArg([...base, '--count', '1.5'], 'count', /integer/)
  rejectsArg([...base, '--count', '1', '--rate', 'fast'], 'rate', /a number >= 0, got 'fast'/)
  rejectsArg([...base, '--count', '1', '--partitions', '0'], 'partitions', />= 1/)
  rejectsArg([...base, '--count', '1', '--key-mode', 'random'], 'key-mode', /none, seq, uniform, hot/)
  rejectsArg([...base, '--count', '1', '--profile', 'nope'], 'profile', /use one of message, typed/)
  rejectsArg(['--bootstrap', 'localhost', '--topic', 't', '--count', '1'], 'bootstrap', /host:port/)
  rejectsArg(['--bootstrap', 'h:1', '--topic', 'a b', '--count', '1'], 'topic', /valid Kafka topic/)
  assert.throws(
    () => parseLoadgenArgs([...base, '--count', '1', '--colour', 'red']),
    (err: unknown) => isSluiceError(err, 'SLUICE_LOADGEN_BAD_ARG') && /colour/.test(err.message),
  )
})

test('resolveLoadgenOptions fills defaults, ignoring explicit undefined', () => {
  const o = resolveLoadgenOptions({ bootstrap: 'a:1,b:2', topic: 't', count: 5, rate: undefined })
  assert.deepEqual(o.bootstrap, ['a:1', 'b:2'])
  assert.equal(o.rate, 0)
  assert.equal(o.batchSize, 2000)
})

test('time plan: known count spreads evenly over [start - span, start)', () => {
  const plan = new TimePlan(10_000_000, 3_600_000, 4, undefined)
  plan.beginBatch(10_000_000)
  assert.deepEqual([0, 1, 2, 3].map((s) => plan.at(s)), [6_400_000, 7_300_000, 8_200_000, 9_100_000])
})

test('time plan: span 0 uses the batch wall time; duration mode follows elapsed time', () => {
  const now = new TimePlan(1000, 0, 10, undefined)
  now.beginBatch(5000)
  assert.equal(now.at(3), 5000)

  const timed = new TimePlan(1_000_000, 100_000, undefined, 10_000)
  timed.beginBatch(1_000_000)
  assert.equal(timed.at(0), 900_000)
  timed.beginBatch(1_005_000)
  assert.equal(timed.at(99), 950_000)
  timed.beginBatch(1_020_000)
  assert.equal(timed.at(100), 999_999)
})

test('message format: id, timestamp and length; parse round-trips', () => {
  const p = profiles.message!({ runId: '0123abcd', recordBytes: 70, seed: 1 })
  const ts = Date.UTC(2025, 6, 2, 23, 0, 0, 5)
  const value = p.value(42, ts)
  const body = JSON.parse(value) as { message: string }
  assert.equal(value, JSON.stringify(body), 'no escapes needed')
  assert.equal(body.message.length, 70)
  assert.ok(body.message.startsWith('lg-0123abcd-42 2025-07-02T23:00:00.005Z '))
  assert.match(body.message.slice(40), /^[a-z ]+$/)
  assert.deepEqual(parseLoadgenMessage(body.message), { runId: '0123abcd', seq: 42, timestampMs: ts })
  assert.equal(parseLoadgenMessage('hello'), null)
  assert.notEqual(p.value(43, ts).slice(45), value.slice(45), 'filler differs between records')
})
