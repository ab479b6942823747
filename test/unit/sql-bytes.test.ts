/**
 * The byte projection (src/sql/projection-bytes.ts, json-scan.ts) against the string projection
 * (the exact path: from_json, JSON.parse, the lenient reader, the converters, the JSON writer) on
 * generated records: where the byte projection takes a record, its bytes and directory must be
 * the string projection's and the record must not be corrupt; it must take the ordinary records
 * and leave the ones it cannot be sure of.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Projection, ProjectionOptions } from '../../src/sql/index.js'
import { projectBytes } from '../helpers/row-sink.js'
import { project, projection, record } from './sql-helpers.js'

/** A seeded generator (the same records every run). */
function rng(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (x + 0x6d2b79f5) >>> 0
    let t = x
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Pick = <T>(xs: readonly T[]) => T

/** Pieces of string literals' bodies, as raw bytes: plain text and everything the scanner must handle or refuse. */
const STRING_PIECES: readonly (string | number[])[] = [
  'hello world',
  'lg-0f3a9c21-42 2025-07-02T23:00:00.000Z qkx ubq',
  '',
  'a',
  '\\"',
  '\\\\',
  '\\n',
  '\\t',
  '\\b',
  '\\f',
  '\\r',
  '\\/',
  '\\u0041',
  '\\u00e9',
  '\\u001f',
  '\\ud83d\\ude00',
  '\\ud800',
  '\\q',
  '\\',
  "'",
  'é',
  '😀',
  '\u2028',
  '\u007f',
  '日本',
  [0x01],
  [0x1f],
  [0x0a],
  [0xff],
  [0xc3],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98, 0x80],
]

function bytesOf(p: string | number[]): Buffer {
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)
}

function stringLiteral(r: () => number, pick: Pick): Buffer {
  const parts: Buffer[] = [Buffer.from('"')]
  const n = Math.floor(r() * 4)
  for (let i = 0; i < n; i++) {
    // Mostly plain text, so that most literals are copyable.
    parts.push(bytesOf(r() < 0.6 ? pick(STRING_PIECES.slice(0, 4)) : pick(STRING_PIECES)))
  }
  parts.push(Buffer.from(r() < 0.97 ? '"' : "'"))
  return Buffer.concat(parts)
}

const SCALARS = ['0', '-1', '12', '1.5', '1.0', '-0', '1e5', '2E-3', '01', '1.', '.5', '+1', 'true', 'false', 'null', 'nul', 'NaN', 'Infinity', '-Infinity', '12345678901234567890']

function value(r: () => number, pick: Pick, depth: number): Buffer {
  const x = r()
  if (x < 0.55) return stringLiteral(r, pick)
  if (x < 0.8 || depth > 2) return Buffer.from(pick(SCALARS))
  if (x < 0.9) {
    const n = Math.floor(r() * 3)
    const items = Array.from({ length: n }, () => value(r, pick, depth + 1))
    return Buffer.concat([Buffer.from('['), ...items.flatMap((v, i) => (i === 0 ? [v] : [Buffer.from(','), v])), Buffer.from(r() < 0.95 ? ']' : '')])
  }
  return object(r, pick, depth + 1)
}

const KEYS = ['message', 'message', 'message', 'id', 'level', 'Message', 'MESSAGE', 'other', '_corrupt_record', 'mess\\u0061ge', 'constructor', 'é', 'x y']

function ws(r: () => number, pick: Pick): string {
  return r() < 0.85 ? '' : pick([' ', '\n', '\t', '\r', '  ', '\f', '\u00a0'])
}

