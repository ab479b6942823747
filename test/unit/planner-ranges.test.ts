import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assignWriters, nextTriggerTime, type OffsetRange, rangeRecords, splitRanges, toRanges } from '../../src/planner/index.js'

const r = (topic: string, partition: number, start: number, end: number): OffsetRange => ({ topic, partition, start, end })

describe('splitRanges (minPartitions, KafkaOffsetRangeCalculator)', () => {
  test('no minPartitions: one range per partition, empty ranges dropped', () => {
    const out = splitRanges([r('t', 0, 1, 2), r('t', 1, 5, 5), r('t', 2, 3, 1)])
    assert.deepEqual(out, [r('t', 0, 1, 2)])
  })

  test('enough ranges already: no splitting', () => {
    const input = [r('t', 0, 0, 100), r('t', 1, 0, 1), r('t', 2, 0, 1)]
    assert.deepEqual(splitRanges(input, 3), input)
  })

  test('one range split into minPartitions pieces', () => {
    assert.deepEqual(splitRanges([r('t', 1, 1, 4)], 3), [r('t', 1, 1, 2), r('t', 1, 2, 3), r('t', 1, 3, 4)])
  })

  test('skewed ranges: the small one stays whole, the large one takes the remaining parts', () => {
    // Spark's suite: tp1 [1,501) and tp2 [1,21), minPartitions 4 → tp1 in 3 pieces, tp2 whole.
    assert.deepEqual(splitRanges([r('t', 1, 1, 501), r('t', 2, 1, 21)], 4), [
      r('t', 1, 1, 167),
      r('t', 1, 167, 334),
      r('t', 1, 334, 501),
      r('t', 2, 1, 21),
    ])
  })

  test('pieces cover the range exactly once, with the rounding in the last ones', () => {
    const out = splitRanges([r('a', 0, 10, 110), r('b', 0, 0, 7)], 5)
    let covered = 0
    for (const x of out) covered += x.end - x.start
    assert.equal(covered, 107)
    const a = out.filter((x) => x.topic === 'a')
    for (let i = 1; i < a.length; i++) assert.equal(a[i]!.start, a[i - 1]!.end)
    assert.equal(a[0]!.start, 10)
    assert.equal(a.at(-1)!.end, 110)
  })

  test('extra fields of a range are kept on its pieces', () => {
    const out = splitRanges([{ ...r('t', 0, 0, 10), leader: 7 }], 2)
    assert.deepEqual(out, [{ ...r('t', 0, 0, 5), leader: 7 }, { ...r('t', 0, 5, 10), leader: 7 }])
  })
})

describe('assignWriters (coalesce)', () => {
  const ranges = [r('t', 0, 0, 10), r('t', 1, 0, 9), r('t', 2, 0, 8), r('t', 3, 0, 7), r('t', 4, 0, 6), r('t', 5, 0, 5)]

  test('balances records over N writers', () => {
    const w = assignWriters(ranges, 3)
    assert.equal(w.length, 3)
    assert.deepEqual(w.map(rangeRecords), [15, 15, 15])
    const all = w.flatMap((x) => x.map((y) => y.partition)).sort()
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5])
  })

  test('is deterministic regardless of input order', () => {
    const expected = assignWriters(ranges, 4)
    for (let i = 0; i < ranges.length; i++) {
      const rotated = [...ranges.slice(i), ...ranges.slice(0, i)]
      assert.deepEqual(assignWriters(rotated, 4), expected)
      assert.deepEqual(assignWriters(rotated.reverse(), 4), expected)
    }
  })

  test('equal sizes go round-robin in canonical order; ranges within a writer are sorted', () => {
    const w = assignWriters([r('b', 0, 0, 5), r('a', 1, 0, 5), r('a', 0, 0, 5), r('a', 2, 0, 5)], 2)
    assert.deepEqual(w[0]!.map((x) => `${x.topic}:${x.partition}`), ['a:0', 'a:2'])
    assert.deepEqual(w[1]!.map((x) => `${x.topic}:${x.partition}`), ['a:1', 'b:0'])
  })

  test('coalesce 0 gives one writer per range, in canonical order', () => {
    const w = assignWriters([r('t', 1, 0, 1), r('t', 0, 0, 3)], 0)
    assert.deepEqual(w, [[r('t', 0, 0, 3)], [r('t', 1, 0, 1)]])
  })

  test('never more writers than ranges; empty ranges are ignored', () => {
    const w = assignWriters([r('t', 0, 0, 3), r('t', 1, 4, 4)], 3)
    assert.equal(w.length, 1)
    assert.deepEqual(assignWriters([], 3), [])
  })
})

describe('toRanges and nextTriggerTime', () => {
  test('toRanges yields non-empty ranges in topic/partition order', () => {
    const start = new Map([['b:0', 0], ['a:10', 5], ['a:2', 1], ['a:3', 4]])
    const end = new Map([['b:0', 2], ['a:10', 6], ['a:2', 3], ['a:3', 4]])
    assert.deepEqual(toRanges(start, end), [r('a', 2, 1, 3), r('a', 10, 5, 6), r('b', 0, 0, 2)])
  })

  test('processing-time triggers align to multiples of the interval', () => {
    assert.equal(nextTriggerTime(2500, 1000), 3000)
    assert.equal(nextTriggerTime(3000, 1000), 4000)
    assert.equal(nextTriggerTime(1_700_000_000_123, 2000), 1_700_000_002_000)
    assert.equal(nextTriggerTime(1234, 0), 1234)
  })
})
