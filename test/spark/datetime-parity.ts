/**
 * from_json's timestampFormat / dateFormat / enableDateTimeParsingFallback against Spark 3.5's own
 * from_json (issue 10): each case's values are parsed by both engines under the same options and
 * session zone and compared row for row (as the JSON writer prints them; `_corrupt_record` shows
 * which rows did not match). sluice parses as Spark's new parser does, so the comparison runs with
 * spark.sql.legacy.timeParserPolicy=CORRECTED; the last test shows what Spark's default policy
 * (EXCEPTION) does instead with a value only its legacy parser reads.
 *
 * The peer collects through the JVM Dataset's toJSON (test/spark/spark_peer.py json_lines), not
 * PySpark's RDD toJSON: an RDD action does not carry spark.conf.set values to its tasks, which is
 * why an earlier version of this comparison met SparkUpgradeException under CORRECTED.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileProjection, parseSchema, SPARK_JSON_READ_DEFAULTS } from '../../src/sql/index.js'
import type { ProjectedRow } from '../../src/sql/index.js'
import { useSharedSpark } from './shared-spark.js'
import { kafkaRecord } from './records.js'

const sparkPeer = useSharedSpark()

const SCHEMA = 'ts TIMESTAMP, d DATE, _corrupt_record STRING'

interface Case {
  options: { timestampFormat?: string; dateFormat?: string; enableDateTimeParsingFallback?: boolean }
  /** [ts value, d value] pairs; a number is written as a JSON number, undefined is left out. */
  rows: [string | number | undefined, string | undefined][]
  zone?: string
}

export const DATETIME_CASES: Case[] = [
  {
    options: { timestampFormat: 'dd/MM/yyyy HH:mm', dateFormat: 'dd/MM/yyyy' },
    rows: [
      ['05/03/2024 07:08', '06/03/2024'],
      ['2024-03-05T07:08:00Z', '2024-03-06'],
      ['05/03/2024 07:08:09', '06/03/24'],
      ['31/04/2024 07:08', '31/04/2024'],
      ['29/02/2024 23:59', '29/02/2023'],
      [1709622480, '123'],
      ['05/03/2024 24:00', ''],
      ['05/03/2024 07:08 ', ' 06/03/2024'],
    ],
  },
  {
    options: { timestampFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", dateFormat: 'yyyyMMdd' },
    rows: [
      ['2024-03-05T07:08:09.123Z', '20240306'],
      ['2024-03-05T07:08:09.1+09:00', '2024036'],
      ['2024-03-05T07:08:09.1234+09:00', '202403066'],
      ['2024-03-05T07:08:09Z', '20241306'],
      ['2024-03-05T07:08:09.123+0900', '19991231'],
      ['2024-03-05t07:08:09.123z', '00010101'],
    ],
  },
  {
    options: { timestampFormat: 'yyyyMMddHHmmss', dateFormat: 'MMM d, yyyy' },
    rows: [
      ['20240305070809', 'Mar 6, 2024'],
      ['2024030507080', 'mar 06, 2024'],
      ['202403050708091', 'March 6, 2024'],
      ['20241305070809', 'MAR 6, 2024'],
    ],
  },
  {
    // RFC 1123 without the day name (Spark 3.5 refuses E for parsing: the last test).
    options: { timestampFormat: 'dd MMM yyyy HH:mm:ss Z', dateFormat: 'dd MMMM yyyy' },
    rows: [
      ['05 Mar 2024 07:08:09 +0000', '06 March 2024'],
      ['05 mar 2024 07:08:09 -0530', '06 march 2024'],
      ['5 Mar 2024 07:08:09 +0000', '06 Mar 2024'],
      ['05 Mar 2024 07:08:09 Z', '6 March 2024'],
    ],
  },
  {
    options: { timestampFormat: 'yyyy-MM-dd HH:mm[:ss][.SSS]', dateFormat: 'yyyy-MM-dd[ HH:mm]' },
    rows: [
      ['2024-03-05 07:08', '2024-03-06'],
      ['2024-03-05 07:08:09', '2024-03-06 07:08'],
      ['2024-03-05 07:08:09.5', '2024-03-06 25:08'],
      ['2024-03-05 07:08.5', '2024-03-06 07'],
      ['2024-03-05 07:08:09.12345', '2024-3-06'],
    ],
  },
  {
    options: { timestampFormat: 'yyyy-MM-dd hh:mm a', dateFormat: 'yy-M-d' },
    rows: [
      ['2024-03-05 12:30 AM', '24-3-6'],
      ['2024-03-05 12:30 pm', '24-03-06'],
      ['2024-03-05 01:30 PM', '99-12-31'],
      ['2024-03-05 13:30 PM', '2024-3-6'],
    ],
  },
  {
    options: { timestampFormat: 'yyyy-MM-dd HH:mm VV', dateFormat: 'yyyy-MM' },
    rows: [
      ['2024-03-05 07:08 Asia/Seoul', '2024-03'],
      ['2024-03-05 07:08 UTC', '2024-3'],
      ['2024-03-05 07:08 Europe/Paris', '2024-13'],
      ['2024-03-05 07:08 Mars/Olympus', '2024'],
    ],
  },
  {
    // The session zone reads a pattern without an offset: Seoul, and New York's DST gap.
    options: { timestampFormat: 'yyyy-MM-dd HH:mm', dateFormat: 'yyyy-MM-dd' },
    zone: 'America/New_York',
    rows: [
      ['2024-03-10 02:30', '2024-03-10'],
      ['2024-11-03 01:30', '2024-11-03'],
      ['2024-03-05 07:08', undefined],
    ],
  },
  {
    options: { timestampFormat: 'yyyy-MM-dd HH:mm', dateFormat: 'dd.MM.yyyy' },
    zone: 'Asia/Seoul',
    rows: [
      ['2024-03-05 07:08', '06.03.2024'],
      ['2024-03-05T07:08:00+01:00', '2024-03-06'],
    ],
  },
  {
    options: { timestampFormat: 'dd/MM/yyyy HH:mm', dateFormat: 'dd/MM/yyyy', enableDateTimeParsingFallback: true },
    rows: [
      ['05/03/2024 07:08', '06/03/2024'],
      ['2024-03-05T07:08:00Z', '2024-03-06'],
      ['2024-03-05 07:08', '123'],
      ['junk', 'junk'],
    ],
  },
  {
    options: { enableDateTimeParsingFallback: false },
    rows: [
      ['2024-03-05T07:08:09.123+09:00', '2024-03-06'],
      ['2024-03-05 07:08', '2024-3-6'],
      ['2024-03-05', '123'],
    ],
  },
]

function texts(c: Case): string[] {
  return c.rows.map(([ts, d]) => {
    const o: Record<string, unknown> = {}
    if (ts !== undefined) o.ts = ts
    if (d !== undefined) o.d = d
    return JSON.stringify(o)
  })
}

function sluiceLines(c: Case, values: string[]): string[] {
  const p = compileProjection({
    schema: parseSchema(SCHEMA),
    select: ['json_data.*'],
    partitionBy: [],
    timeZone: c.zone ?? 'UTC',
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: '_corrupt_record',
    includeHeaders: false,
    jsonOptions: { ...SPARK_JSON_READ_DEFAULTS, ...c.options },
  })
  return values.map((v) => {
    const out: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
    p.project(kafkaRecord(Buffer.from(v)), out)
    return out.line
  })
}

async function sparkLines(options: Case['options'], values: string[]): Promise<string[]> {
  const r = await sparkPeer().request<{ lines: string[] }>({
    op: 'from_json',
    schema: SCHEMA,
    options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)])),
    values: values.map((v) => Buffer.from(v).toString('base64')),
  })
  return r.lines
}

