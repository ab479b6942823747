/**
 * Load generator: record generators (templates, size distributions, keys and partitions,
 * headers, timestamps, malformed records), all deterministic for a seed; the latency histogram.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import {
  breakJson,
  compileTemplate,
  javaPartition,
  LatencyHistogram,
  lastMidnight,
  type LoadgenInput,
  murmur2,
  parseLoadgenMessage,
  parseSizeDist,
  parseTemplate,
  RecordFactory,
  resolveLoadgenOptions,
  seededRandom,
  zoneOffsetMs,
} from '../../src/loadgen/index.js'

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0)

function factory(extra: Partial<LoadgenInput> = {}, partitions = 8, seed = 42): RecordFactory {
  const options = resolveLoadgenOptions({ bootstrap: 'h:1', topic: 't', count: 1000, ...extra })
  return new RecordFactory(options, { runId: '0123abcd', seed, partitions, timeAt: (seq) => T0 + seq })
}

function ctx(seq: number, seed = 1) {
  return { seq, timestampMs: T0 + seq, random: seededRandom(seed * 1000 + seq), message: () => `m${seq}` }
}

test('template: every generator, nested objects and arrays; the output is JSON of the right shape', () => {
  const t = compileTemplate({
    id: { $seq: true },
    at: { $timestamp: 'iso' },
    ms: { $timestamp: 'epochMillis' },
    s: { $timestamp: 'epochSeconds' },
    n: { $int: [5, 7] },
    f: { $float: [0, 1, 2] },
    name: { $string: [3, 6] },
    code: { $string: 4 },
    level: { $enum: ['info', 'warn'] },
    weighted: { $enum: { a: 1, b: 0 } },
    ok: { $bool: 1 },
    tags: { $array: { of: { $enum: ['x', 'y'] }, length: [1, 3] } },
    nested: { deeper: { msg: { $message: true }, lit: { $literal: { $not: 'a generator' } } }, fixed: [1, 'two', null] },
  })
  for (let seq = 0; seq < 200; seq++) {
    const v = JSON.parse(t(ctx(seq))) as Record<string, unknown> & { nested: { deeper: Record<string, unknown>; fixed: unknown } }
    assert.equal(v.id, seq)
    assert.equal(v.at, new Date(T0 + seq).toISOString())
    assert.equal(v.ms, T0 + seq)
    assert.equal(v.s, Math.floor((T0 + seq) / 1000))
    assert.ok([5, 6, 7].includes(v.n as number))
    assert.ok((v.f as number) >= 0 && (v.f as number) <= 1 && Number((v.f as number).toFixed(2)) === v.f)
    assert.match(v.name as string, /^[a-z]{3,6}$/)
    assert.match(v.code as string, /^[a-z]{4}$/)
    assert.ok(['info', 'warn'].includes(v.level as string))
    assert.equal(v.weighted, 'a', 'weight 0 never chosen')
    assert.equal(v.ok, true)
    assert.ok(Array.isArray(v.tags) && v.tags.length >= 1 && v.tags.length <= 3)
    assert.deepEqual(v.nested.deeper, { msg: `m${seq}`, lit: { $not: 'a generator' } })
    assert.deepEqual(v.nested.fixed, [1, 'two', null])
  }
  assert.equal(t(ctx(7)), t(ctx(7)), 'deterministic for the same record randomness')
  const ints = new Set(Array.from({ length: 300 }, (_, i) => (JSON.parse(t(ctx(i))) as { n: number }).n))
  assert.deepEqual([...ints].sort(), [5, 6, 7], 'both ends of $int are reached')
})

test('template: errors name the JSON path', () => {
  const bad = (tpl: unknown, pattern: RegExp): void =>
    assert.throws(() => compileTemplate(tpl), (e: unknown) => isSluiceError(e, 'SLUICE_LOADGEN_BAD_ARG') && pattern.test(e.message))
  bad({ a: { b: { $int: [5, 1] } } }, /at \$\.a\.b: .*MIN <= MAX/)
  bad({ a: { $nope: 1 } }, /at \$\.a: unknown generator \$nope/)
  bad({ a: { $int: [1, 2], x: 1 } }, /only key of its object/)
  bad({ a: [{ $enum: [] }] }, /at \$\.a\[0\]/)
  bad({ a: { $timestamp: 'year' } }, /"iso", "epochMillis" or "epochSeconds"/)
  assert.throws(() => parseTemplate('{"a":', () => ''), /inline template is not JSON/)
  assert.throws(() => parseTemplate('t.json', () => { throw new Error('ENOENT') }), /cannot read 't.json'/)
  assert.equal(parseTemplate('t.json', () => '{"k":{"$seq":true}}')(ctx(3)), '{"k":3}')
})

test('record factory with a template: the same seed gives the same records, another seed others', () => {
  const template = '{"id":{"$seq":true},"v":{"$int":[0,1000000]},"m":{"$message":true}}'
  const a = factory({ template, seed: 1 }, 4, 1)
  const b = factory({ template, seed: 1 }, 4, 1)
  const c = factory({ template, seed: 2 }, 4, 2)
  const va = Array.from({ length: 50 }, (_, i) => a.build(i).message.value)
  assert.deepEqual(va, Array.from({ length: 50 }, (_, i) => b.build(i).message.value))
  assert.notDeepEqual(va, Array.from({ length: 50 }, (_, i) => c.build(i).message.value))
  const first = JSON.parse(va[9] as string) as { id: number; m: string }
  assert.equal(first.id, 9)
  assert.equal(parseLoadgenMessage(first.m)?.seq, 9, '$message carries the loadgen id')
})

test('size distributions: fixed, uniform, normal, lognormal; deterministic per seq', () => {
  assert.equal(parseSizeDist('fixed', 64, 1).size(5), 64)
  assert.equal(parseSizeDist('fixed:100', 64, 1).size(5), 100)
  const u = parseSizeDist('uniform:100:200', 64, 1)
  const us = Array.from({ length: 5000 }, (_, i) => u.size(i))
  assert.ok(us.every((n) => n >= 100 && n <= 200))
  const mean = us.reduce((a, n) => a + n, 0) / us.length
  assert.ok(Math.abs(mean - 150) < 3, `uniform mean ${mean}`)
  const n = parseSizeDist('normal:500:50', 64, 1)
  const ns = Array.from({ length: 5000 }, (_, i) => n.size(i))
  const nm = ns.reduce((a, v) => a + v, 0) / ns.length
  const sd = Math.sqrt(ns.reduce((a, v) => a + (v - nm) ** 2, 0) / ns.length)
  assert.ok(Math.abs(nm - 500) < 5 && Math.abs(sd - 50) < 5, `normal mean ${nm} sd ${sd}`)
  const ln = parseSizeDist('lognormal:200:0.5', 64, 1)
  const ls = Array.from({ length: 5000 }, (_, i) => ln.size(i)).sort((x, y) => x - y)
  assert.ok(Math.abs(ls[2500]! - 200) < 12, `lognormal median ${ls[2500]}`)
  assert.equal(u.size(77), parseSizeDist('uniform:100:200', 64, 1).size(77))
  assert.throws(() => parseSizeDist('uniform:9:1', 64, 1), /MIN <= MAX/)
  assert.throws(() => parseSizeDist('pareto:1:2', 64, 1), (e: unknown) => isSluiceError(e, 'SLUICE_LOADGEN_BAD_ARG') && /unknown distribution 'pareto'/.test(e.message))
  const f = factory({ sizeDist: 'uniform:100:300' })
  const lengths = Array.from({ length: 500 }, (_, i) => (JSON.parse(f.build(i).message.value as string) as { message: string }).message.length)
  assert.ok(lengths.every((l) => l >= 100 && l <= 300) && new Set(lengths).size > 50, 'message texts follow the distribution')
})

test("murmur2 and the partition of a key match the Java client's default partitioner", () => {
  // Test vectors of org.apache.kafka.common.utils.UtilsTest#testMurmur2.
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]
  for (const [s, h] of vectors) assert.equal(murmur2(Buffer.from(s)), h, s)
  assert.equal(javaPartition('foobar', 10), (-790332482 & 0x7fffffff) % 10)
})

test('keys: none, seq (round-robin partitions), uniform over --keys, hot keys take --hot-share', () => {
  const none = factory()
  assert.equal(none.build(5).message.key, null)
  assert.equal(none.build(13).partition, 13 % 8)
  const seq = factory({ keyMode: 'seq' })
  assert.equal(seq.build(13).message.key, '13')
  assert.equal(seq.build(13).partition, 5)
  const uni = factory({ keyMode: 'uniform', keys: 50 })
  const ukeys = new Set<string>()
  for (let i = 0; i < 5000; i++) {
    const r = uni.build(i)
    ukeys.add(r.message.key as string)
    assert.equal(r.partition, javaPartition(r.message.key as string, 8))
  }
  assert.equal(ukeys.size, 50)
  const hot = factory({ keyMode: 'hot', keys: 1000, hotKeys: 2, hotShare: 0.9 })
  let hits = 0
  const perPartition = new Array(8).fill(0)
  for (let i = 0; i < 10_000; i++) {
    const r = hot.build(i)
    if (r.message.key === 'k0' || r.message.key === 'k1') hits++
    perPartition[r.partition]++
  }
  assert.ok(Math.abs(hits / 10_000 - 0.9) < 0.02, `hot share ${hits / 10_000}`)
  assert.ok(Math.max(...perPartition) > 0.4 * 10_000, `a hot partition: ${perPartition.join(',')}`)
  assert.equal(hot.build(321).message.key, factory({ keyMode: 'hot', keys: 1000, hotKeys: 2, hotShare: 0.9 }).build(321).message.key)
})

test('headers, out-of-order timestamps within D, malformed fraction', () => {
  const f = factory({ headers: ['source=loadgen', 'eq=a=b'], outOfOrderSec: 60, malformed: 0.1 })
  let malformed = 0
  let backwards = 0
  let prev = Number.NEGATIVE_INFINITY
  for (let i = 0; i < 10_000; i++) {
    const r = f.build(i)
    assert.deepEqual(r.message.headers, { source: 'loadgen', eq: 'a=b' })
    const ts = Number(r.message.timestamp)
    assert.ok(ts <= T0 + i && ts > T0 + i - 60_000, 'moved back by less than 60 s')
    if (ts < prev) backwards++
    prev = ts
    let parses = true
    try {
      JSON.parse(r.message.value as string)
    } catch {
      parses = false
    }
    assert.equal(parses, !r.malformed)
    if (r.malformed) malformed++
  }
  assert.ok(Math.abs(malformed / 10_000 - 0.1) < 0.015, `malformed share ${malformed / 10_000}`)
  assert.ok(backwards > 1000, 'out of order')
  assert.equal(breakJson('{"a":1}'), '{"a')
  assert.throws(() => JSON.parse(breakJson('"just a string"')))
})

test('midnight in a zone, across DST changes', () => {
  assert.equal(new Date(lastMidnight('Europe/Berlin', Date.UTC(2026, 11, 1, 9))).toISOString(), '2026-11-30T23:00:00.000Z')
  assert.equal(new Date(lastMidnight('Europe/Berlin', Date.UTC(2026, 11, 1, 22, 30))).toISOString(), '2026-11-30T23:00:00.000Z')
  assert.equal(new Date(lastMidnight('Europe/Berlin', Date.UTC(2026, 11, 1, 23, 30))).toISOString(), '2026-12-01T23:00:00.000Z')
  assert.equal(new Date(lastMidnight('America/New_York', Date.UTC(2026, 2, 8, 12))).toISOString(), '2026-03-08T05:00:00.000Z', 'EST midnight on the DST day')
  assert.equal(new Date(lastMidnight('Asia/Kolkata', Date.UTC(2026, 5, 1, 20))).toISOString(), '2026-06-01T18:30:00.000Z')
  assert.equal(zoneOffsetMs('UTC', T0), 0)
})

test('latency histogram: quantiles within 5 %, mergeable', () => {
  const h = new LatencyHistogram()
  for (let ms = 1; ms <= 1000; ms++) h.record(ms)
  const p50 = h.quantile(0.5)!
  const p99 = h.quantile(0.99)!
  assert.ok(p50 >= 500 && p50 <= 525, `p50 ${p50}`)
  assert.ok(p99 >= 990 && p99 <= 1000, `p99 ${p99}`)
  const other = new LatencyHistogram()
  for (let i = 0; i < 1000; i++) other.record(5000)
  h.add(other.state())
  assert.equal(h.count, 2000)
  assert.equal(h.summary().max, 5000)
  assert.ok(h.quantile(0.75)! > 4700)
  assert.equal(new LatencyHistogram().summary().p50, null)
})