function object(r: () => number, pick: Pick, depth: number): Buffer {
  const n = Math.floor(r() * 4)
  const parts: Buffer[] = [Buffer.from('{' + ws(r, pick))]
  for (let i = 0; i < n; i++) {
    if (i > 0) parts.push(Buffer.from(r() < 0.98 ? ',' : ',,'))
    const key = r() < 0.03 ? `'${pick(KEYS)}'` : `"${pick(KEYS)}"`
    parts.push(Buffer.from(ws(r, pick) + key + ws(r, pick) + (r() < 0.99 ? ':' : '') + ws(r, pick)), value(r, pick, depth), Buffer.from(ws(r, pick)))
  }
  if (r() < 0.02) parts.push(Buffer.from(','))
  parts.push(Buffer.from(r() < 0.97 ? '}' : ''))
  return Buffer.concat(parts)
}

/** A whole record value: mostly an object, sometimes anything else, with white space or junk around it. */
function recordValue(r: () => number, pick: Pick): Buffer | null {
  const x = r()
  if (x < 0.02) return null
  if (x < 0.04) return Buffer.from(pick(['', ' ', '\n', '[1]', '"s"', '12', 'null', 'x', '\ufeff{}']))
  const body = x < 0.55 ? Buffer.from(`{"message":${JSON.stringify(`plain ${Math.floor(r() * 1e6)}`)}}`) : object(r, pick, 0)
  const tail = r() < 0.03 ? pick([' x', '}', ' {}', '\u0000']) : ws(r, pick)
  return Buffer.concat([Buffer.from(ws(r, pick)), body, Buffer.from(tail)])
}

