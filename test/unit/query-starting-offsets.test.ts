/**
 * Where a new query starts: startingOffsets, and by timestamp (startingTimestamp,
 * startingOffsetsByTimestamp) with startingOffsetsByTimestampStrategy, from the answers of
 * ListOffsets by timestamp (-1 = no offset at or after the timestamp). Against the real broker:
 * test/integration/kafka-real-timestamps.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { StartingTimestamps } from '../../src/config/types.js'
import { isSluiceError } from '../../src/errors.js'
import type { PartitionInfo } from '../../src/kafka/index.js'
import { resolveStartingOffsets, resolveTimestampOffsets, timestampLookups } from '../../src/query/starting-offsets.js'

const leader = { nodeId: 1, host: '127.0.0.1', port: 9092 }
const parts: PartitionInfo[] = [
  { topic: 't', partition: 0, leader },
  { topic: 't', partition: 1, leader },
  { topic: 'u', partition: 0, leader },
]
const latest = new Map([
  ['t:0', 100],
  ['t:1', 200],
  ['u:0', 300],
])

function throwsCode(fn: () => unknown, code: string, ...mentions: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isSluiceError(err), String(err))
    assert.equal(err.code, code)
    for (const m of mentions) assert.ok(err.message.includes(m), `message mentions ${m}: ${err.message}`)
    return true
  })
}

describe('starting offsets by timestamp', () => {
  test('startingTimestamp asks every partition for the same time', () => {
    const spec: StartingTimestamps = { kind: 'global', timestamp: 1234, strategy: 'error' }
    assert.deepEqual(
      timestampLookups(spec, parts).map((l) => [l.topic, l.partition, l.timestamp]),
      [['t', 0, 1234], ['t', 1, 1234], ['u', 0, 1234]],
    )
  })

  test('startingOffsetsByTimestamp asks each partition for its own time, and must name every partition', () => {
    const spec: StartingTimestamps = { kind: 'perPartition', timestamps: { t: { '0': 5, '1': 6 }, u: { '0': 7 } }, strategy: 'error' }
    assert.deepEqual(timestampLookups(spec, parts).map((l) => l.timestamp), [5, 6, 7])
    throwsCode(
      () => timestampLookups({ ...spec, timestamps: { t: { '0': 5, '2': 6 } } }, parts),
      'SLUICE_CONFIG_STARTING_OFFSETS',
      'source.startingOffsetsByTimestamp',
      'Missing: t-1, u-0',
      'Not in the cluster: t-2',
    )
  })

  test('found offsets are used as they are; -1 fails under strategy error with Spark\'s sentence', () => {
    const spec: StartingTimestamps = { kind: 'global', timestamp: 1234, strategy: 'error' }
    const lookups = timestampLookups(spec, parts)
    const found = new Map([['t:0', 10], ['t:1', 20], ['u:0', 30]])
    assert.deepEqual([...resolveTimestampOffsets(spec, lookups, found, latest)], [['t:0', 10], ['t:1', 20], ['u:0', 30]])
    throwsCode(
      () => resolveTimestampOffsets(spec, lookups, new Map([['t:0', 10], ['t:1', -1], ['u:0', -1]]), latest),
      'SLUICE_KAFKA_NO_OFFSET_FOR_TIMESTAMP',
      'No offset matched from request of topic-partition t-1 and timestamp 1234.',
      'No offset matched from request of topic-partition u-0 and timestamp 1234.',
      'startingOffsetsByTimestampStrategy: latest',
    )
  })

  test('strategy latest starts a partition without a match at its latest offset', () => {
    const spec: StartingTimestamps = { kind: 'perPartition', timestamps: { t: { '0': 5, '1': 6 }, u: { '0': 7 } }, strategy: 'latest' }
    const got = resolveTimestampOffsets(spec, timestampLookups(spec, parts), new Map([['t:0', 10], ['t:1', -1], ['u:0', -1]]), latest)
    assert.deepEqual([...got], [['t:0', 10], ['t:1', 200], ['u:0', 300]])
  })

  test('startingOffsets JSON still names every partition (-2 earliest, -1 latest)', () => {
    const earliest = new Map([['t:0', 1], ['t:1', 2], ['u:0', 3]])
    const got = resolveStartingOffsets({ t: { '0': -2, '1': -1 }, u: { '0': 42 } }, parts, earliest, latest)
    assert.deepEqual([...got], [['t:0', 1], ['t:1', 200], ['u:0', 42]])
    throwsCode(() => resolveStartingOffsets({ t: { '0': 1 } }, parts, earliest, latest), 'SLUICE_CONFIG_STARTING_OFFSETS', 'source.startingOffsets', 'Missing: t-1, u-0')
  })
})
