import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { project, projection, record } from './sql-helpers.js'

const JOB_SELECT = [
  'json_data.*',
  'timestamp AS kafka_timestamp',
  "date_format(timestamp, 'yyyy-MM-dd') AS dt",
  "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth",
]

test('the job projection in UTC and Asia/Seoul', () => {
  const utc = projection('message STRING', JOB_SELECT, { partitionBy: ['dt', 'dth'] })
  assert.deepEqual(utc.partitionColumns, ['dt', 'dth'])
  assert.deepEqual(
    utc.columns.map((c) => [c.name, c.type.kind]),
    [
      ['message', 'string'],
      ['kafka_timestamp', 'timestamp'],
      ['dt', 'string'],
      ['dth', 'string'],
    ],
  )
  assert.deepEqual(project(utc, record('{"message":"hi"}')), {
    line: '{"message":"hi","kafka_timestamp":"2025-07-02T23:00:00.000Z"}',
    partitionPath: 'dt=2025-07-02/dth=2025-07-02-23',
    corrupt: false,
  })
  const seoul = projection('message STRING', JOB_SELECT, { partitionBy: ['dt', 'dth'], timeZone: 'Asia/Seoul' })
  assert.deepEqual(project(seoul, record('{"message":"hi"}')), {
    line: '{"message":"hi","kafka_timestamp":"2025-07-03T08:00:00.000+09:00"}',
    partitionPath: 'dt=2025-07-03/dth=2025-07-03-08',
    corrupt: false,
  })
  // The partition path follows each record (cache keyed on the values).
  const next = project(seoul, record('{"message":"later"}', { timestamp: Date.UTC(2025, 6, 3, 0, 0, 0) }))
  assert.equal(next.partitionPath, 'dt=2025-07-03/dth=2025-07-03-09')
  assert.equal(project(seoul, record(null)).line, '{"kafka_timestamp":"2025-07-03T08:00:00.000+09:00"}')
})

test('Kafka columns, CAST, aliases with and without AS, backticks, default names', () => {
  const p = projection('message STRING, n STRING, meta STRUCT<a: INT, b: STRUCT<c: STRING>>', [
    'CAST(key AS STRING)',
    'cast(value as string) raw',
    'key AS key_bin',
    'topic',
    '`partition`',
    'offset',
    'timestampType',
    'json_data.meta.a',
    'json_data.META.b.c AS c',
    'CAST(json_data.n AS BIGINT) AS n_big',
    'CAST(json_data.n AS INT) AS n_int',
    'CAST(json_data.n AS DOUBLE) AS n_dbl',
    'CAST(json_data.n AS BOOLEAN) AS n_bool',
    'CAST(json_data.n AS DATE) AS n_date',
    'CAST(json_data.n AS TIMESTAMP) AS n_ts',
    'CAST(timestamp AS BIGINT) AS epoch',
    'CAST(timestamp AS STRING) AS ts_str',
    'CAST(timestamp AS DATE) AS day',
    "date_format(timestamp, 'HH')",
    "'literal' AS lit",
    'json_data.meta AS `m e`',
  ])
  assert.deepEqual(
    p.columns.map((c) => c.name),
    [
      'key',
      'raw',
      'key_bin',
      'topic',
      'partition',
      'offset',
      'timestampType',
      'a',
      'c',
      'n_big',
      'n_int',
      'n_dbl',
      'n_bool',
      'n_date',
      'n_ts',
      'epoch',
      'ts_str',
      'day',
      'date_format(timestamp, HH)',
      'lit',
      'm e',
    ],
  )
  const rec = record('{"n":"1","meta":{"a":5,"b":{"c":"deep"}}}', {
    keyStart: 0,
    keyEnd: 2,
    timestamp: Date.UTC(2025, 6, 2, 23, 0, 0, 250),
  })
  assert.equal(
    project(p, rec).line,
    '{"key":"xx","raw":"{\\"n\\":\\"1\\",\\"meta\\":{\\"a\\":5,\\"b\\":{\\"c\\":\\"deep\\"}}}","key_bin":"eHg=",' +
      '"topic":"events","partition":3,"offset":42,"timestampType":0,"a":5,"c":"deep",' +
      '"n_big":1,"n_int":1,"n_dbl":1.0,"n_bool":true,' +
      '"epoch":1751497200,"ts_str":"2025-07-02 23:00:00.25","day":"2025-07-02","date_format(timestamp, HH)":"23",' +
      '"lit":"literal","m e":{"a":5,"b":{"c":"deep"}}}',
  )
  // Nested access through a null struct is null, not an error.
  const empty = project(p, record('{"n":"2025-07-02 10:00:00"}'))
  assert.match(empty.line, /"n_date":"2025-07-02","n_ts":"2025-07-02T10:00:00.000Z"/)
  assert.doesNotMatch(empty.line, /"a":|"c":|"m e"|"key"/)
  assert.doesNotMatch(empty.line, /n_big|n_int|n_dbl|n_bool/)
})

