/**
 * from_json parity with Spark itself (issue 10 item 6): the same corpus of Kafka values parsed by
 * Spark 3.5's from_json (a batch DataFrame: CAST(value AS STRING), the schema, Spark's default
 * options, PERMISSIVE) and by sluice's projection, compared row for row as the JSON writer prints
 * the json_data columns (nulls omitted, so a null field and a missing field agree, and
 * _corrupt_record tells which rows were malformed).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileProjection, parseSchema } from '../../src/sql/index.js'
import type { ProjectedRow } from '../../src/sql/index.js'
import { useSharedSpark } from './shared-spark.js'
import { projectLikeReadTask } from '../helpers/row-sink.js'
import { kafkaRecord } from './records.js'
import { PARITY_SCHEMA, PARITY_VALUES, SPARK_FAILS } from './corpus.js'

const sparkPeer = useSharedSpark()


function sluiceLines(schema: string, values: (Buffer | null)[], jsonOptions?: Record<string, boolean>): string[] {
  const p = compileProjection({
    schema: parseSchema(schema),
    select: ['json_data.*'],
    partitionBy: [],
    timeZone: 'UTC',
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: '_corrupt_record',
    includeHeaders: false,
    ...(jsonOptions === undefined ? {} : { jsonOptions: { ...DEFAULTS, ...jsonOptions } }),
  })
  return values.map((v) => {
    const out: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
    projectLikeReadTask(p, kafkaRecord(v), out)
    return out.line
  })
}

const DEFAULTS = {
  allowSingleQuotes: true,
  allowNonNumericNumbers: true,
  allowUnquotedFieldNames: false,
  allowComments: false,
  allowNumericLeadingZeros: false,
  allowBackslashEscapingAnyCharacter: false,
  allowUnquotedControlChars: false,
}

async function sparkLines(schema: string, values: (Buffer | null)[], options: Record<string, string> = {}): Promise<string[]> {
  const r = await sparkPeer().request<{ lines: string[] }>({
    op: 'from_json',
    schema,
    options,
    values: values.map((v) => (v === null ? null : v.toString('base64'))),
  })
  return r.lines
}

function differences(values: (Buffer | null)[], want: string[], got: string[]): string[] {
  assert.equal(got.length, want.length)
  const out: string[] = []
  for (let i = 0; i < want.length; i++) {
    if (want[i] !== got[i]) {
      const v = values[i]
      const cut = (s: string | undefined): string => (s === undefined || s.length < 300 ? String(s) : s.slice(0, 300) + '...')
      out.push(`value ${v === null ? 'null' : cut(JSON.stringify(v.toString('utf8')))}\n  spark:  ${cut(want[i])}\n  sluice: ${cut(got[i])}`)
    }
  }
  return out
}

test("sluice's from_json reads the edge-case corpus as Spark's from_json does, row for row", { timeout: 300_000 }, async () => {
  const want = await sparkLines(PARITY_SCHEMA, PARITY_VALUES)
  const got = sluiceLines(PARITY_SCHEMA, PARITY_VALUES)
  const diff = differences(PARITY_VALUES, want, got)
  assert.deepEqual(diff, [], `${diff.length} of ${want.length} rows differ:\n${diff.join('\n')}`)
})

test('the from_json options by their Spark names change what is accepted as they do in Spark', { timeout: 300_000 }, async () => {
  const flipped = {
    allowSingleQuotes: false,
    allowNonNumericNumbers: false,
    allowUnquotedFieldNames: true,
    allowComments: true,
    allowNumericLeadingZeros: true,
    allowBackslashEscapingAnyCharacter: true,
    allowUnquotedControlChars: true,
  }
  const options = Object.fromEntries(Object.entries(flipped).map(([k, v]) => [k, String(v)]))
  const want = await sparkLines(PARITY_SCHEMA, PARITY_VALUES, options)
  const got = sluiceLines(PARITY_SCHEMA, PARITY_VALUES, flipped)
  const diff = differences(PARITY_VALUES, want, got)
  assert.deepEqual(diff, [], `${diff.length} of ${want.length} rows differ:\n${diff.join('\n')}`)
})

test('an impossible calendar date fails the whole Spark query; sluice counts the record as malformed', { timeout: 120_000 }, async () => {
  for (const text of SPARK_FAILS) {
    const value = Buffer.from(text)
    await assert.rejects(sparkLines('dt DATE, _corrupt_record STRING', [value]), /INCONSISTENT_BEHAVIOR_CROSS_VERSION/)
    assert.deepEqual(sluiceLines('dt DATE, _corrupt_record STRING', [value]), [JSON.stringify({ _corrupt_record: text })])
  }
})
