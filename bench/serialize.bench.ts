/**
 * JSON line serialisation: sluice's generated concatenation writer (what src/sql/projection.ts
 * generates) against JSON.stringify and fast-json-stringify, on the job's ~100-byte rows
 * {message, kafka_timestamp} and on a wider row. Also the whole per-record projection
 * (JSON.parse + from_json + select + date_format + line + partition path) for context.
 *
 * Run: node dist/bench/serialize.bench.js   (prints one JSON document)
 *
 * Correctness notes: JSON.stringify and fast-json-stringify print doubles the JavaScript way
 * (1 instead of Java's 1.0, 1e-7 instead of 1.0E-7) and control characters in lowercase hex,
 * so on the wide row (which holds doubles) only the sluice writer is Spark-compatible.
 */
import os from 'node:os'
import fastJson from 'fast-json-stringify'
import { type KafkaRecord, type ProjectedRow, compileProjection, jsonString, parseSchema } from '../src/sql/index.js'
import { valueWriter } from '../src/sql/json-writer.js'
import { TimestampFormatter } from '../src/sql/time-format.js'
import { getZone } from '../src/sql/time-zone.js'
import { measure, randomText, REPS } from './micro-lib.js'

const N = 200_000

// --- narrow rows: the job's {message, kafka_timestamp} -------------------------------------
const ROWS = 1024
const messages = Array.from({ length: ROWS }, (_, i) => randomText(50, i + 1))
const stamps = Array.from({ length: ROWS }, (_, i) => `2025-07-02T23:00:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z`)
const narrowObjs = messages.map((m, i) => ({ message: m, kafka_timestamp: stamps[i]! }))

const fjsNarrow = fastJson({
  type: 'object',
  properties: { message: { type: 'string' }, kafka_timestamp: { type: 'string' } },
})
// What projection.ts generates for this row (string + timestamp already rendered).
const codegenNarrow = new Function(
  'J',
  `return function (m, t) { let s = '{', c = ''; if (m !== null) { s += c + '"message":' + J(m); c = ','; } s += c + '"kafka_timestamp":' + '"' + t + '"'; return s + '}'; }`,
)(jsonString) as (m: string | null, t: string) => string
const codegenNarrowStringify = new Function(
  `return function (m, t) { let s = '{', c = ''; if (m !== null) { s += c + '"message":' + JSON.stringify(m); c = ','; } s += c + '"kafka_timestamp":' + '"' + t + '"'; return s + '}'; }`,
)() as (m: string | null, t: string) => string

const narrow = measure(
  [
    { name: 'sluice-codegen', fn: (i) => codegenNarrow(messages[i & 1023]!, stamps[i & 1023]!) },
    { name: 'codegen+JSON.stringify-escaper', fn: (i) => codegenNarrowStringify(messages[i & 1023]!, stamps[i & 1023]!) },
    { name: 'JSON.stringify', fn: (i) => JSON.stringify(narrowObjs[i & 1023]) },
    { name: 'fast-json-stringify', fn: (i) => fjsNarrow(narrowObjs[i & 1023]!) },
  ],
  N * 5,
)

// --- wide rows -------------------------------------------------------------------------------
const wideObjs = Array.from({ length: ROWS }, (_, i) => ({
  id: 1_000_000_000 + i,
  name: randomText(20, i + 7),
  message: messages[i]!,
  score: i * 0.25,
  ratio: 1 / (i + 3),
  active: i % 3 === 0,
  tags: ['alpha', 'beta', randomText(6, i)],
  kafka_timestamp: stamps[i]!,
  source: { host: 'host-' + (i % 17), port: 9092 },
}))
const wideSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    message: { type: 'string' },
    score: { type: 'number' },
    ratio: { type: 'number' },
    active: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    kafka_timestamp: { type: 'string' },
    source: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } },
  },
} as const
const fjsWide = fastJson(wideSchema)