async function withConf<T>(conf: Record<string, string>, undo: Record<string, string>, run: () => Promise<T>): Promise<T> {
  await sparkPeer().request({ op: 'conf', conf })
  try {
    return await run()
  } finally {
    await sparkPeer().request({ op: 'conf', conf: undo })
  }
}

test("from_json's timestampFormat and dateFormat read each value as Spark's from_json does (CORRECTED parser)", { timeout: 300_000 }, async () => {
  const diffs: string[] = []
  let rows = 0
  for (const c of DATETIME_CASES) {
    const values = texts(c)
    const want = await withConf(
      { 'spark.sql.legacy.timeParserPolicy': 'CORRECTED', 'spark.sql.session.timeZone': c.zone ?? 'UTC' },
      { 'spark.sql.legacy.timeParserPolicy': 'EXCEPTION', 'spark.sql.session.timeZone': 'UTC' },
      () => sparkLines(c.options, values),
    )
    const got = sluiceLines(c, values)
    assert.equal(got.length, want.length)
    rows += values.length
    for (let i = 0; i < values.length; i++) {
      if (want[i] !== got[i]) diffs.push(`${JSON.stringify(c.options)} ${c.zone ?? 'UTC'} ${values[i]}\n  spark:  ${want[i]}\n  sluice: ${got[i]}`)
    }
  }
  assert.deepEqual(diffs, [], `${diffs.length} of ${rows} rows differ:\n${diffs.join('\n')}`)
})

test("under Spark's default policy (EXCEPTION) a value only the legacy parser reads fails Spark's query; sluice marks it corrupt", { timeout: 120_000 }, async () => {
  const c: Case = { options: { timestampFormat: 'dd/MM/yyyy HH:mm' }, rows: [['5/3/2024 07:08', undefined]] }
  const values = texts(c)
  await assert.rejects(sparkLines(c.options, values), /INCONSISTENT_BEHAVIOR_CROSS_VERSION/)
  assert.deepEqual(sluiceLines(c, values), [JSON.stringify({ _corrupt_record: values[0] })])
})

test("a pattern with E or F (day of the week): Spark 3.5 refuses it for parsing and fails the query; sluice refuses the job's config", { timeout: 120_000 }, async () => {
  for (const timestampFormat of ['EEE, dd MMM yyyy HH:mm:ss Z', 'yyyy-MM-dd F']) {
    const c: Case = { options: { timestampFormat }, rows: [['Tue, 05 Mar 2024 07:08:09 +0000', undefined]] }
    const values = texts(c)
    await withConf({ 'spark.sql.legacy.timeParserPolicy': 'CORRECTED' }, { 'spark.sql.legacy.timeParserPolicy': 'EXCEPTION' }, () =>
      assert.rejects(sparkLines(c.options, values), /DATETIME_PATTERN_RECOGNITION/),
    )
    assert.throws(() => sluiceLines(c, values), /cannot be used for parsing: Spark 3\.5 refuses it too/)
  }
})
