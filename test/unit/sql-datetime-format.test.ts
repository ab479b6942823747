/**
 * from_json's timestampFormat / dateFormat (Spark 3.5, new parser): the pattern parser itself and
 * what a value that does not match becomes (null + corrupt under PERMISSIVE, an error under
 * FAILFAST). Spark itself is the oracle for the same cases in test/spark/datetime-parity.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { SPARK_JSON_READ_DEFAULTS, formatDate } from '../../src/sql/index.js'
import { compilePatternParser } from '../../src/sql/time-pattern-parse.js'
import { getZone } from '../../src/sql/time-zone.js'
import { parse } from './sql-helpers.js'

const fail = (why: string): never => {
  throw new Error(why)
}
const UTC = getZone('UTC')
const iso = (us: number | null): string | null => (us === null ? null : new Date(us / 1000).toISOString())
const ts = (pattern: string, s: string, zone = UTC): string | null => iso(compilePatternParser(pattern, fail).timestamp(s, zone))
const day = (pattern: string, s: string): string | null => {
  const d = compilePatternParser(pattern, fail).date(s)
  return d === null ? null : formatDate(d)
}

test('numeric widths: one letter is variable, two letters exactly two digits, yyyy four', () => {
  assert.equal(ts('yyyy-MM-dd HH:mm:ss', '2024-03-05 07:08:09'), '2024-03-05T07:08:09.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mm:ss', '2024-3-05 07:08:09'), null)
  assert.equal(ts('yyyy-M-d H:m:s', '2024-3-5 7:8:9'), '2024-03-05T07:08:09.000Z')
  assert.equal(ts('yyyy-M-d H:m:s', '2024-03-05 07:08:09'), '2024-03-05T07:08:09.000Z')
  assert.equal(ts('yyyy-MM-dd', '24-03-05'), null)
  assert.equal(ts('yyyy-MM-dd', '20245-03-05'), null, 'more than four digits need a +')
  assert.equal(day('yyyy-MM-dd', '+20245-03-05'), '+20245-03-05')
  assert.equal(day('yyyy-MM-dd', '+2024-03-05'), null, 'a + needs more than four digits')
  assert.equal(ts('yy-MM-dd', '24-03-05'), '2024-03-05T00:00:00.000Z')
  assert.equal(ts('yyyyMMddHHmmss', '20240305070809'), '2024-03-05T07:08:09.000Z', 'adjacent value parsing')
  assert.equal(ts('yyyyMMdd', '2024035'), null)
})

test('whole string, case-insensitive text, literals and optional sections', () => {
  assert.equal(ts('yyyy-MM-dd', '2024-03-05 '), null)
  assert.equal(ts("yyyy-MM-dd'T'HH:mm", '2024-03-05t07:08'), '2024-03-05T07:08:00.000Z')
  assert.equal(ts('dd MMM yyyy', '05 mar 2024'), '2024-03-05T00:00:00.000Z')
  assert.equal(ts('dd MMMM yyyy', '05 March 2024'), '2024-03-05T00:00:00.000Z')
  assert.equal(ts('yyyy-MM-dd[ HH:mm]', '2024-03-05'), '2024-03-05T00:00:00.000Z')
  assert.equal(ts('yyyy-MM-dd[ HH:mm]', '2024-03-05 07:08'), '2024-03-05T07:08:00.000Z')
  assert.equal(ts("yyyy-MM-dd''HH", "2024-03-05'07"), '2024-03-05T07:00:00.000Z')
})

test('fractions take 1 to n digits, cut to microseconds', () => {
  const p = compilePatternParser('HH:mm:ss.SSSSSS', fail)
  assert.equal(p.timestamp('00:00:01.5', UTC), 1_500_000)
  assert.equal(p.timestamp('00:00:01.123456', UTC), 1_123_456)
  assert.equal(p.timestamp('00:00:01.1234567', UTC), null)
  assert.equal(compilePatternParser('ss.SSSSSSSSS', fail).timestamp('01.123456789', UTC), 1_123_456)
  assert.equal(ts('ss.SSS', '01.'), null)
})

test('missing fields default to 1970-01-01 00:00; h without a is AM; impossible dates fail', () => {
  assert.equal(ts('HH:mm', '07:08'), '1970-01-01T07:08:00.000Z')
  assert.equal(ts('yyyy', '2024'), '2024-01-01T00:00:00.000Z')
  assert.equal(ts('MM-dd', '02-29'), null, '1970 is not a leap year')
  assert.equal(ts('yyyy-MM-dd', '2025-02-30'), null)
  assert.equal(ts('yyyy-MM-dd', '2024-02-29'), '2024-02-29T00:00:00.000Z')
  assert.equal(ts('hh:mm a', '12:30 AM'), '1970-01-01T00:30:00.000Z')
  assert.equal(ts('hh:mm a', '12:30 pm'), '1970-01-01T12:30:00.000Z')
  assert.equal(ts('hh:mm', '12:30'), '1970-01-01T00:30:00.000Z')
  assert.equal(ts('hh:mm', '13:30'), null)
  assert.equal(ts('HH:mm', '24:00'), null)
})

test('offsets and zones in the pattern win over the session zone', () => {
  const seoul = getZone('Asia/Seoul')
  assert.equal(ts('yyyy-MM-dd HH:mm', '2024-03-05 07:08', seoul), '2024-03-04T22:08:00.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mmXXX', '2024-03-05 07:08+01:00', seoul), '2024-03-05T06:08:00.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mmXXX', '2024-03-05 07:08Z', seoul), '2024-03-05T07:08:00.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mmXXX', '2024-03-05 07:08+0100'), null)
  assert.equal(ts('yyyy-MM-dd HH:mmX', '2024-03-05 07:08+01'), '2024-03-05T06:08:00.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mmX', '2024-03-05 07:08+0130'), '2024-03-05T05:38:00.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mmZ', '2024-03-05 07:08-0500'), '2024-03-05T12:08:00.000Z')
  assert.equal(ts('yyyy-MM-dd HH:mmZ', '2024-03-05 07:08Z'), null)
  assert.equal(ts('yyyy-MM-dd HH:mmxxx', '2024-03-05 07:08Z'), null)
  assert.equal(ts('yyyy-MM-dd HH:mm VV', '2024-03-05 07:08 Asia/Seoul'), '2024-03-04T22:08:00.000Z')
  // A local time in a DST gap moves forward (ZonedDateTime.of).
  const ny = getZone('America/New_York')
  assert.equal(ts('yyyy-MM-dd HH:mm', '2024-03-10 02:30', ny), '2024-03-10T07:30:00.000Z')
})

test('dates parse time fields, check them and drop them', () => {
  assert.equal(day('dd.MM.yyyy', '05.03.2024'), '2024-03-05')
  assert.equal(day('yyyyMMdd', '20240305'), '2024-03-05')
  assert.equal(day('yyyy-MM-dd HH:mm', '2024-03-05 23:59'), '2024-03-05')
  assert.equal(day('yyyy-MM-dd HH:mm', '2024-03-05 25:00'), null)
  assert.equal(day('dd.MM.yyyy', '2024-03-05'), null)
})

test('unsupported and week-based letters are refused when the pattern is compiled', () => {
  assert.throws(() => compilePatternParser('YYYY-ww', fail), /week-based/)
  assert.throws(() => compilePatternParser('yyyy-MM-dd G', fail), /'G'/)
  // Spark 3.5 formats E and F but refuses them for parsing (DATETIME_PATTERN_RECOGNITION).
  assert.throws(() => compilePatternParser('EEE, dd MMM yyyy', fail), /'E' at position 0 \(day of the week\).*Spark 3\.5 refuses it/)
  assert.throws(() => compilePatternParser('EEEE dd MMMM yyyy', fail), /'E'/)
  assert.throws(() => compilePatternParser('yyyy-MM-dd F', fail), /'F' at position 11/)
  assert.throws(() => compilePatternParser("yyyy-MM-dd 'T", fail), /not closed/)
  assert.throws(() => compilePatternParser('yyyy[-MM', fail), /not closed/)
})

const opts = (o: Record<string, unknown>) => ({ jsonOptions: { ...SPARK_JSON_READ_DEFAULTS, ...o } })
const SCHEMA = 'ts TIMESTAMP, d DATE, _corrupt_record STRING'

test('from_json with timestampFormat/dateFormat: matches parse, others are null and corrupt, no fallback', () => {
  const o = opts({ timestampFormat: 'dd/MM/yyyy HH:mm', dateFormat: 'dd/MM/yyyy' })
  assert.equal(parse(SCHEMA, '{"ts":"05/03/2024 07:08","d":"06/03/2024"}', o).line, '{"ts":"2024-03-05T07:08:00.000Z","d":"2024-03-06"}')
  const r = parse(SCHEMA, '{"ts":"2024-03-05T07:08:00Z"}', o)
  assert.equal(r.corrupt, true)
  assert.equal(r.line, '{"_corrupt_record":"{\\"ts\\":\\"2024-03-05T07:08:00Z\\"}"}')
  assert.equal(parse(SCHEMA, '{"d":"123"}', o).corrupt, true, 'no Spark 1.5 day numbers with a dateFormat')
  // Numbers are seconds since the epoch with or without a pattern.
  assert.equal(parse(SCHEMA, '{"ts":86400}', o).line, '{"ts":"1970-01-02T00:00:00.000Z"}')
  // Without the options, Spark's default reading (ISO with its lenient fallback).
  assert.equal(parse(SCHEMA, '{"ts":"2024-03-05 07:08","d":"123"}').line, '{"ts":"2024-03-05T07:08:00.000Z","d":"1970-05-04"}')
  // The day number is part of the fallback (Spark itself: test/spark/datetime-parity.ts), the
  // lenient yyyy-MM-dd forms are not.
  const noFallback = opts({ enableDateTimeParsingFallback: false })
  assert.equal(parse(SCHEMA, '{"d":"123"}', noFallback).corrupt, true, 'no day number without the fallback')
  assert.equal(parse(SCHEMA, '{"d":"2024-3-6"}', noFallback).line, '{"d":"2024-03-06"}')
})

test('enableDateTimeParsingFallback reads what does not match the pattern as Spark does without one', () => {
  const o = opts({ timestampFormat: 'dd/MM/yyyy HH:mm', enableDateTimeParsingFallback: true })
  assert.equal(parse(SCHEMA, '{"ts":"2024-03-05T07:08:00Z"}', o).line, '{"ts":"2024-03-05T07:08:00.000Z"}')
  const off = opts({ enableDateTimeParsingFallback: false, timestampFormat: "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]" })
  assert.equal(parse(SCHEMA, '{"ts":"2024-03-05 07:08"}', off).corrupt, true)
})

test('FAILFAST stops at a timestamp that does not match timestampFormat', () => {
  const o = { ...opts({ timestampFormat: 'dd/MM/yyyy HH:mm' }), mode: 'FAILFAST' as const }
  assert.throws(
    () => parse(SCHEMA, '{"ts":"2024-03-05"}', o),
    (e: unknown) => isSluiceError(e, 'SLUICE_RECORD_MALFORMED') && /field 'ts' is TIMESTAMP/.test((e as Error).message),
  )
})

test('a pattern sluice cannot parse with is a configuration error naming the option', () => {
  assert.throws(
    () => parse(SCHEMA, '{}', opts({ timestampFormat: 'YYYY' })),
    (e: unknown) => isSluiceError(e, 'SLUICE_CONFIG_VALUE') && /fromJson\.timestampFormat/.test((e as Error).message),
  )
})
