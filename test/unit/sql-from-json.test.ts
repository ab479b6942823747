import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { SPARK_JSON_READ_DEFAULTS } from '../../src/sql/index.js'
import { parse, project, projection, record } from './sql-helpers.js'

const line = (schema: string, json: string | null): string => parse(schema, json).line

test('STRING takes strings as they are and other tokens as their JSON text', () => {
  const s = 'a STRING'
  assert.equal(line(s, '{"a":"hi \\"x\\" \\u00e9/"}'), '{"a":"hi \\"x\\" é/"}')
  assert.equal(line(s, '{"a":123}'), '{"a":"123"}')
  assert.equal(line(s, '{"a":-0}'), '{"a":"0"}')
  assert.equal(line(s, '{"a":1.50}'), '{"a":"1.5"}')
  assert.equal(line(s, '{"a":1.0}'), '{"a":"1.0"}')
  assert.equal(line(s, '{"a":1e2}'), '{"a":"100.0"}')
  assert.equal(line(s, '{"a":true}'), '{"a":"true"}')
  assert.equal(line(s, '{"a":12345678901234567890}'), '{"a":"12345678901234567890"}')
  // Objects keep their key order (integer-like keys too) and numbers print as Jackson does.
  assert.equal(line(s, '{"a":{"b":1,"1":[2.0,"x"],"c":null}}'), String.raw`{"a":"{\"b\":1,\"1\":[2.0,\"x\"],\"c\":null}"}`)
  assert.equal(line(s, '{"a":null}'), '{}')
  assert.equal(parse(s, '{"a":{"b":1}}').corrupt, false)
})

test('integer types take only JSON integers within their range', () => {
  assert.equal(line('a TINYINT', '{"a":127}'), '{"a":127}')
  // Jackson's getByteValue takes -128..255 and wraps (Spark 3.5 itself: 128 → -128).
  assert.equal(line('a TINYINT', '{"a":128}'), '{"a":-128}')
  assert.equal(line('a TINYINT', '{"a":255}'), '{"a":-1}')
  assert.equal(line('a TINYINT', '{"a":256}'), '{}')
  assert.equal(line('a TINYINT', '{"a":-129}'), '{}')
  assert.equal(line('a SMALLINT', '{"a":-32768}'), '{"a":-32768}')
  assert.equal(line('a SMALLINT', '{"a":32768}'), '{}')
  assert.equal(line('a INT', '{"a":2147483647}'), '{"a":2147483647}')
  assert.equal(line('a INT', '{"a":2147483648}'), '{}')
  assert.equal(line('a INT', '{"a":"5"}'), '{}')
  assert.equal(line('a INT', '{"a":1.5}'), '{}')
  assert.equal(line('a INT', '{"a":1.0}'), '{}', '1.0 is a float token for Jackson')
  assert.equal(line('a INT', '{"a":1e2}'), '{}')
  assert.equal(line('a INT', '{"a":true}'), '{}')
  assert.equal(line('a BIGINT', '{"a":-9223372036854775808}'), '{"a":-9223372036854775808}')
  assert.equal(line('a BIGINT', '{"a":9223372036854775808}'), '{}')
  assert.equal(parse('a INT', '{"a":1.5}').corrupt, true)
  // A string mentioning "1.5" sends the record to the exact reader; the integer must survive.
  assert.equal(line('a INT, s STRING', '{"s":"v: 1.5","a":7}'), '{"a":7,"s":"v: 1.5"}')
  // Ordinary doubles next to integers stay exact; an integral float literal elsewhere does too.
  assert.equal(line('a INT, d DOUBLE', '{"d":0.25,"a":3}'), '{"a":3,"d":0.25}')
  assert.equal(line('a INT, d DOUBLE', '{"d":2.0,"a":3}'), '{"a":3,"d":2.0}')
  assert.equal(line('a INT, d DOUBLE', '{"d":3,"a":2.0}'), '{"d":3.0}')
})

test('BIGINT beyond 2^53 keeps its exact digits (top level, nested, in arrays)', () => {
  assert.equal(line('id BIGINT', '{"id":9007199254740993}'), '{"id":9007199254740993}')
  assert.equal(line('id BIGINT', '{"id":9223372036854775807}'), '{"id":9223372036854775807}')
  assert.equal(
    line('m STRUCT<id: BIGINT>, ids ARRAY<BIGINT>', '{"m":{"id":-9007199254740993},"ids":[1,9007199254740995]}'),
    '{"m":{"id":-9007199254740993},"ids":[1,9007199254740995]}',
  )
  const p = projection('id BIGINT', ['CAST(json_data.id AS STRING) AS s', 'json_data.id'])
  assert.equal(project(p, record('{"id":1234567890123456789}')).line, '{"s":"1234567890123456789","id":1234567890123456789}')
})

