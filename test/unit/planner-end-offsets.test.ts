import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { type OffsetMap, planEndOffsets, rateLimit } from '../../src/planner/index.js'

const m = (o: Record<string, number>): OffsetMap => new Map(Object.entries(o))
const obj = (map: OffsetMap): Record<string, number> => Object.fromEntries([...map].sort())

const base = { maxTriggerDelayMs: 15 * 60_000, msSinceLastBatch: 0, failOnDataLoss: true }

describe('rateLimit (maxOffsetsPerTrigger proration)', () => {
  test('prorates by backlog share and floors shares of at least 1', () => {
    // a: 5 × 3/10 = 1.5 → 1; b: 5 × 7/10 = 3.5 → 3
    const end = rateLimit(5, m({ 't:0': 0, 't:1': 0 }), m({ 't:0': 3, 't:1': 7 }))
    assert.deepEqual(obj(end), { 't:0': 1, 't:1': 3 })
  })

  test('ceils a share below 1 so small partitions are not starved', () => {
    // 10 × 1/100 = 0.1 → 1; 10 × 99/100 = 9.9 → 9
    const end = rateLimit(10, m({ 't:0': 50, 't:1': 0 }), m({ 't:0': 51, 't:1': 99 }))
    assert.deepEqual(obj(end), { 't:0': 51, 't:1': 9 })
  })

  test('tiny limit over many partitions reads one offset from each, more than the limit (as Spark)', () => {
    const from: Record<string, number> = {}
    const until: Record<string, number> = {}
    for (let p = 0; p < 16; p++) {
      from[`t:${p}`] = 100
      until[`t:${p}`] = 101 + p
    }
    const end = rateLimit(3, m(from), m(until))
    for (let p = 0; p < 16; p++) assert.equal(end.get(`t:${p}`), 101, `partition ${p}`)
  })

  test('uses limit × (size / total) in floating point, like Spark: 22 × (15/22) = 14.999… → 14', () => {
    const end = rateLimit(22, m({ 't:0': 0, 't:1': 0 }), m({ 't:0': 15, 't:1': 7 }))
    assert.deepEqual(obj(end), { 't:0': 14, 't:1': 7 })
  })

  test('a limit above the backlog reads everything; partitions without backlog end at latest', () => {
    const end = rateLimit(1000, m({ 'a:0': 5, 'a:1': 9 }), m({ 'a:0': 15, 'a:1': 9 }))
    assert.deepEqual(obj(end), { 'a:0': 15, 'a:1': 9 })
  })

  test('no backlog at all returns until unchanged', () => {
    assert.deepEqual(obj(rateLimit(1, m({ 'a:0': 5 }), m({ 'a:0': 5 }))), { 'a:0': 5 })
  })
})

describe('planEndOffsets', () => {
  test('without limits the batch reads up to latest', () => {
    const r = planEndOffsets({ ...base, start: m({ 't:0': 10, 't:1': 0 }), latest: m({ 't:0': 20, 't:1': 5 }), earliest: m({ 't:0': 0, 't:1': 0 }) })
    assert.deepEqual(obj(r.end), { 't:0': 20, 't:1': 5 })
    assert.equal(r.offsets, 15)
    assert.equal(r.skip, false)
    assert.deepEqual(r.dataLoss, [])
  })

  test('maxOffsetsPerTrigger limits the batch with proration', () => {
    const r = planEndOffsets({ ...base, maxOffsetsPerTrigger: 2000, start: m({ 't:0': 0, 't:1': 0 }), latest: m({ 't:0': 3000, 't:1': 1000 }), earliest: m({ 't:0': 0, 't:1': 0 }) })
    assert.deepEqual(obj(r.end), { 't:0': 1500, 't:1': 500 })
    assert.equal(r.offsets, 2000)
  })

  test('minOffsetsPerTrigger skips while the backlog is small and the delay has not passed', () => {
    const input = { ...base, minOffsetsPerTrigger: 100, maxTriggerDelayMs: 60_000, start: m({ 't:0': 0 }), latest: m({ 't:0': 99 }), earliest: m({ 't:0': 0 }) }
    const skipped = planEndOffsets({ ...input, msSinceLastBatch: 59_999 })
    assert.equal(skipped.skip, true)
    assert.deepEqual(obj(skipped.end), { 't:0': 0 })
    assert.equal(skipped.offsets, 0)
    const late = planEndOffsets({ ...input, msSinceLastBatch: 60_000 })
    assert.equal(late.skip, false)
    assert.deepEqual(obj(late.end), { 't:0': 99 })
    const enough = planEndOffsets({ ...input, latest: m({ 't:0': 100 }), msSinceLastBatch: 1 })
    assert.equal(enough.skip, false)
    assert.deepEqual(obj(enough.end), { 't:0': 100 })
  })

  test('min and max together: min decides whether to run, max how much', () => {
    const r = planEndOffsets({ ...base, minOffsetsPerTrigger: 10, maxOffsetsPerTrigger: 50, start: m({ 't:0': 0 }), latest: m({ 't:0': 500 }), earliest: m({ 't:0': 0 }) })
    assert.equal(r.skip, false)
    assert.deepEqual(obj(r.end), { 't:0': 50 })
  })

  test('new partitions start at their earliest offset and share the rate limit', () => {
    const r = planEndOffsets({ ...base, maxOffsetsPerTrigger: 10, start: m({ 't:0': 100 }), latest: m({ 't:0': 110, 't:1': 10 }), earliest: m({ 't:0': 0, 't:1': 0 }) })
    assert.deepEqual(obj(r.start), { 't:0': 100, 't:1': 0 })
    assert.deepEqual(obj(r.end), { 't:0': 105, 't:1': 5 })
    assert.deepEqual(r.dataLoss, [])
  })

  test('min offsets count a new partition from its earliest offset', () => {
    const r = planEndOffsets({ ...base, minOffsetsPerTrigger: 10, msSinceLastBatch: 1, start: m({ 't:0': 0 }), latest: m({ 't:0': 0, 't:1': 12 }), earliest: m({ 't:0': 0, 't:1': 8 }), failOnDataLoss: false })
    assert.equal(r.skip, true)
  })
})

