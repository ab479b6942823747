/**
 * Edge-case Kafka values shared by the Spark interop tests: what from_json must agree on with
 * Spark, and what the writer must print as Spark does. Each value is the raw bytes of a Kafka
 * record value (null = a tombstone).
 */

export const PARITY_SCHEMA =
  's STRING, i INT, l BIGINT, t TINYINT, d DOUBLE, f FLOAT, b BOOLEAN, dec DECIMAL(20,4), ts TIMESTAMP, dt DATE, ' +
  'bin BINARY, arr ARRAY<INT>, m MAP<STRING,INT>, st STRUCT<a: INT, b: STRING>, _corrupt_record STRING'

function nest(depth: number): string {
  return '{"s":"deep","x":' + '['.repeat(depth) + ']'.repeat(depth) + '}'
}

const texts: string[] = [
  // plain and string contents
  '{"s":"hello","i":1}',
  '{"s":"한글 ünïcødé 😀"}',
  '{"s":"line\\u2028sep\\u2029para"}',
  '{"s":"raw\u2028sep"}',
  '{"s":"ctl\\u0001\\u001f\\b\\f\\n\\r\\t\\"\\\\\\/"}',
  '{"s":"lone \\ud800 surrogate"}',
  '{"s":"\u007f del"}',
  // what JSON.parse refuses and Spark accepts by default
  "{'s':'single quoted','i':2}",
  '{"s":\'mixed\'}',
  '{"d":NaN,"f":Infinity}',
  '{"d":-Infinity,"f":+Infinity}',
  '{"d":+INF,"f":-INF}',
  '{"s":NaN}',
  // and what it refuses by default
  '{s:"unquoted name"}',
  '{"s":"comment"} /* c */',
  '{/* c */"s":"comment inside"}',
  '{"i":007}',
  '{"d":-01.5}',
  '{"s":"bad \\q escape"}',
  '{"s":"raw\ttab"}',
  // structure
  '{"s":"dup","s":"last wins","i":1,"i":2}',
  '{"s":"trailing"} garbage',
  '{"s":"two"}{"s":"objects"}',
  '[{"s":"array at the top"}]',
  '"just a string"',
  '42',
  'null',
  '',
  '   ',
  '{',
  '{"s":"unterminated',
  '{"s":"x",}',
  nest(10),
  nest(999),
  nest(1001),
  // numbers
  '{"l":9223372036854775807,"i":2147483647,"t":127}',
  '{"l":9223372036854775808}',
  '{"i":2147483648}',
  '{"t":128}',
  '{"i":1.0}',
  '{"i":1e2}',
  '{"l":-0}',
  '{"d":1e400,"f":1e39}',
  '{"d":1e-400,"f":1e-50}',
  '{"d":0.1,"f":0.1}',
  '{"d":1,"f":3}',
  '{"d":1E7,"f":1.0E-4}',
  '{"d":123456789012345678901234567890}',
  '{"s":12345678901234567890123}',
  '{"s":1.0}',
  '{"s":1e2}',
  '{"s":-0.0}',
  '{"dec":"12.345"}',
  '{"dec":12.34567}',
  '{"dec":1234567890123456.1234}',
  '{"dec":12345678901234567.1}',
  '{"dec":"1,234.5"}',
  '{"dec":1e3}',
  // coercions into STRING
  '{"s":true}',
  '{"s":{"b":2,"a":[1,2.5,"x",null]}}',
  '{"s":[3,2,1]}',
  '{"s":null}',
  // strings into numbers and booleans
  '{"i":"1"}',
  '{"d":"NaN","f":"Infinity"}',
  '{"d":"-Infinity","f":"+INF"}',
  '{"d":"1.5"}',
  '{"b":"true"}',
  '{"b":1}',
  '{"b":false}',
  // timestamps and dates
  '{"ts":"2025-07-02T23:00:00Z"}',
  '{"ts":"2025-07-02T23:00:00.123456789+09:00"}',
  '{"ts":"2025-07-02 23:00:00"}',
  '{"ts":"2025-07-02"}',
  '{"ts":"2025-07-02T23:00"}',
  '{"ts":1751497200}',
  '{"ts":1751497200.5}',
  '{"ts":"not a time"}',
  '{"ts":"2025-13-01T00:00:00Z"}',
  '{"dt":"2025-07-02"}',
  '{"dt":"2025-7-2"}',
  '{"dt":"2025-07-02T10:00:00Z"}',
  '{"dt":"20251"}',
  '{"dt":20251}',
  // binary, arrays, maps, structs
  '{"bin":"aGVsbG8="}',
  '{"bin":"not base64!"}',
  '{"arr":[1,null,3]}',
  '{"arr":[1,"2"]}',
  '{"arr":5}',
  '{"m":{"z":1,"a":2,"10":3,"2":4}}',
  '{"m":{"a":"x"}}',
  '{"st":{"a":1,"b":"x","c":"ignored"}}',
  '{"st":{"a":"x"}}',
  '{"st":[1]}',
  '{"_corrupt_record":"never read from the JSON","s":"x"}',
  '{"unknown":1,"S":"case differs"}',
]

/**
 * Values on which Spark 3.5's from_json does not return a row at all: the query fails with
 * SparkUpgradeException INCONSISTENT_BEHAVIOR_CROSS_VERSION (an impossible calendar date in a
 * DATE field). sluice treats them as malformed records instead (null field, _corrupt_record).
 */
export const SPARK_FAILS: string[] = ['{"dt":"2025-02-30"}']

export const PARITY_VALUES: (Buffer | null)[] = [
  ...texts.map((t) => Buffer.from(t, 'utf8')),
  null,
  // invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong '/', a surrogate
  Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0x80]), Buffer.from('b"}')]),
  Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"s":"a"'), Buffer.from([0xff]), Buffer.from('}')]),
  // UTF-8-encoded surrogates, where Java's decoder (one U+FFFD for up to three bytes) and Node's
  // (one per byte) differ; sluice decodes them as Java does (src/sql/java-utf8.ts)
  Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), Buffer.from('b"}')]),
  Buffer.concat([Buffer.from('{"s":"a'), Buffer.from([0xed, 0xbf]), Buffer.from('b"}')]),
  Buffer.concat([Buffer.from('{"s":'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('}')]),
]