test('DOUBLE and FLOAT take numbers and the NaN/Infinity strings', () => {
  assert.equal(line('a DOUBLE', '{"a":1}'), '{"a":1.0}')
  assert.equal(line('a DOUBLE', '{"a":1e7}'), '{"a":1.0E7}')
  assert.equal(line('a DOUBLE', '{"a":0.0001}'), '{"a":1.0E-4}')
  assert.equal(line('a DOUBLE', '{"a":-0.0}'), '{"a":-0.0}')
  assert.equal(line('a DOUBLE', '{"a":"NaN"}'), '{"a":"NaN"}')
  assert.equal(line('a DOUBLE', '{"a":"Infinity"}'), '{"a":"Infinity"}')
  assert.equal(line('a DOUBLE', '{"a":"-Infinity"}'), '{"a":"-Infinity"}')
  assert.equal(line('a DOUBLE', '{"a":"1.5"}'), '{}')
  assert.equal(line('a DOUBLE', '{"a":false}'), '{}')
  assert.equal(line('a FLOAT', '{"a":0.1}'), '{"a":0.1}')
  assert.equal(line('a FLOAT', '{"a":3.4028235e38}'), '{"a":3.4028235E38}')
  assert.equal(line('a FLOAT', '{"a":16777217}'), '{"a":1.6777216E7}')
})

test('BOOLEAN takes only true and false', () => {
  assert.equal(line('a BOOLEAN, b BOOLEAN', '{"a":true,"b":false}'), '{"a":true,"b":false}')
  assert.equal(line('a BOOLEAN', '{"a":"true"}'), '{}')
  assert.equal(line('a BOOLEAN', '{"a":1}'), '{}')
})

test('DECIMAL takes numbers and numeric strings, rounds HALF_UP, nulls on overflow', () => {
  const s = 'a DECIMAL(5,2)'
  assert.equal(line(s, '{"a":1.5}'), '{"a":1.50}')
  assert.equal(line(s, '{"a":"2.345"}'), '{"a":2.35}')
  assert.equal(line(s, '{"a":-2.345}'), '{"a":-2.35}')
  assert.equal(line(s, '{"a":2.344}'), '{"a":2.34}')
  assert.equal(line(s, '{"a":"1,234.5"}'), '{}', '123450 needs 6 digits > precision 5')
  assert.equal(line('a DECIMAL(7,1)', '{"a":"1,234.56"}'), '{"a":1234.6}')
  assert.equal(line(s, '{"a":1e2}'), '{"a":100.00}')
  assert.equal(line(s, '{"a":1000}'), '{}')
  assert.equal(parse(s, '{"a":1000}').corrupt, true)
  assert.equal(line(s, '{"a":"abc"}'), '{}')
  assert.equal(line(s, '{"a":true}'), '{}')
  assert.equal(line('a DECIMAL(38,18)', '{"a":12345678901234567890.123456789012345678}'), '{"a":12345678901234567890.123456789012345678}')
  // Java BigDecimal.toString switches to E notation below 1E-6.
  assert.equal(line('a DECIMAL(10,8)', '{"a":0.0000001}'), '{"a":1.0E-7}')
  assert.equal(line('a DECIMAL(10,7)', '{"a":0.0000001}'), '{"a":1E-7}')
  assert.equal(line('a DECIMAL(10,8)', '{"a":0}'), '{"a":0E-8}')
  assert.equal(line('a DECIMAL(10,8)', '{"a":0.01}'), '{"a":0.01000000}')
})