test('CAST follows Spark non-ANSI semantics', () => {
  const p = projection('s STRING, d DOUBLE, b BOOLEAN, i BIGINT', [
    'CAST(json_data.s AS INT) AS si',
    'CAST(json_data.s AS DOUBLE) AS sd',
    'CAST(json_data.s AS BOOLEAN) AS sb',
    'CAST(json_data.d AS INT) AS di',
    'CAST(json_data.d AS BIGINT) AS dl',
    'CAST(json_data.d AS STRING) AS ds',
    'CAST(json_data.b AS INT) AS bi',
    'CAST(json_data.i AS INT) AS ii',
    'CAST(json_data.i AS TIMESTAMP) AS it',
  ])
  const run = (json: string): Record<string, unknown> => JSON.parse(project(p, record(json)).line)
  assert.deepEqual(run('{"s":" 12.9 ","d":-3.99,"b":true,"i":4294967297}'), {
    si: 12,
    sd: 12.9,
    di: -3,
    dl: -3,
    ds: '-3.99',
    bi: 1,
    ii: 1,
    it: '2106-02-07T06:28:17.000Z',
  })
  assert.equal(
    project(p, record('{"s":"yes","d":1e300}')).line,
    '{"sb":true,"di":2147483647,"dl":9223372036854775807,"ds":"1.0E300"}',
  )
  assert.deepEqual(run('{"s":"abc","d":"NaN"}'), { di: 0, dl: 0, ds: 'NaN' })
  assert.deepEqual(run('{"s":"Infinity"}'), { sd: 'Infinity' })
})

function selectError(select: string[], opts = {}): { message: string } {
  try {
    projection('message STRING, meta STRUCT<a: INT>', select, opts)
  } catch (err) {
    assert.ok(isSluiceError(err), String(err))
    return err
  }
  assert.fail(`expected ${select.join(', ')} to be rejected`)
}

test('select errors name the expression and list what is supported', () => {
  const cases: [string[], RegExp][] = [
    [['upper(json_data.message)'], /"upper\(json_data.message\)": function 'upper' is not supported/],
    [['json_data.nope'], /'json_data' has no field 'nope'; its fields are message, meta/],
    [['json_data.message.x'], /'json_data.message' is STRING, so it has no field 'x'/],
    [['nope'], /column 'nope' does not exist/],
    [['headers'], /includeHeaders/],
    [['CAST(timestamp AS FLOAT)'], /CAST to FLOAT is not supported/],
    [['CAST(json_data.meta AS INT)'], /cannot cast STRUCT to INT/],
    [['date_format(offset, "yyyy")'], /date_format needs a TIMESTAMP/],
    [['date_format(timestamp)'], /takes two arguments/],
    [['*'], /'\*' is not supported/],
    [['json_data.message AS'], /expected an alias after AS/],
    [['json_data.message extra words'], /unexpected text/],
    [['json_data.*', 'json_data.message'], /two columns named 'message' and 'message'/],
    [['topic', 'json_data.message AS TOPIC'], /two columns named 'topic' and 'TOPIC'/],
    [['json_data.message;'], /unexpected character ';'/],
  ]
  for (const [select, re] of cases) {
    const e = selectError(select)
    assert.match(e.message, re, select.join(', '))
    assert.match(e.message, /Supported: json_data\.\*/)
    assert.ok(isSluiceError(e, 'SLUICE_CONFIG_SELECT'))
  }
  const part = selectError(['json_data.*'], { partitionBy: ['dt'] })
  assert.ok(isSluiceError(part, 'SLUICE_CONFIG_PARTITION_BY'))
  assert.match(part.message, /column 'dt' is not in the select output \(message, meta\)/)
  assert.match(selectError(['json_data.*'], { partitionBy: ['meta'] }).message, /atomic/)
  assert.match(selectError(['json_data.message'], { partitionBy: ['message'] }).message, /every output column/)
})

test('headers with includeHeaders: array of {key, value(base64)}, null when absent', () => {
  const p = projection('a INT', ['headers', 'offset'], { includeHeaders: true })
  const rec = record(null, { headers: [{ key: 'h1', value: Buffer.from('v') }, { key: 'h2', value: null }] })
  assert.equal(project(p, rec).line, '{"headers":[{"key":"h1","value":"dg=="},{"key":"h2"}],"offset":42}')
  assert.equal(project(p, record(null)).line, '{"offset":42}')
})

test('partition values render like CAST(... AS STRING) and are Hive-escaped', () => {
  const p = projection('k STRING, n INT, t TIMESTAMP, msg STRING', ['json_data.*'], { partitionBy: ['k', 'n', 't'] })
  const run = (json: string): string => project(p, record(json)).partitionPath
  assert.equal(run('{"k":"a/b","n":1,"t":"2025-07-02T23:00:00.5Z"}'), 'k=a%2Fb/n=1/t=2025-07-02 23%3A00%3A00.5')
  assert.equal(run('{"k":"..","n":-1}'), 'k=../n=-1/t=__HIVE_DEFAULT_PARTITION__')
  assert.equal(run('{"k":"","t":"2025-07-02T23:00:00Z"}'), 'k=__HIVE_DEFAULT_PARTITION__/n=__HIVE_DEFAULT_PARTITION__/t=2025-07-02 23%3A00%3A00')
  // Whatever the value, the path has exactly one segment per partition column.
  for (const k of ['../../etc', '/', 'a=b', '%2F', '..\\..', 'x\ny', '']) {
    const path = run(JSON.stringify({ k, n: 1 }))
    assert.equal(path.split('/').length, 3, path)
    assert.ok(!path.split('/').includes('..') || path.startsWith('k=..'), path)
  }
  assert.equal(project(p, record('{"msg":"m","k":"x"}')).line, '{"msg":"m"}', 'partition columns stay out of the line')
})
