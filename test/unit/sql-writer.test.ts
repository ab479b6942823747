import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DEFAULT_PARTITION_NAME,
  escapePathName,
  javaDoubleToString,
  javaFloatToString,
  jsonString,
  partitionDir,
  unescapePathName,
} from '../../src/sql/index.js'
import { parse } from './sql-helpers.js'

test('javaDoubleToString matches Java Double.toString', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [-1, '-1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1e7, '1.0E7'],
    [9999999, '9999999.0'],
    [12345678, '1.2345678E7'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [0.00012345, '1.2345E-4'],
    [123.456, '123.456'],
    [1e21, '1.0E21'],
    [1.7976931348623157e308, '1.7976931348623157E308'],
    [5e-324, '4.9E-324'],
    [0.1 + 0.2, '0.30000000000000004'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [100, '100.0'],
    [-2.5e-7, '-2.5E-7'],
  ]
  for (const [d, want] of cases) assert.equal(javaDoubleToString(d), want, String(d))
})

test('javaFloatToString matches Java Float.toString', () => {
  const cases: [number, string][] = [
    [Math.fround(0.1), '0.1'],
    [Math.fround(1), '1.0'],
    [Math.fround(3.4028235e38), '3.4028235E38'],
    [Math.fround(1e7), '1.0E7'],
    [Math.fround(1.1), '1.1'],
    [Math.fround(0.001), '0.001'],
    [Math.fround(1.4e-45), '1.4E-45'],
    [Math.fround(16777216), '1.6777216E7'],
    [-0, '-0.0'],
  ]
  for (const [f, want] of cases) assert.equal(javaFloatToString(f), want, String(f))
})

test('jsonString escapes like Jackson', () => {
  assert.equal(jsonString('plain / é ✓ 😀'), '"plain / é ✓ 😀"')
  assert.equal(jsonString('q"b\\'), '"q\\"b\\\\"')
  assert.equal(jsonString('\n\t\r\b\f'), '"\\n\\t\\r\\b\\f"')
  assert.equal(jsonString('\u0000\u0001\u001f\u007f'), '"\\u0000\\u0001\\u001F\u007f"')
  assert.equal(jsonString('a\u001Fb\u000bc'), '"a\\u001Fb\\u000Bc"')
})

test('JSON lines: schema order, nulls omitted (nested too), types rendered like Spark', () => {
  const schema =
    'z STRING, a INT, d DOUBLE, f FLOAT, dec DECIMAL(6,2), ts TIMESTAMP, day DATE, bin BINARY, ok BOOLEAN, ' +
    'arr ARRAY<INT>, m MAP<STRING, DOUBLE>, s STRUCT<x: STRING, y: INT>'
  const json = JSON.stringify({
    ok: false,
    s: { y: 1, x: null },
    m: { k: 2, n: null },
    arr: [1, null, 3],
    bin: Buffer.from([0, 255]).toString('base64'),
    day: '2025-07-02',
    ts: '2025-07-02T23:00:00.123456Z',
    dec: '-1.5',
    f: 0.1,
    d: 1e-5,
    a: 7,
    z: 'first',
  })
  assert.equal(
    parse(schema, json).line,
    '{"z":"first","a":7,"d":1.0E-5,"f":0.1,"dec":-1.50,"ts":"2025-07-02T23:00:00.123Z","day":"2025-07-02",' +
      '"bin":"AP8=","ok":false,"arr":[1,null,3],"m":{"k":2.0,"n":null},"s":{"y":1}}',
  )
  assert.equal(parse('d DOUBLE, e DOUBLE', '{"d":"NaN","e":"-Infinity"}').line, '{"d":"NaN","e":"-Infinity"}')
  assert.equal(parse('a STRING, b STRING', '{"b":null}').line, '{}')
})

test('escapePathName escapes exactly Hive/Spark characters, and NUL', () => {
  assert.equal(escapePathName('2025-07-02'), '2025-07-02')
  assert.equal(escapePathName('a/b'), 'a%2Fb')
  assert.equal(escapePathName('..'), '..')
  assert.equal(escapePathName('a=b'), 'a%3Db')
  assert.equal(escapePathName('100%'), '100%25')
  assert.equal(escapePathName('"#\'*:?\\{[]^'), '%22%23%27%2A%3A%3F%5C%7B%5B%5D%5E')
  assert.equal(escapePathName('\u0001\u001f\u007f'), '%01%1F%7F')
  assert.equal(escapePathName(' space } | < > é'), ' space } | < > é')
  // NUL too (Spark starts at 0x01, then the key check refuses it: a poison batch); reads back.
  assert.equal(escapePathName('a\u0000b'), 'a%00b')
  assert.equal(unescapePathName(escapePathName('a\u0000b')), 'a\u0000b')
  assert.equal(unescapePathName(escapePathName('a/b=c%d')), 'a/b=c%d')
})

test('partitionDir: null and empty values go to the default partition; a value is one segment', () => {
  assert.equal(partitionDir('dt', '2025-07-02'), 'dt=2025-07-02')
  assert.equal(partitionDir('dt', null), `dt=${DEFAULT_PARTITION_NAME}`)
  assert.equal(partitionDir('dt', ''), 'dt=__HIVE_DEFAULT_PARTITION__')
  assert.equal(partitionDir('a=b', 'x'), 'a%3Db=x')
  assert.equal(partitionDir('dt', '..'), 'dt=..')
  assert.equal(partitionDir('dt', '../../secret'), 'dt=..%2F..%2Fsecret')
  for (const v of ['..', '.', '/', '../x', 'a/../../b', '%2F..']) {
    const dir = partitionDir('dt', v)
    assert.ok(!dir.includes('/'), dir)
    assert.ok(dir.startsWith('dt='), dir)
    // Resolving the segment under a prefix never leaves the prefix.
    const resolved = new URL(`${dir}/part-0.json`, 'file:///out/').pathname
    assert.ok(resolved.startsWith('/out/dt='), resolved)
  }
})