test('TIMESTAMP takes ISO-8601 strings (zone or session zone) and integer epoch seconds', () => {
  const s = 'ts TIMESTAMP'
  assert.equal(line(s, '{"ts":"2025-07-02T23:00:00Z"}'), '{"ts":"2025-07-02T23:00:00.000Z"}')
  assert.equal(line(s, '{"ts":"2025-07-02T23:00:00.123+09:00"}'), '{"ts":"2025-07-02T14:00:00.123Z"}')
  assert.equal(line(s, '{"ts":"2025-07-02 23:00:00"}'), '{"ts":"2025-07-02T23:00:00.000Z"}')
  assert.equal(line(s, '{"ts":"2025-07-02"}'), '{"ts":"2025-07-02T00:00:00.000Z"}')
  assert.equal(line(s, '{"ts":"2025-07-02T08:00:00 Asia/Seoul"}'), '{"ts":"2025-07-01T23:00:00.000Z"}')
  assert.equal(line(s, '{"ts":1751497200}'), '{"ts":"2025-07-02T23:00:00.000Z"}')
  assert.equal(line(s, '{"ts":1751497200.5}'), '{}')
  assert.equal(line(s, '{"ts":"yesterday"}'), '{}')
  assert.equal(line(s, '{"ts":"2025-02-30T00:00:00Z"}'), '{}')
  assert.equal(line(s, '{"ts":""}'), '{}')
  // No zone in the text → the session zone.
  assert.equal(
    parse(s, '{"ts":"2025-07-02T08:00:00"}', { timeZone: 'Asia/Seoul' }).line,
    '{"ts":"2025-07-02T08:00:00.000+09:00"}',
  )
})

test('DATE takes yyyy-MM-dd strings (and Spark 1.5 day numbers); BINARY takes base64', () => {
  assert.equal(line('d DATE', '{"d":"2025-07-02"}'), '{"d":"2025-07-02"}')
  assert.equal(line('d DATE', '{"d":"2025-7-2"}'), '{"d":"2025-07-02"}')
  assert.equal(line('d DATE', '{"d":"123"}'), '{"d":"1970-05-04"}')
  assert.equal(line('d DATE', '{"d":"20000"}'), '{"d":"+20000-01-01"}', 'Spark reads 4-7 digits as a year first')
  assert.equal(line('d DATE', '{"d":"2025-13-01"}'), '{}')
  assert.equal(line('d DATE', '{"d":20000}'), '{}')
  assert.equal(line('b BINARY', '{"b":"aGVsbG8="}'), '{"b":"aGVsbG8="}')
  assert.equal(line('b BINARY', '{"b":"not base64!"}'), '{}')
})

test('ARRAY, MAP and STRUCT convert recursively; a mismatch nulls the top-level field, inside a struct only that field', () => {
  const s = 'tags ARRAY<STRING>, attrs MAP<STRING, INT>, meta STRUCT<a: INT, b: ARRAY<DOUBLE>>'
  assert.equal(
    line(s, '{"tags":["x",null,3],"attrs":{"z":1,"2":null,"a":3},"meta":{"b":[1,2.5],"a":7,"zz":0}}'),
    '{"tags":["x",null,"3"],"attrs":{"z":1,"2":null,"a":3},"meta":{"a":7,"b":[1.0,2.5]}}',
  )
  const bad = parse(s, '{"tags":["x"],"attrs":{"k":"nope"},"meta":{"a":1.5}}')
  // Spark 3.5 keeps a struct whose field does not fit, with that field null (seen with Spark).
  assert.equal(bad.line, '{"tags":["x"],"meta":{}}')
  assert.equal(bad.corrupt, true)
  assert.equal(line(s, '{"tags":"x","meta":[1]}'), '{}')
  assert.equal(line('meta STRUCT<a: INT>', '{"meta":{}}'), '{"meta":{}}')
})

test('field names are case-sensitive, unknown fields are ignored, prototype names are not inherited', () => {
  assert.equal(line('Message STRING, constructor STRING, toString STRING', '{"message":"x","toString":"t","extra":1}'), '{"toString":"t"}')
  assert.equal(line('__proto__ STRING', '{"__proto__":"p"}'), '{"__proto__":"p"}')
})

test('PERMISSIVE: null, blank, broken and non-object values', () => {
  const schema = 'message STRING, id INT, _corrupt_record STRING'
  const p = projection(schema, ['json_data', 'json_data.*'].slice(1))
  assert.deepEqual(project(p, record(null)), { line: '{}', partitionPath: '', corrupt: false })
  assert.deepEqual(project(p, record('  \n')), { line: '{}', partitionPath: '', corrupt: false })
  assert.deepEqual(project(p, record('{"message": "unterminated')), {
    line: '{"_corrupt_record":"{\\"message\\": \\"unterminated"}',
    partitionPath: '',
    corrupt: true,
  })
  assert.equal(project(p, record('[1,2]')).line, '{"_corrupt_record":"[1,2]"}')
  assert.equal(project(p, record('"str"')).line, '{"_corrupt_record":"\\"str\\""}')
  assert.equal(project(p, record('null')).corrupt, true)
  // A type mismatch nulls that field only and records the raw text.
  const mixed = project(p, record('{"message":"m","id":"x","_corrupt_record":"ignored"}'))
  assert.equal(mixed.line, '{"message":"m","_corrupt_record":"{\\"message\\":\\"m\\",\\"id\\":\\"x\\",\\"_corrupt_record\\":\\"ignored\\"}"}')
  assert.equal(mixed.corrupt, true)
  // Good record after a bad one: the corrupt column is cleared (the row is reused).
  assert.deepEqual(project(p, record('{"message":"ok","id":1}')), { line: '{"message":"ok","id":1}', partitionPath: '', corrupt: false })
  // Without the corrupt column the record is still flagged.
  assert.deepEqual(parse('message STRING', 'oops'), { line: '{}', partitionPath: '', corrupt: true })
  // The null struct is omitted; a malformed record's struct has all fields null ({}).
  const whole = projection('a INT', ['json_data'])
  assert.equal(project(whole, record(null)).line, '{}')
  assert.equal(project(whole, record('x')).line, '{"json_data":{}}')
  assert.equal(project(whole, record('{"a":1}')).line, '{"json_data":{"a":1}}')
})

