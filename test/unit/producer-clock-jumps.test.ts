/**
 * Producer clocks that jump: records whose Kafka timestamps lie years in the past or the future,
 * or carry no timestamp (Kafka's -1), interleaved in one partition. Each record gets the dt/dth
 * partition of its own timestamp (the projection caches the formatted hour: it must follow every
 * jump back and forth), as Spark's date_format prints it, and none is dropped; the lag in seconds
 * is never negative and is unknown, not 56 years, for a record without a timestamp.
 * (The process clock jumping during a trigger: planner-trigger-clock.test.ts.)
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lagSeconds } from '../../src/metrics/lag-tracker.js'
import { project, projection, record } from './sql-helpers.js'

const SELECT = ['json_data.*', 'timestamp AS kafka_timestamp', "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0)

// timestamp → [UTC kafka_timestamp, UTC partition, Asia/Seoul partition]
const CASES: [number, string, string, string][] = [
  [NOW, '2026-12-01T12:00:00.000Z', 'dt=2026-12-01/dth=2026-12-01-12', 'dt=2026-12-01/dth=2026-12-01-21'],
  [-1, '1969-12-31T23:59:59.999Z', 'dt=1969-12-31/dth=1969-12-31-23', 'dt=1970-01-01/dth=1970-01-01-08'],
  [NOW, '2026-12-01T12:00:00.000Z', 'dt=2026-12-01/dth=2026-12-01-12', 'dt=2026-12-01/dth=2026-12-01-21'],
  [0, '1970-01-01T00:00:00.000Z', 'dt=1970-01-01/dth=1970-01-01-00', 'dt=1970-01-01/dth=1970-01-01-09'],
  [Date.UTC(1999, 11, 31, 23, 59, 59, 999), '1999-12-31T23:59:59.999Z', 'dt=1999-12-31/dth=1999-12-31-23', 'dt=2000-01-01/dth=2000-01-01-08'],
  [Date.UTC(2100, 2, 1, 5), '2100-03-01T05:00:00.000Z', 'dt=2100-03-01/dth=2100-03-01-05', 'dt=2100-03-01/dth=2100-03-01-14'],
  [NOW - 1, '2026-12-01T11:59:59.999Z', 'dt=2026-12-01/dth=2026-12-01-11', 'dt=2026-12-01/dth=2026-12-01-20'],
  [Date.UTC(9999, 11, 31, 10), '9999-12-31T10:00:00.000Z', 'dt=9999-12-31/dth=9999-12-31-10', 'dt=9999-12-31/dth=9999-12-31-19'],
  [Date.UTC(2001, 0, 1), '2001-01-01T00:00:00.000Z', 'dt=2001-01-01/dth=2001-01-01-00', 'dt=2001-01-01/dth=2001-01-01-09'],
]

test('timestamps years in the past and the future, back and forth: each record in the dt/dth of its own timestamp', () => {
  const utc = projection('message STRING', SELECT, { partitionBy: ['dt', 'dth'] })
  const seoul = projection('message STRING', SELECT, { partitionBy: ['dt', 'dth'], timeZone: 'Asia/Seoul' })
  for (const [i, [ts, iso, utcPath, seoulPath]] of CASES.entries()) {
    const rec = record(`{"message":"m${i}"}`, { timestamp: ts })
    assert.deepEqual(project(utc, rec), { line: `{"message":"m${i}","kafka_timestamp":"${iso}"}`, partitionPath: utcPath, corrupt: false }, `UTC ${ts}`)
    assert.equal(project(seoul, rec).partitionPath, seoulPath, `Asia/Seoul ${ts}`)
  }
})

test('lag in seconds: a past timestamp its age, a future one 0 (never negative), no timestamp unknown', () => {
  assert.equal(lagSeconds(NOW, NOW - 90_000), 90)
  assert.equal(lagSeconds(NOW, Date.UTC(2001, 0, 1)), (NOW - Date.UTC(2001, 0, 1)) / 1000)
  assert.equal(lagSeconds(NOW, NOW + 3 * 365 * 86_400_000), 0)
  assert.equal(lagSeconds(NOW, -1), null, "Kafka's -1 (no timestamp) is not a lag of 56 years")
  assert.equal(lagSeconds(NOW, null), null)
})
