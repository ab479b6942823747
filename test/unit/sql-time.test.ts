import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { formatTimestamp } from '../../src/sql/index.js'
import { project, projection, record } from './sql-helpers.js'

const ms = (iso: string): number => Date.parse(iso)

/** Runs date_format(timestamp, pattern) and timestamp for one instant in one zone. */
function fmt(tz: string, iso: string, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSS"): { f: string; ts: string } {
  const p = projection('a INT', [`date_format(timestamp, "${pattern}") AS f`, 'timestamp AS ts'], { timeZone: tz })
  const out = JSON.parse(project(p, record(null, { timestamp: ms(iso) })).line) as { f: string; ts: string }
  return out
}

test('formatTimestamp renders yyyy-MM-ddTHH:mm:ss.SSSXXX in the zone', () => {
  const t = ms('2025-07-02T23:00:00.042Z')
  assert.equal(formatTimestamp(t, 'UTC'), '2025-07-02T23:00:00.042Z')
  assert.equal(formatTimestamp(t, 'Asia/Seoul'), '2025-07-03T08:00:00.042+09:00')
  assert.equal(formatTimestamp(t, 'Asia/Kolkata'), '2025-07-03T04:30:00.042+05:30')
  assert.equal(formatTimestamp(t, 'America/New_York'), '2025-07-02T19:00:00.042-04:00')
  assert.equal(formatTimestamp(t, '+09:00'), '2025-07-03T08:00:00.042+09:00')
  assert.equal(formatTimestamp(t, 'GMT-5'), '2025-07-02T18:00:00.042-05:00')
  assert.equal(formatTimestamp(-1, 'UTC'), '1969-12-31T23:59:59.999Z')
  assert.equal(formatTimestamp(0, 'Etc/UTC'), '1970-01-01T00:00:00.000Z')
})

test('America/New_York across both 2025 DST changes', () => {
  assert.deepEqual(fmt('America/New_York', '2025-03-09T06:59:59.999Z'), {
    f: '2025-03-09T01:59:59.999',
    ts: '2025-03-09T01:59:59.999-05:00',
  })
  assert.deepEqual(fmt('America/New_York', '2025-03-09T07:00:00Z'), {
    f: '2025-03-09T03:00:00.000',
    ts: '2025-03-09T03:00:00.000-04:00',
  })
  // The repeated 01:30 in November: same wall time, different offsets.
  assert.equal(fmt('America/New_York', '2025-11-02T05:30:00Z').ts, '2025-11-02T01:30:00.000-04:00')
  assert.equal(fmt('America/New_York', '2025-11-02T06:30:00Z').ts, '2025-11-02T01:30:00.000-05:00')
})

test('Australia/Lord_Howe 30-minute DST and Asia/Kolkata +05:30', () => {
  assert.equal(fmt('Australia/Lord_Howe', '2025-10-04T15:29:00Z').ts, '2025-10-05T01:59:00.000+10:30')
  assert.equal(fmt('Australia/Lord_Howe', '2025-10-04T15:30:00Z').ts, '2025-10-05T02:30:00.000+11:00')
  assert.equal(fmt('Australia/Lord_Howe', '2025-04-05T14:59:00Z').ts, '2025-04-06T01:59:00.000+11:00')
  assert.equal(fmt('Australia/Lord_Howe', '2025-04-05T15:00:00Z').ts, '2025-04-06T01:30:00.000+10:30')
  assert.equal(fmt('Asia/Kolkata', '2025-07-02T18:29:59Z', 'yyyy-MM-dd-HH').f, '2025-07-02-23')
  assert.equal(fmt('Asia/Kolkata', '2025-07-02T18:30:00Z', 'yyyy-MM-dd-HH').f, '2025-07-03-00')
})

test('date_format pattern letters', () => {
  const iso = '2025-07-02T13:04:05.678Z' // a Wednesday
  const cases: [string, string][] = [
    ['y', '2025'],
    ['yy', '25'],
    ['yyyy', '2025'],
    ['M MM MMM MMMM', '7 07 Jul July'],
    ['d dd', '2 02'],
    ['H HH', '13 13'],
    ['h hh a', '1 01 PM'],
    ['m mm s ss', '4 04 5 05'],
    ['S SS SSS', '6 67 678'],
    ['E EEE EEEE', 'Wed Wed Wednesday'],
    ["yyyy-MM-dd'T'HH 'o''clock'", "2025-07-02T13 o'clock"],
    ["''HH", "'13"],
    ['yyyy/MM/dd HH:mm', '2025/07/02 13:04'],
  ]
  for (const [pattern, want] of cases) assert.equal(fmt('UTC', iso, pattern).f, want, pattern)
  assert.equal(fmt('UTC', '2025-07-02T00:30:00Z', 'hh a').f, '12 AM')
  assert.equal(fmt('UTC', '2025-07-02T12:30:00Z', 'hh a').f, '12 PM')
})

test('date_format caches by unit but never returns a stale string', () => {
  const p = projection('a INT', ["date_format(timestamp, 'yyyy-MM-dd-HH') AS h", "date_format(timestamp, 'ss.SSS') AS s"])
  const run = (iso: string): string => project(p, record(null, { timestamp: ms(iso) })).line
  assert.equal(run('2025-07-02T23:59:59.999Z'), '{"h":"2025-07-02-23","s":"59.999"}')
  assert.equal(run('2025-07-03T00:00:00.000Z'), '{"h":"2025-07-03-00","s":"00.000"}')
  assert.equal(run('2025-07-02T23:00:00.001Z'), '{"h":"2025-07-02-23","s":"00.001"}')
  assert.equal(run('1969-12-31T23:59:59.999Z'), '{"h":"1969-12-31-23","s":"59.999"}')
})

test('unsupported pattern letters and bad zones are configuration errors', () => {
  for (const pattern of ['yyyy-MM-dd Q', 'u', 'HHH', "yyyy 'open"]) {
    assert.throws(
      () => projection('a INT', [`date_format(timestamp, "${pattern}") AS x`]),
      (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_CONFIG_SELECT'), String(err))
        assert.match(err.message, /date_format\(timestamp/)
        assert.match(err.message, /Supported date_format pattern letters/)
        return true
      },
    )
  }
  assert.throws(
    () => projection('a INT', ['timestamp'], { timeZone: 'Mars/Olympus' }),
    (err: unknown) => isSluiceError(err, 'SLUICE_CONFIG_TIMEZONE') && /Mars\/Olympus/.test(err.message),
  )
  assert.throws(() => projection('a INT', ['timestamp'], { timeZone: '+25:00' }), (err: unknown) =>
    isSluiceError(err, 'SLUICE_CONFIG_TIMEZONE'),
  )
})