// The real generated projection for the same wide row, driven from pre-parsed JSON lines, so
// that the writer (not the parse) dominates: its `project` includes JSON.parse of the value.
const wideProjection = compileProjection({
  schema: parseSchema(
    'id BIGINT, name STRING, message STRING, score DOUBLE, ratio DOUBLE, active BOOLEAN, tags ARRAY<STRING>, ' +
      'source STRUCT<host: STRING, port: INT>',
  ),
  select: ['json_data.id', 'json_data.name', 'json_data.message', 'json_data.score', 'json_data.ratio', 'json_data.active', 'json_data.tags', 'timestamp AS kafka_timestamp', 'json_data.source'],
  partitionBy: [],
  timeZone: 'UTC',
  mode: 'PERMISSIVE',
  columnNameOfCorruptRecord: '_corrupt_record',
  includeHeaders: false,
})
const wideValues = wideObjs.map((o) => {
  const { kafka_timestamp: _t, ...rest } = o
  return Buffer.from(JSON.stringify(rest))
})
const narrowValues = messages.map((m) => Buffer.from(JSON.stringify({ message: m })))
const rec: KafkaRecord = {
  topic: 't',
  partition: 0,
  offset: 0,
  timestamp: Date.UTC(2025, 6, 2, 23, 0, 0),
  timestampType: 0,
  buf: Buffer.alloc(0),
  keyStart: -1,
  keyEnd: -1,
  valueStart: 0,
  valueEnd: 0,
  headers: null,
}
const out: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
function runProjection(p: { project(r: KafkaRecord, o: ProjectedRow): void }, bufs: Buffer[], i: number): string {
  const b = bufs[i & 1023]!
  rec.buf = b
  rec.valueEnd = b.length
  rec.timestamp = 1751497200000 + i
  p.project(rec, out)
  return out.line
}
const parseOnly = (bufs: Buffer[], i: number): string => {
  const b = bufs[i & 1023]!
  return JSON.parse(b.toString('utf8', 0, b.length)) === null ? '' : 'x'
}

// Writer only: sluice's struct writer (closure-based, used for nested values; the generated
// top-level writer is at least as fast) over already-converted rows.
const wideType = { kind: 'struct' as const, fields: parseSchema(
  'id BIGINT, name STRING, message STRING, score DOUBLE, ratio DOUBLE, active BOOLEAN, tags ARRAY<STRING>, ' +
    'kafka_timestamp TIMESTAMP, source STRUCT<host: STRING, port: INT>',
) }
const wideWriter = valueWriter(wideType, new TimestampFormatter(getZone('UTC')))
const wideRows = wideObjs.map((o, i) => [o.id, o.name, o.message, o.score, o.ratio, o.active, o.tags, (1751497200000 + i) * 1000, [o.source.host, o.source.port]])

const wide = measure(
  [
    { name: 'sluice-writer-only', fn: (i) => wideWriter(wideRows[i & 1023]) },
    { name: 'sluice-projection(parse+write)', fn: (i) => runProjection(wideProjection, wideValues, i) },
    { name: 'JSON.parse-only(same input)', fn: (i) => parseOnly(wideValues, i) },
    { name: 'JSON.stringify', fn: (i) => JSON.stringify(wideObjs[i & 1023]) },
    { name: 'fast-json-stringify', fn: (i) => fjsWide(wideObjs[i & 1023]!) },
  ],
  N,
)

const jobProjection = compileProjection({
  schema: parseSchema('message STRING'),
  select: ['json_data.*', 'timestamp AS kafka_timestamp', "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"],
  partitionBy: ['dt', 'dth'],
  timeZone: 'Asia/Seoul',
  mode: 'PERMISSIVE',
  columnNameOfCorruptRecord: '_corrupt_record',
  includeHeaders: false,
})
const job = measure(
  [
    { name: 'sluice-job-projection(parse+write+partition)', fn: (i) => runProjection(jobProjection, narrowValues, i) },
    { name: 'JSON.parse-only(same input)', fn: (i) => parseOnly(narrowValues, i) },
  ],
  N * 2,
)

console.log(
  JSON.stringify(
    {
      bench: 'serialize',
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      repetitions: REPS,
      unit: 'rows/s (median, min, max)',
      narrowRowBytes: codegenNarrow(messages[0]!, stamps[0]!).length,
      wideRowBytes: runProjection(wideProjection, wideValues, 0).length,
      narrow,
      wide,
      job,
    },
    null,
    2,
  ),
)