describe('planEndOffsets data loss', () => {
  const cases = [
    {
      name: 'offsets aged out (start < earliest)',
      input: { start: m({ 'orders:3': 10 }), latest: m({ 'orders:3': 50 }), earliest: m({ 'orders:3': 20 }) },
      kind: 'agedOut',
      start: { 'orders:3': 20 },
      end: { 'orders:3': 50 },
      mentions: ['orders-3', '10', '19'],
    },
    {
      name: 'partition vanished',
      input: { start: m({ 'orders:0': 5, 'orders:1': 7 }), latest: m({ 'orders:0': 9 }), earliest: m({ 'orders:0': 0 }) },
      kind: 'partitionGone',
      start: { 'orders:0': 5 },
      end: { 'orders:0': 9 },
      mentions: ['orders-1', '7'],
    },
    {
      name: 'latest < start (offsets went backwards)',
      input: { start: m({ 'orders:2': 100 }), latest: m({ 'orders:2': 40 }), earliest: m({ 'orders:2': 0 }) },
      kind: 'offsetsReset',
      start: { 'orders:2': 0 },
      end: { 'orders:2': 40 },
      mentions: ['orders-2', '100', '40'],
    },
    {
      name: 'new partition not starting at 0',
      input: { start: m({ 'orders:0': 0 }), latest: m({ 'orders:0': 0, 'orders:1': 30 }), earliest: m({ 'orders:0': 0, 'orders:1': 25 }) },
      kind: 'newPartitionNotFromZero',
      start: { 'orders:0': 0, 'orders:1': 25 },
      end: { 'orders:0': 0, 'orders:1': 30 },
      mentions: ['orders-1', '25'],
    },
  ]
  for (const c of cases) {
    test(`${c.name}: failOnDataLoss throws SLUICE_KAFKA_DATA_LOSS naming partition, offsets and the fix`, () => {
      assert.throws(
        () => planEndOffsets({ ...base, ...c.input, failOnDataLoss: true }),
        (err: unknown) => {
          assert.ok(isSluiceError(err, 'SLUICE_KAFKA_DATA_LOSS'))
          for (const s of c.mentions) assert.ok(err.message.includes(s), `message mentions ${s}: ${err.message}`)
          assert.match(err.message, /failOnDataLoss: false/)
          assert.equal(err.retriable, false)
          assert.equal((err.details.events as { kind: string }[])[0]!.kind, c.kind)
          return true
        },
      )
    })
    test(`${c.name}: without failOnDataLoss continues from earliest and reports the event`, () => {
      const r = planEndOffsets({ ...base, ...c.input, failOnDataLoss: false })
      assert.equal(r.dataLoss.length, 1)
      assert.equal(r.dataLoss[0]!.kind, c.kind)
      assert.deepEqual(obj(r.start), c.start)
      assert.deepEqual(obj(r.end), c.end)
      assert.ok(r.dataLoss[0]!.message.includes(c.mentions[0]!))
    })
  }

  test('a new partition without a known earliest offset is left out and reported', () => {
    const r = planEndOffsets({ ...base, failOnDataLoss: false, start: m({ 't:0': 1 }), latest: m({ 't:0': 2, 't:1': 9 }), earliest: m({ 't:0': 0 }) })
    assert.deepEqual(obj(r.end), { 't:0': 2 })
    assert.equal(r.dataLoss[0]!.kind, 'earliestUnknown')
  })
})
