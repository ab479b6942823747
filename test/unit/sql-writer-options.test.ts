/**
 * The JSON writer's options (sink.timestampFormat, sink.dateFormat, sink.ignoreNullFields) in the
 * projection: top-level and nested values, map keys untouched, escapes, the session zone, and the
 * configuration errors. Spark's own writer is the oracle for the same rows in
 * test/spark/writer-options-parity.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { parse, project, projection, record } from './sql-helpers.js'

const SCHEMA = 'ts TIMESTAMP, d DATE, s STRING, st STRUCT<a: INT, t: TIMESTAMP, d: DATE>, arr ARRAY<DATE>, m MAP<STRING, TIMESTAMP>'
const JSON_TEXT = '{"ts":"2024-03-05T07:08:09.123Z","d":"2024-03-06","st":{"t":"2024-03-05T23:30:00Z","d":"2024-03-07"},"arr":["2024-01-01",null],"m":{"k":"2024-03-05T00:00:00Z"}}'

test('timestampFormat and dateFormat apply to every TIMESTAMP and DATE value, nested ones included', () => {
  const line = parse(SCHEMA, JSON_TEXT, { writer: { timestampFormat: 'dd/MM/yyyy HH:mm:ss.SSS', dateFormat: 'yyyyMMdd' } }).line
  assert.equal(
    line,
    '{"ts":"05/03/2024 07:08:09.123","d":"20240306","st":{"t":"05/03/2024 23:30:00.000","d":"20240307"},"arr":["20240101",null],"m":{"k":"05/03/2024 00:00:00.000"}}',
  )
})

test('the defaults are Spark\'s, and the session zone and offsets follow the pattern', () => {
  assert.equal(parse('ts TIMESTAMP', '{"ts":"2024-03-05T07:08:09Z"}').line, '{"ts":"2024-03-05T07:08:09.000Z"}')
  const seoul = { timeZone: 'Asia/Seoul', writer: { timestampFormat: "yyyy-MM-dd'T'HH:mmXXX" } }
  assert.equal(parse('ts TIMESTAMP', '{"ts":"2024-03-05T07:08:09Z"}', seoul).line, '{"ts":"2024-03-05T16:08+09:00"}')
  const z = { timeZone: 'America/New_York', writer: { timestampFormat: 'yyyy-MM-dd HH:mm Z' } }
  assert.equal(parse('ts TIMESTAMP', '{"ts":"2024-07-01T12:00:00Z"}', z).line, '{"ts":"2024-07-01 08:00 -0400"}')
  assert.equal(parse('ts TIMESTAMP', '{"ts":"2024-01-01T12:00:00Z"}', z).line, '{"ts":"2024-01-01 07:00 -0500"}')
})

test('pattern literals are escaped as JSON strings', () => {
  const o = { writer: { timestampFormat: `yyyy'"\\'HH` } }
  assert.equal(parse('ts TIMESTAMP', '{"ts":"2024-03-05T07:08:09Z"}', o).line, '{"ts":"2024\\"\\\\07"}')
})

test('ignoreNullFields false writes null fields at the top level and in structs; arrays and maps as before', () => {
  const o = { writer: { ignoreNullFields: false } }
  assert.equal(
    parse('a INT, s STRING, st STRUCT<x: INT, y: STRING>, arr ARRAY<INT>', '{"st":{"x":1},"arr":[1,null]}', o).line,
    '{"a":null,"s":null,"st":{"x":1,"y":null},"arr":[1,null]}',
  )
  assert.equal(parse('a INT, s STRING', '{"s":"x"}').line, '{"s":"x"}', 'true (the default) leaves them out')
  // A column that is never null (the Kafka timestamp) and a null after it.
  const p = projection('a INT', ['timestamp AS ts', 'json_data.a'], o)
  assert.equal(project(p, record('{}')).line, '{"ts":"2025-07-02T23:00:00.000Z","a":null}')
})

test('a writer pattern sluice cannot format, or a DATE pattern with time letters, is a configuration error', () => {
  const bad = (writer: Record<string, unknown>, re: RegExp): void => {
    assert.throws(() => parse('d DATE', '{}', { writer }), (e: unknown) => isSluiceError(e, 'SLUICE_CONFIG_VALUE') && re.test((e as Error).message))
  }
  bad({ dateFormat: 'yyyy-MM-dd HH' }, /sink\.dateFormat .*'H'/)
  bad({ dateFormat: 'yyyy-MM-ddXXX' }, /sink\.dateFormat/)
  bad({ timestampFormat: 'YYYY' }, /sink\.timestampFormat .*not supported/)
})