test('FAILFAST throws SLUICE_RECORD_MALFORMED with topic, partition, offset and the reason', () => {
  const p = projection('message STRING, id INT', ['json_data.*'], { mode: 'FAILFAST' })
  assert.equal(project(p, record('{"message":"fine","id":2}')).line, '{"message":"fine","id":2}')
  assert.equal(project(p, record(null)).line, '{}', 'a null value is not malformed')
  const cases: [string, RegExp][] = [
    ['{"message":', /JSON/],
    ['[1]', /an array, not an object/],
    ['{"id":"seven"}', /field 'id' is INT but the JSON holds the string "seven"/],
    ['{"id":12345678901}', /field 'id' is INT/],
  ]
  for (const [text, reason] of cases) {
    assert.throws(
      () => project(p, record(text, { offset: 77 })),
      (err: unknown) => {
        assert.ok(isSluiceError(err, 'SLUICE_RECORD_MALFORMED'))
        assert.match(err.message, /record events-3 offset 77/)
        assert.match(err.message, reason)
        assert.match(err.message, /PERMISSIVE/)
        assert.deepEqual([err.details.topic, err.details.partition, err.details.offset], ['events', 3, 77])
        return true
      },
    )
  }
})

test("JSON.parse's refusals go to the lenient reader, which applies Spark's from_json options", () => {
  assert.equal(line('s STRING, i INT', "{'s':'single','i':2}"), '{"s":"single","i":2}')
  assert.equal(line('d DOUBLE, f FLOAT', '{"d":NaN,"f":-Infinity}'), '{"d":"NaN","f":"-Infinity"}')
  // A STRING field gets the token's JSON text, and Jackson quotes NaN (Spark 3.5 prints the same).
  assert.equal(line('s STRING', '{"s":NaN}'), '{"s":"\\"NaN\\""}')
  assert.equal(parse('s STRING', '{s:"x"}').corrupt, true, 'allowUnquotedFieldNames is off by default')
  const on = { jsonOptions: { ...SPARK_JSON_READ_DEFAULTS, allowUnquotedFieldNames: true, allowComments: true, allowNumericLeadingZeros: true } }
  assert.equal(parse('s STRING, i INT', '{s:"x", /* c */ i: 007}', on).line, '{"s":"x","i":7}')
  const off = { jsonOptions: { ...SPARK_JSON_READ_DEFAULTS, allowSingleQuotes: false, allowNonNumericNumbers: false } }
  assert.equal(parse('s STRING', "{'s':'x'}", off).corrupt, true)
  assert.equal(parse('d DOUBLE', '{"d":NaN}', off).corrupt, true)
  assert.equal(parse('d DOUBLE', '{"d":"NaN"}', off).corrupt, true, 'the string "NaN" needs allowNonNumericNumbers too')
})

test('nesting deeper than 1000 levels is malformed, as with Jackson 2.15 in Spark 3.5', () => {
  const deep = (n: number): string => '{"s":"x","a":' + '['.repeat(n) + ']'.repeat(n) + '}'
  assert.equal(parse('s STRING', deep(998)).line, '{"s":"x"}')
  assert.equal(parse('s STRING', deep(1000)).corrupt, true)
})

test('a lone surrogate is written as ? (as Java String.getBytes does), pairs are kept', () => {
  assert.equal(line('s STRING', '{"s":"a\\ud800b\\udc00c"}'), '{"s":"a?b?c"}')
  assert.equal(line('s STRING', '{"s":"\\ud83d\\ude00 😀"}'), '{"s":"😀 😀"}')
})
