/**
 * sink.compression per codec and the JSON writer options through the real CLI on the embedded
 * stack (mock Kafka + s3rver): each codec's files carry Spark's extension and decode
 * (test/helpers/output-codecs.ts, independent decoders) to every produced record exactly once,
 * via `_spark_metadata`; mode DROPMALFORMED leaves malformed records out and counts them; the
 * writer options change the lines as configured.
 */
import assert from 'node:assert/strict'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { join } from 'node:path'
import { test } from 'node:test'
import { pino } from 'pino'
import { loadJob, startQuery, type StreamingQueryProgress } from '../../src/index.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY } from '../helpers/s3rver.js'
import { CODECS } from '../../src/worker/compressors.js'
import { OutputReader } from '../helpers/output-reader.js'
import { downloadAll, parquetRows } from '../helpers/parquet-readers.js'
import { DECODE, codecOfKey } from '../helpers/output-codecs.js'
import { assertExactlyOnce, loadgen, messagesOfLines, produceLines, producedMessages, runCli, s3Job, useStack, writeJob } from '../helpers/toolkit.js'

const BUCKET = 'codecs'
const ctx = useStack({ buckets: [BUCKET], tempPrefix: 'sluice-codecs-' })

function client(): S3Client {
  return new S3Client({
    endpoint: ctx.stack.env.S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
  })
}

/** The lines of every committed data file (decoded by its extension) and the file keys. */
async function committedLines(prefix: string, lineSep = '\n'): Promise<{ keys: string[]; lines: string[] }> {
  const reader = new OutputReader({ endpoint: ctx.stack.env.S3_ENDPOINT!, bucket: BUCKET, prefix: `${prefix}/out` })
  const keys = await reader.committedPaths()
  const s3 = client()
  const lines: string[] = []
  for (const path of keys) {
    const key = path.slice(path.indexOf(`${prefix}/out/`))
    const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    const text = DECODE[codecOfKey(key)](Buffer.from(await r.Body!.transformToByteArray())).toString('utf8')
    assert.ok(text === '' || text.endsWith(lineSep), `${key} ends with the line separator`)
    lines.push(...text.split(lineSep).filter((l) => l !== ''))
  }
  return { keys, lines }
}

async function drain(name: string, topic: string, sink: Record<string, unknown>) {
  const job = s3Job({ name, bucket: BUCKET, prefix: name, topic, sink: { partitionBy: ['dt'], ...sink }, extra: { select: ['json_data.*', 'timestamp AS kafka_timestamp', "date_format(timestamp, 'yyyy-MM-dd') AS dt"] } })
  return runCli(['run', await writeJob(ctx.dir, name, job), '--trigger', 'availableNow'], ctx.stack.env)
}

test('every codec: files with Spark\'s extension that decode to each record exactly once', { timeout: 240_000 }, async () => {
  await loadgen(ctx.stack, 'rows', 2, 3000, ['--time-span-hours', '30'])
  const { messages } = await producedMessages(ctx.stack.kafka.bootstrap, 'rows')
  for (const codec of CODECS) {
    const run = await drain(`c-${codec}`, 'rows', { compression: codec })
    assert.equal(run.code, 0, run.stderr)
    const { keys, lines } = await committedLines(`c-${codec}`)
    assert.ok(keys.length >= 2, `${codec}: several files (${keys.length})`)
    for (const k of keys) assert.equal(codecOfKey(k), codec, `${k} has ${codec}'s extension`)
    assertExactlyOnce(messagesOfLines(lines), messages, `${codec} via _spark_metadata`)
  }
})

test('DROPMALFORMED leaves malformed records out and counts them; the writer options shape the lines', { timeout: 120_000 }, async () => {
  await ctx.stack.kafka.createTopic('mixed', 1)
  await produceLines(ctx.stack.kafka.bootstrap, 'mixed', ['{"message":"ok-1","n":1}', '{"message": broken', '{"message":"ok-2"}', '{"message":"bad-n","n":"x"}', '[1]'], 0)
  const job = s3Job({
    name: 'dropmalformed',
    bucket: BUCKET,
    prefix: 'dropmalformed',
    topic: 'mixed',
    sink: { trigger: 'availableNow', mode: 'DROPMALFORMED', ignoreNullFields: false, timestampFormat: 'yyyy/MM/dd HH:mm:ss', lineSep: '\r\n', compression: 'snappy' },
    extra: { schema: 'message STRING, n INT', select: ['json_data.*', 'timestamp AS kafka_timestamp'] },
  })
  // In-process (the progress events carry the count): literal endpoints and credentials.
  Object.assign(job.source as object, { 'kafka.bootstrap.servers': ctx.stack.kafka.bootstrap })
  job.s3 = { endpoint: ctx.stack.s3.endpoint, forcePathStyle: true, region: 'us-east-1', accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }
  const query = await startQuery(await loadJob(await writeJob(ctx.dir, 'dropmalformed', job)), { logger: pino({ level: 'silent' }) })
  const progress: StreamingQueryProgress[] = []
  query.on('progress', (p) => progress.push(p))
  await query.awaitTermination()
  assert.equal(progress.reduce((n, p) => n + p.numInputRows, 0), 5)
  assert.equal(progress.reduce((n, p) => n + p.sluice.corruptRows, 0), 3, 'the dropped records are counted')
  const { lines } = await committedLines('dropmalformed', '\r\n')
  const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => String(a.message).localeCompare(String(b.message)))
  assert.deepEqual(rows.map((r) => [r.message, r.n]), [['ok-1', 1], ['ok-2', null]], 'null fields written, malformed rows dropped')
  assert.ok(lines.every((l) => l.includes('"n":')), 'ignoreNullFields: false writes "n":null')
  for (const r of rows) assert.match(String(r.kafka_timestamp), /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/)
})

