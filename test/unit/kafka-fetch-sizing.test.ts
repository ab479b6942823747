/**
 * FetchSizer: a Fetch asks for what the rest of its range needs once the partition's bytes per
 * offset are known, within [64 KiB, kafka.max.partition.fetch.bytes]; the first read of a
 * partition, and a disabled sizer, ask for the full limit. On the real broker:
 * kafka-real-source-options.test.ts ("a short range of a long backlog").
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FetchSizer, MIN_SIZED_FETCH_BYTES } from '../../src/kafka/fetch-sizing.js'

const MAX = 4 << 20

test('unknown partition: the full limit; then sized to the remaining offsets with a margin', () => {
  const s = new FetchSizer(MAX)
  assert.equal(s.size('t:0', 200), MAX)
  s.learn('t:0', 100_000, 1000) // 100 bytes per offset
  const sized = s.size('t:0', 2000)
  assert.ok(sized >= 200_000 && sized < 300_000, `2000 offsets of 100 bytes: ${sized}`)
  assert.equal(s.size('t:0', 10), MIN_SIZED_FETCH_BYTES, 'never below the floor')
  assert.equal(s.size('t:0', 1_000_000), MAX, 'never above kafka.max.partition.fetch.bytes')
  assert.equal(s.size('t:1', 200), MAX, 'per partition')
})

test('the estimate follows what responses carry; nothing learned from empty reads; disabled stays full', () => {
  const s = new FetchSizer(MAX)
  s.learn('t:0', 0, 10)
  s.learn('t:0', 1000, 0)
  assert.equal(s.size('t:0', 100), MAX)
  s.learn('t:0', 1_000_000, 1000) // 1000 bytes per offset
  s.learn('t:0', 3_000_000, 1000) // then 3000: the average moves to 2000
  const sized = s.size('t:0', 1000)
  assert.ok(sized > 2_000_000 && sized < 3_000_000, String(sized))
  const off = new FetchSizer(MAX, false)
  off.learn('t:0', 1_000, 1000)
  assert.equal(off.size('t:0', 10), MAX)
})
