/**
 * `sluice loadgen` as a user runs it, against the embedded stack's mock Kafka: worker threads,
 * every producer codec, templates, hot keys, headers, timestamps across a midnight, malformed
 * records, the replay and step profiles, progress lines, and exit 3 when the target rate is out
 * of reach. Records are read back with kcat (librdkafka), not with the client that wrote them.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { javaPartition, lastMidnight, parseLoadgenMessage } from '../../src/loadgen/index.js'
import { tempDir } from '../helpers/query-fixtures.js'
import { runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const run = promisify(execFile)

interface Read {
  partition: number
  timestampMs: number
  key: string
  headers: string
  value: string
}

async function readAll(bootstrap: string, topic: string): Promise<Read[]> {
  const { stdout } = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%T\t%k\t%h\t%s\n'], { maxBuffer: 256 * 1024 * 1024 })
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [p, t, k, h, ...v] = line.split('\t')
      return { partition: Number(p), timestampMs: Number(t), key: k!, headers: h!, value: v.join('\t') }
    })
}

interface Summary {
  type: string
  produced: number
  perPartition: number[]
  malformed: number
  due: number | null
  rateHeld: boolean
  threads: number
  compression: string
  latencyMs: { requests: number; p50: number | null }
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

function summaryOf(stdout: string): Summary {
  const s = jsonLines(stdout).find((l) => l.type === 'summary')
  assert.ok(s, `a summary line on stdout:\n${stdout}`)
  return s as unknown as Summary
}

let stack: Stack
let dir: string
const PARTS = 6
before(async () => {
  const topics = ['lg-gzip', 'lg-snappy', 'lg-lz4', 'lg-shape', 'lg-replay', 'lg-step', 'lg-miss'].map((name) => ({ name, partitions: PARTS }))
  stack = await startStack({ topics })
  dir = await tempDir('sluice-loadgen-cli-')
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function loadgen(args: string[]): ReturnType<typeof runCli> {
  return runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, ...args], stack.env, 120_000)
}

for (const codec of ['gzip', 'snappy', 'lz4']) {
  test(`two producer threads with ${codec}: exactly N records, each seq once, read back by librdkafka`, { timeout: 120_000 }, async () => {
    const n = 12_000
    const r = await loadgen(['--topic', `lg-${codec}`, '--count', String(n), '--threads', '2', '--compression', codec, '--batch-size', '500', '--seed', '5', '--progress', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const s = summaryOf(r.stdout)
    assert.equal(s.produced, n)
    assert.equal(s.threads, 2)
    assert.equal(s.compression, codec)
    assert.ok(s.latencyMs.requests >= n / 500 && s.latencyMs.p50 !== null, 'latency measured per request')
    const records = await readAll(stack.kafka.bootstrap, `lg-${codec}`)
    assert.equal(records.length, n)
    const seen = new Uint8Array(n)
    for (const rec of records) {
      const id = parseLoadgenMessage((JSON.parse(rec.value) as { message: string }).message)!
      assert.equal(seen[id.seq], 0, `seq ${id.seq} twice`)
      seen[id.seq] = 1
      assert.equal(rec.partition, id.seq % PARTS)
    }
    assert.equal(seen.indexOf(0), -1)
    assert.deepEqual(s.perPartition, new Array(PARTS).fill(n / PARTS))
  })
}

test('template, hot keys on Java-hashed partitions, headers, a midnight in Berlin, disorder, malformed', { timeout: 120_000 }, async () => {
  const template = join(dir, 'tpl.json')
  await writeFile(template, JSON.stringify({ id: { $seq: true }, level: { $enum: { info: 8, warn: 2 } }, ts: { $timestamp: 'epochMillis' }, user: { name: { $string: [3, 8] }, tags: { $array: { of: { $int: [1, 9] }, length: [0, 3] } } }, message: { $message: true } }))
  const n = 5000
  const before = Date.now()
  const r = await loadgen(['--topic', 'lg-shape', '--count', String(n), '--template', template, '--key-mode', 'hot', '--keys', '100', '--hot-keys', '1', '--hot-share', '0.5', '--header', 'source=loadgen', '--midnight-zone', 'Europe/Berlin', '--time-span-hours', '2', '--out-of-order', '300', '--malformed', '0.05', '--seed', '9', '--progress', 'off'])
  assert.equal(r.code, 0, r.stderr)
  const s = summaryOf(r.stdout)
  const records = await readAll(stack.kafka.bootstrap, 'lg-shape')
  assert.equal(records.length, n)
  const midnight = lastMidnight('Europe/Berlin', before)
  let broken = 0
  let hot = 0
  let beforeMidnight = 0
  for (const rec of records) {
    assert.equal(rec.partition, javaPartition(rec.key, PARTS), 'partition = murmur2(key) % n, as the Java client')
    assert.equal(rec.headers, 'source=loadgen')
    if (rec.key === 'k0') hot++
    assert.ok(rec.timestampMs >= midnight - 3_600_000 - 300_000 && rec.timestampMs < midnight + 3_600_000 + 60_000, 'within the window around midnight')
    if (rec.timestampMs < midnight) beforeMidnight++
    let v: { id: number; level: string; ts: number; user: { name: string; tags: number[] }; message: string }
    try {
      v = JSON.parse(rec.value) as typeof v
    } catch {
      broken++
      continue
    }
    assert.ok(['info', 'warn'].includes(v.level))
    assert.equal(v.ts, rec.timestampMs, 'the $timestamp field is the Kafka timestamp')
    assert.match(v.user.name, /^[a-z]{3,8}$/)
    assert.equal(parseLoadgenMessage(v.message)?.seq, v.id)
  }
  assert.equal(broken, s.malformed, 'malformed records are counted')
  assert.ok(broken > n * 0.03 && broken < n * 0.07, `${broken} malformed of ${n}`)
  assert.ok(hot > n * 0.45 && hot < n * 0.55, `${hot} records with the hot key`)
  assert.ok(beforeMidnight > n * 0.4 && beforeMidnight < n * 0.6, `${beforeMidnight} of ${n} before midnight: the span crosses it`)
})

test('replay: the recorded curve sets the rate and the length; exactly the records it schedules', { timeout: 120_000 }, async () => {
  const csv = join(dir, 'rates.csv')
  await writeFile(csv, 'seconds,rate\n0,1500\n1,500\n2,0\n')
  const r = await loadgen(['--topic', 'lg-replay', '--rate-profile', `replay:${csv}`, '--progress', 'json', '--rate-tolerance', '1'])
  assert.equal(r.code, 0, r.stderr)
  const s = summaryOf(r.stdout)
  assert.equal(s.due, 2000)
  assert.equal(s.produced, 2000)
  assert.equal((await readAll(stack.kafka.bootstrap, 'lg-replay')).length, 2000)
  const progress = jsonLines(r.stdout).filter((l) => l.type === 'progress')
  assert.ok(progress.length >= 1, 'a progress line a second')
  assert.ok(progress.every((p) => typeof p.intervalRatePerSec === 'number' && typeof p.targetRatePerSec === 'number' && typeof p.latencyMs === 'object' && p.errors === 0))
})

test('step profile for a duration: never more than the records due', { timeout: 120_000 }, async () => {
  const r = await loadgen(['--topic', 'lg-step', '--duration', '2', '--rate-profile', 'step:1000@0,2000@1', '--progress', 'off', '--rate-tolerance', '1'])
  assert.equal(r.code, 0, r.stderr)
  const s = summaryOf(r.stdout)
  assert.equal(s.due, 3000)
  assert.ok(s.produced > 0 && s.produced <= 3000, `${s.produced} produced`)
})

test('a target rate out of reach: exit 3, saying so with SLUICE_LOADGEN_RATE_MISSED', { timeout: 120_000 }, async () => {
  const r = await loadgen(['--topic', 'lg-miss', '--duration', '2', '--rate', '50000000', '--progress', 'off'])
  assert.equal(r.code, 3, r.stderr)
  assert.match(r.stderr, /could not hold the target rate: \d+ of 100000000 scheduled records/)
  assert.match(r.stderr, /\[SLUICE_LOADGEN_RATE_MISSED\]/)
  const s = summaryOf(r.stdout)
  assert.equal(s.rateHeld, false)
  assert.ok(s.produced > 0)
})
