/**
 * assignReaders: the read side of a batch is spread over a fixed number of read tasks whatever
 * coalesce is; every offset of every writer's ranges is read exactly once, by a piece tagged with
 * its writer, and a hot partition is cut so that no task gets more than about 1/tasks of the batch.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assignReaders, assignWriters, MIN_PIECE, type OffsetRange, rangeRecords } from '../../src/planner/index.js'

function offsetsOf(groups: (OffsetRange & { writer: number })[][]): Map<string, number> {
  const seen = new Map<string, number>()
  for (const g of groups) {
    for (const r of g) {
      for (let o = r.start; o < r.end; o++) {
        const k = `${r.topic}:${r.partition}:${o}`
        assert.equal(seen.has(k), false, `offset ${k} read twice`)
        seen.set(k, r.writer)
      }
    }
  }
  return seen
}

describe('assignReaders', () => {
  const ranges: OffsetRange[] = Array.from({ length: 10 }, (_, p) => ({ topic: 't', partition: p, start: 100, end: 100 + 5000 * (p + 1) }))

  for (const coalesce of [1, 3, 0]) {
    test(`coalesce ${coalesce}: 4 read tasks, every offset once, tagged with its writer`, () => {
      const writers = assignWriters(ranges, coalesce)
      const readers = assignReaders(writers, 4)
      assert.equal(readers.length, 4)
      const seen = offsetsOf(readers)
      assert.equal(seen.size, rangeRecords(ranges))
      writers.forEach((group, w) => {
        for (const r of group) for (let o = r.start; o < r.end; o++) assert.equal(seen.get(`t:${r.partition}:${o}`), w)
      })
      const total = rangeRecords(ranges)
      for (const g of readers) assert.ok(rangeRecords(g) <= Math.ceil((total / 4) * 1.25) + 1, `a task reads ${rangeRecords(g)} of ${total}`)
    })
  }

  test('one hot partition is cut into pieces so that every task reads', () => {
    const hot: OffsetRange[] = [{ topic: 't', partition: 0, start: 0, end: 100_001 }]
    const readers = assignReaders(assignWriters(hot, 1), 4)
    assert.equal(readers.length, 4)
    for (const g of readers) assert.ok(rangeRecords(g) >= 24_000 && rangeRecords(g) <= 26_000, `a task reads ${rangeRecords(g)}`)
    assert.equal(offsetsOf(readers).size, 100_001)
  })

  test('a range below MIN_PIECE offsets is never cut (one Fetch stream, Kafka order kept)', () => {
    const small: OffsetRange[] = [{ topic: 't', partition: 0, start: 0, end: MIN_PIECE }, { topic: 't', partition: 1, start: 5, end: 9 }]
    const readers = assignReaders(assignWriters(small, 1), 4)
    assert.deepEqual(
      readers.flat().map((r) => [r.partition, r.start, r.end]).sort((a, b) => a[0]! - b[0]!),
      [[0, 0, MIN_PIECE], [1, 5, 9]],
    )
  })

  test('deterministic: the same ranges in another order give the same tasks', () => {
    const a = assignReaders(assignWriters(ranges, 3), 4)
    const b = assignReaders(assignWriters([...ranges].reverse(), 3), 4)
    assert.deepEqual(a, b)
  })

  test('no ranges, no tasks', () => {
    assert.deepEqual(assignReaders([], 4), [])
  })
})
