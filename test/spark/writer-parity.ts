/**
 * The JSON writers side by side (issue 10 item 5): the same rows written by Spark 3.5's JSON
 * writer (DataFrameWriter.json, coalesce(1), the row order kept) and by sluice's projection must
 * be the same bytes line by line: field order, number formats, escapes, timestamps in the
 * session zone (UTC and Asia/Seoul), nulls omitted. The rows are built the way the job builds
 * them: from_json of a Kafka-like value plus the Kafka timestamp, with dt/dth from date_format.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { compileProjection, parseSchema } from '../../src/sql/index.js'
import type { ProjectedRow } from '../../src/sql/index.js'
import { useSharedSpark } from './shared-spark.js'
import { projectLikeReadTask } from '../helpers/row-sink.js'
import { kafkaRecord } from './records.js'

const sparkPeer = useSharedSpark()
let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-writer-parity-'))
})
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const SCHEMA =
  's STRING, i INT, l BIGINT, d DOUBLE, f FLOAT, dec DECIMAL(20,4), dec0 DECIMAL(10,0), b BOOLEAN, ts TIMESTAMP, dt0 DATE, ' +
  'bin BINARY, arr ARRAY<DOUBLE>, m MAP<STRING,STRING>, st STRUCT<x: INT, y: STRING, z: ARRAY<STRING>>'
const SELECT = [
  'json_data.*',
  'timestamp AS kafka_timestamp',
  "date_format(timestamp, 'yyyy-MM-dd') AS dt",
  "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth",
  'CAST(json_data.d AS STRING) AS d_text',
  'CAST(timestamp AS STRING) AS ts_text',
]

const doubles = ['1', '1.0', '-0.0', '0', '0.1', '1e7', '9999999', '1.0E-4', '0.001', '123456.789', '1e21', '1e22', '5e-324',
  '1.7976931348623157E308', '2.2250738585072014E-308', '3.141592653589793', '100', '1.5e300', '-2.5e-5', '"NaN"', '"Infinity"', '"-Infinity"']
const floats = ['1', '0.1', '3.4028235E38', '1.4E-45', '1e7', '1.0E-4', '16777217', '0.3', '"NaN"']
const strings = ['"plain"', '"quote \\" backslash \\\\ slash \\/"', '"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t"', '"\\u007f del"', '"한글 ünïcødé"',
  '"emoji 😀 \\ud83d\\ude00"', '"sep \\u2028 \\u2029"', '"lone \\udc00"', '""', '"<script>&\'"', '12', '1.50', '{"k":[1,{"z":null}]}']
const timestamps = ['"2025-07-02T14:59:59.999Z"', '"2025-07-02T15:00:00Z"', '"2025-07-02T23:00:00.123456+09:00"', '"1969-12-31T23:59:59.5Z"',
  '"2024-02-29T12:00:00Z"', '"0001-01-01T00:00:00Z"', '1751497200']

function values(): { json: string; ts: number }[] {
  const out: { json: string; ts: number }[] = []
  const kafkaTimes = [Date.UTC(2025, 6, 2, 14, 59, 59, 999), Date.UTC(2025, 6, 2, 15, 0, 0, 0), Date.UTC(2025, 11, 31, 23, 30), 0, Date.UTC(1999, 0, 1, 0, 0, 0, 7)]
  const n = Math.max(doubles.length, floats.length, strings.length, timestamps.length)
  for (let k = 0; k < n; k++) {
    const parts = [
      `"s":${strings[k % strings.length]}`,
      `"d":${doubles[k % doubles.length]}`,
      `"f":${floats[k % floats.length]}`,
      `"ts":${timestamps[k % timestamps.length]}`,
      `"i":${k - 10}`,
      `"l":${k % 2 === 0 ? '9223372036854775807' : '-42'}`,
      `"dec":${k % 3 === 0 ? '"12.5"' : k % 3 === 1 ? '0.00001' : '-1234567890123456.1234'}`,
      `"dec0":${k % 2 === 0 ? '12345' : '0'}`,
      `"b":${k % 3 === 0 ? 'null' : k % 2 === 0 ? 'true' : 'false'}`,
      `"dt0":${k % 2 === 0 ? '"2025-07-02"' : '"1900-01-01"'}`,
      `"bin":${k % 2 === 0 ? '"aGVsbG8gd29ybGQ="' : '""'}`,
      `"arr":${k % 4 === 0 ? 'null' : `[1, null, ${doubles[(k + 3) % doubles.length]}]`}`,
      `"m":${k % 3 === 0 ? '{"b":"x","a":null,"":"empty","2":"two"}' : '{}'}`,
      `"st":${k % 3 === 0 ? '{"x":1,"y":null,"z":["a",null]}' : k % 3 === 1 ? '{}' : 'null'}`,
    ]
    out.push({ json: '{' + parts.join(',') + '}', ts: kafkaTimes[k % kafkaTimes.length]! })
  }
  return out
}

async function sparkWrites(timeZone: string, rows: { json: string; ts: number }[]): Promise<string[]> {
  await sparkPeer().request({ op: 'conf', conf: { 'spark.sql.session.timeZone': timeZone } })
  const out = join(dir, `spark-${timeZone.replace('/', '-')}`)
  await sparkPeer().request({
    op: 'write_json',
    path: `file://${out}`,
    schema: SCHEMA,
    select: SELECT,
    values: rows.map((r) => Buffer.from(r.json).toString('base64')),
    timestamps: rows.map((r) => r.ts),
  })
  const files = (await readdir(out)).filter((f) => f.startsWith('part-')).sort()
  let text = ''
  for (const f of files) text += await readFile(join(out, f), 'utf8')
  assert.ok(text.endsWith('\n'), 'Spark ends every line, the last one too, with \\n')
  return text.slice(0, -1).split('\n')
}

function sluiceWrites(timeZone: string, rows: { json: string; ts: number }[]): string[] {
  const p = compileProjection({
    schema: parseSchema(SCHEMA),
    select: SELECT,
    partitionBy: [],
    timeZone,
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: '_corrupt_record',
    includeHeaders: false,
  })
  return rows.map((r, i) => {
    const out: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
    projectLikeReadTask(p, kafkaRecord(Buffer.from(r.json), r.ts, i), out)
    assert.equal(out.corrupt, false, `row ${i} is not malformed: ${r.json}`)
    return out.line
  })
}

for (const zone of ['UTC', 'Asia/Seoul']) {
  test(`Spark's JSON writer and sluice's print the same bytes, line by line (session zone ${zone})`, { timeout: 300_000 }, async () => {
    const rows = values()
    const want = await sparkWrites(zone, rows)
    const got = sluiceWrites(zone, rows)
    assert.equal(got.length, want.length)
    const diff: string[] = []
    for (let i = 0; i < want.length; i++) {
      if (want[i] !== got[i]) diff.push(`row ${i} ${rows[i]!.json}\n  spark:  ${want[i]}\n  sluice: ${got[i]}`)
    }
    assert.deepEqual(diff, [], `${diff.length} of ${want.length} lines differ:\n${diff.join('\n')}`)
  })
}