const SEED_SELECT = ['json_data.*', 'timestamp AS kafka_timestamp', "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]

const PROJECTIONS: { name: string; schema: string; select: string[]; opts?: Partial<ProjectionOptions> }[] = [
  { name: 'the seed job', schema: 'message STRING', select: SEED_SELECT, opts: { partitionBy: ['dt', 'dth'] } },
  { name: 'two fields, the corrupt column, nulls written', schema: 'message STRING, level STRING, _corrupt_record STRING', select: ['json_data.*', 'offset', 'partition AS p'], opts: { writer: { ignoreNullFields: false } } },
  { name: 'aliases, a field twice, a zone with DST', schema: 'id STRING, message STRING', select: ['json_data.message AS m', 'json_data.id', 'json_data.message AS again', 'timestamp', "date_format(timestamp, 'yyyy-MM-dd HH:mm') AS local"], opts: { timeZone: 'America/New_York', partitionBy: ['local'] } },
  { name: 'FAILFAST, key and topic, a custom timestamp format', schema: 'message STRING, `x y` STRING', select: ['json_data.*', 'CAST(key AS STRING) AS k', 'topic', 'timestamp AS ts'], opts: { mode: 'FAILFAST', writer: { timestampFormat: "yyyy-MM-dd'T'HH:mm:ss" } } },
  { name: 'DROPMALFORMED, a non-ASCII field name, a fixed offset zone', schema: '`é` STRING, message STRING', select: ['json_data.*', 'timestamp AS t'], opts: { mode: 'DROPMALFORMED', timeZone: '+05:30' } },
]

for (const pr of PROJECTIONS) {
  test(`byte projection = string projection on generated records: ${pr.name}`, () => {
    const p = projection(pr.schema, pr.select, pr.opts)
    assert.notEqual(p.projectBytes, null, 'this projection has a byte form')
    const r = rng(0x5eed + pr.name.length)
    const pick: Pick = (xs) => xs[Math.floor(r() * xs.length)]!
    let taken = 0
    let left = 0
    let corrupt = 0
    const n = 6000
    for (let i = 0; i < n; i++) {
      const v = recordValue(r, pick)
      // Timestamps around a DST change and midnight, a new second every few records.
      // Now and then a timestamp before 1970, at the epoch, in year 1 or beyond year 9999.
      const ts = r() < 0.03 ? pick([-1, 0, -62135596800000, 253402300800123]) : Date.UTC(2025, 2, 9, 6, 59, 0) + Math.floor(r() * 3 * 3600 * 1000)
      const key = r() < 0.5 ? null : Buffer.from(`k${i}`)
      const rec = record(v === null ? null : v, { timestamp: ts, offset: i })
      if (key !== null) {
        rec.buf = Buffer.concat([rec.buf, key])
        rec.keyStart = rec.buf.length - key.length
        rec.keyEnd = rec.buf.length
      }
      const fast = projectBytes(p, rec)
      let expected: { line: string; partitionPath: string; corrupt: boolean } | null = null
      try {
        expected = project(p, rec)
      } catch (err) {
        assert.equal(fast, null, `record ${i} (${String(v)}): taken by the byte projection but refused by the string one: ${String(err)}`)
        corrupt++
        continue
      }
      if (expected.corrupt) corrupt++
      if (fast === null) {
        left++
        continue
      }
      taken++
      const what = `record ${i}: ${v === null ? 'null' : JSON.stringify(v.toString('latin1'))}`
      assert.equal(expected.corrupt, false, `${what}: corrupt, but taken by the byte projection`)
      assert.equal(fast.line.toString('latin1'), Buffer.from(expected.line, 'utf8').toString('latin1'), `${what}: another line`)
      assert.equal(fast.dir, expected.partitionPath, `${what}: another directory`)
    }
    // Not vacuous: the byte path takes most ordinary records, and the generator reaches both sides.
    assert.ok(taken > n * 0.5, `the byte projection took ${taken} of ${n}`)
    assert.ok(left > n * 0.1, `the byte projection left only ${left} of ${n}`)
    assert.ok(corrupt > n * 0.05, `only ${corrupt} corrupt records were generated`)
  })
}

test('the byte projection takes what it can copy and leaves what it cannot be sure of', () => {
  const p = projection('message STRING, id STRING', ['json_data.*'])
  const takes = (json: string | Buffer): boolean => projectBytes(p, record(json)) !== null
  for (const ok of ['{"message":"a"}', ' {"message" : "a\\"b\\\\c\\n" , "other":[1,{"x":null}] }\n', '{}', '{"message":null}', '{"message":"é😀"}', '{"Message":1}', '{"x":"\\u0041\\/"}', '{"id":"1","message":"2"}']) {
    assert.ok(takes(ok), `takes ${ok}`)
  }
  for (const no of ['{"message":"\\u0041"}', '{"message":"\\/"}', '{"message":1}', '{"message":true}', '{"message":{}}', '{"message":"a","message":"b"}', '{"mess\\u0061ge":"a"}', "{'message':'a'}", '{"message":"a"} x', '[1]', '', ' ', '{"x":01}', '{"x":NaN}', '{"x":"a\u0001"}']) {
    assert.ok(!takes(no), `leaves ${no}`)
  }
  assert.ok(!takes(Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xff]), Buffer.from('"}')])), 'a byte that is not UTF-8 in a field it copies')
  assert.ok(takes(Buffer.concat([Buffer.from('{"other":"'), Buffer.from([0xff]), Buffer.from('"}')])), 'such a byte in a field it skips')
  assert.equal(projectBytes(p, record(null)), null, 'a null value')
  // Nesting beyond the scanner's depth in a skipped field goes to the exact path.
  assert.ok(!takes(`{"x":${'['.repeat(70)}${']'.repeat(70)},"message":"a"}`))
  assert.ok(takes(`{"x":${'['.repeat(10)}${']'.repeat(10)},"message":"a"}`))
})

test('projections the byte path cannot serve have no byte form', () => {
  const none = (p: Projection): void => assert.equal(p.projectBytes, null)
  none(projection('message STRING, n INT', ['json_data.*']))
  none(projection('message STRING', ['json_data']))
  none(projection('message STRING', ['CAST(json_data.message AS INT) AS n']))
  none(projection('message STRING', ['json_data.*', 'json_data.message AS dt'], { partitionBy: ['dt'] }))
  none(projection('constructor STRING', ['json_data.*']))
  assert.notEqual(projection('message STRING', ['timestamp', 'offset']).projectBytes, null, 'no json_data at all')
})