/** Records of every kind of column the Parquet test writes (some fields null or missing, one malformed). */
function wideLines(n: number): string[] {
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    const r: Record<string, unknown> = {
      message: i % 7 === 0 ? `é-ünïcode-${i}` : `m-${i}`,
      n: i % 5 === 0 ? null : i * 3 - 100,
      l: i % 11 === 0 ? Number.MAX_SAFE_INTEGER - i : i * 1_000_003,
      d: i % 3 === 0 ? 1e-7 * i : i / 8,
      f: i % 2 === 0 ? 1.5 : -2.25,
      b: i % 4 === 0,
      day: `2026-0${1 + (i % 9)}-1${i % 10}`,
      ts: `2026-11-30T1${i % 10}:0${i % 6}:1${i % 10}.${String(i % 1000).padStart(3, '0')}Z`,
      tags: i % 6 === 0 ? [] : i % 6 === 1 ? null : [`t${i}`, null, `u${i}`],
      attrs: i % 5 === 1 ? null : { a: i, b: -i },
      pos: i % 8 === 0 ? null : { x: i / 2, y: i % 3 === 0 ? null : -i },
    }
    if (i % 9 !== 0) r.amt = `${i % 2 === 0 ? '' : '-'}${i}.${String(i % 100).padStart(2, '0')}`
    r.big = `1234567890123456789${i % 10}.${String(i % 1000).padStart(3, '0')}`
    // Decimals as JSON numbers (from_json reads them exactly from the text).
    lines.push(JSON.stringify(r).replace(/"(amt|big)":"([-\d.]+)"/g, '"$1":$2'))
  }
  lines.push('{"message": broken')
  return lines
}

const WIDE_SCHEMA = 'message STRING, n INT, l BIGINT, d DOUBLE, f FLOAT, b BOOLEAN, amt DECIMAL(10,2), big DECIMAL(25,3), day DATE, ts TIMESTAMP, tags ARRAY<STRING>, attrs MAP<STRING,INT>, pos STRUCT<x: DOUBLE, y: DOUBLE>'
const WIDE_SELECT = ['json_data.*', 'offset', 'timestamp AS kafka_timestamp', "date_format(timestamp, 'yyyy-MM-dd') AS dt"]

/** A JSON output line in parquet_rows.py's canonical form (decimals as text, timestamps in µs). */
function canonicalJsonRow(line: string): Record<string, unknown> {
  const r = JSON.parse(line.replace(/"(amt|big)":(-?[\d.]+)/g, '"$1":"$2"')) as Record<string, unknown>
  for (const k of ['ts', 'kafka_timestamp']) if (typeof r[k] === 'string') r[k] = Date.parse(r[k] as string) * 1000
  return r
}

test('format parquet: pyarrow and DuckDB read back the values the JSON path writes, snappy and gzip, TIMESTAMP_MICROS and INT96', { timeout: 240_000 }, async () => {
  await ctx.stack.kafka.createTopic('wide', 1)
  await produceLines(ctx.stack.kafka.bootstrap, 'wide', wideLines(400), 0)
  const job = (name: string, sink: Record<string, unknown>, conf: Record<string, unknown> = {}) =>
    s3Job({ name, bucket: BUCKET, prefix: name, topic: 'wide', sink: { partitionBy: ['dt', 'b'], ...sink }, extra: { schema: WIDE_SCHEMA, select: WIDE_SELECT, conf: { 'spark.sql.session.timeZone': 'UTC', ...conf } } })
  const json = await runCli(['run', await writeJob(ctx.dir, 'w-json', job('w-json', {})), '--trigger', 'availableNow'], ctx.stack.env)
  assert.equal(json.code, 0, json.stderr)
  const expected = (await committedLines('w-json')).lines.map(canonicalJsonRow).sort((a, b) => Number(a.offset) - Number(b.offset))
  assert.equal(expected.length, 401)
  for (const [codec, ext, tsType] of [
    [undefined, '.snappy.parquet', undefined],
    ['gzip', '.gz.parquet', 'INT96'],
  ] as const) {
    const name = `w-pq-${codec ?? 'default'}`
    const conf = tsType === undefined ? {} : { 'spark.sql.parquet.outputTimestampType': tsType }
    const run = await runCli(['run', await writeJob(ctx.dir, name, job(name, { format: 'parquet', ...(codec === undefined ? {} : { compression: codec }) }, conf)), '--trigger', 'availableNow'], ctx.stack.env)
    assert.equal(run.code, 0, run.stderr)
    const reader = new OutputReader({ endpoint: ctx.stack.env.S3_ENDPOINT!, bucket: BUCKET, prefix: `${name}/out` })
    try {
      const keys = (await reader.committedPaths()).map((p) => reader.keyOfPath(p))
      assert.ok(keys.length >= 2, `${name}: several files (${keys.length})`)
      for (const k of keys) assert.match(k, new RegExp(`/dt=[^/]+/b=(true|false|__HIVE_DEFAULT_PARTITION__)/part-\\d{5}-[0-9a-f-]{36}-c000${ext.replace(/\./g, '\\.')}$`))
      const files = await downloadAll(reader, keys, join(ctx.dir, name))
      for (const via of ['pyarrow', 'duckdb'] as const) {
        const got = (await parquetRows(via, files)).sort((a, b) => Number(a.offset) - Number(b.offset))
        assert.deepEqual(got, expected, `${name} read by ${via}`)
      }
    } finally {
      reader.close()
    }
  }
})
