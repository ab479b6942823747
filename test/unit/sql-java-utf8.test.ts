/**
 * Invalid UTF-8 in Kafka values and keys is replaced with U+FFFD as Java's decoder replaces it
 * (what Spark's from_json and CAST(value AS STRING) print), and no record is lost over it. The
 * expected code units were printed by JDK 17 for each byte sequence, both through
 * `new InputStreamReader(new ByteArrayInputStream(b), UTF_8)` (from_json's reader) and
 * `new String(b, UTF_8)` (the JSON writer's UTF8String.toString), which agreed on every row.
 * test/spark/from-json-parity.ts checks the same against Spark itself.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { javaUtf8 } from '../../src/sql/java-utf8.js'
import { project, projection, record } from './sql-helpers.js'

const JDK17: [hex: string, codeUnits: string][] = [
  ['ff', 'fffd'],
  ['80', 'fffd'],
  ['c0af', 'fffd fffd'],
  ['c3', 'fffd'],
  ['c328', 'fffd 0028'],
  ['e282', 'fffd'],
  ['e28228', 'fffd 0028'],
  ['e0a0', 'fffd'],
  ['e08080', 'fffd fffd fffd'],
  ['e09f80', 'fffd fffd fffd'],
  ['f0808080', 'fffd fffd fffd fffd'],
  ['f4908080', 'fffd fffd fffd fffd'],
  ['f8888080', 'fffd fffd fffd fffd'],
  ['f09f98', 'fffd'],
  ['f09f9880', 'd83d de00'],
  ['f48f8080', 'dbfc dc00'],
  ['f4', 'fffd'],
  ['f480', 'fffd'],
  ['41ff42', '0041 fffd 0042'],
  ['ed', 'fffd'],
  ['ed80', 'fffd'],
  ['edff', 'fffd fffd'],
  ['41ed42', '0041 fffd 0042'],
  ['ed9fbf', 'd7ff'],
  ['efbfbd', 'fffd'],
  // UTF-8-encoded surrogates: where Java (one U+FFFD for up to three bytes) and WHATWG (one each) differ
  ['eda080', 'fffd'],
  ['edb080', 'fffd'],
  ['edbfbf', 'fffd'],
  ['eda0', 'fffd'],
  ['eda041', 'fffd 0041'],
  ['eda08041', 'fffd 0041'],
  ['eda0bf80', 'fffd fffd'],
  ['eda080eda080', 'fffd fffd'],
]

const units = (s: string): string => [...Array(s.length).keys()].map((i) => s.charCodeAt(i).toString(16).padStart(4, '0')).join(' ')

test('invalid UTF-8 decodes to the U+FFFD code units JDK 17 prints, sequence by sequence', () => {
  for (const [hex, want] of JDK17) {
    const bytes = Buffer.from(hex, 'hex')
    assert.equal(units(javaUtf8(bytes, 0, bytes.length)), want, hex)
    // Inside a larger buffer, between valid text, and with a continuation byte just past the end
    // of the range (which must not be consumed).
    const buf = Buffer.concat([Buffer.from('x\u00e9'), bytes, Buffer.from([0x80, 0x41])])
    assert.equal(units(javaUtf8(buf, 3, 3 + bytes.length)), want, `${hex} inside a buffer`)
    const framed = Buffer.concat([Buffer.from('<'), bytes, Buffer.from('>')])
    assert.equal(units(javaUtf8(framed, 0, framed.length)), `003c ${want} 003e`, `${hex} between text`)
  }
})

test('valid UTF-8 (an emoji, a real U+FFFD, U+D7FF) comes through unchanged', () => {
  const text = 'a😀b\ufffdc\ud7ffé'
  const buf = Buffer.from(text)
  assert.equal(javaUtf8(buf, 0, buf.length), text)
})

// An emoji in CESU-8 (Java's "modified UTF-8"): the surrogate pair D83D DE00 as two 3-byte sequences.
const CESU_EMOJI = Buffer.from('eda0bdedb880', 'hex')
const withBytes = (before: string, bytes: Buffer, after: string): Buffer => Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)])

test('from_json: a field with invalid UTF-8 keeps its row, the bytes read as Spark reads them', () => {
  const p = projection('s STRING, n INT', ['json_data.*'])
  assert.equal(project(p, record(withBytes('{"s":"a', CESU_EMOJI, 'b","n":1}'))).line, '{"s":"a\ufffd\ufffdb","n":1}')
  assert.equal(project(p, record(withBytes('{"s":"a', Buffer.from([0xff, 0xc0, 0xaf]), 'b","n":2}'))).line, '{"s":"a\ufffd\ufffd\ufffdb","n":2}')
})

test('PERMISSIVE: malformed JSON with invalid UTF-8 lands in _corrupt_record with the same replacement', () => {
  const p = projection('s STRING, _corrupt_record STRING', ['json_data.*'])
  const out = project(p, record(withBytes('{"s":', Buffer.from([0xed, 0xa0, 0x80, 0xff]), '')))
  assert.equal(out.corrupt, true)
  assert.equal(out.line, JSON.stringify({ _corrupt_record: '{"s":\ufffd\ufffd' }))
})

test('CAST(value AS STRING) and CAST(key AS STRING) replace invalid UTF-8 as Java does', () => {
  const p = projection('s STRING', ['CAST(key AS STRING) AS k', 'CAST(value AS STRING) AS raw'])
  const value = withBytes('v', CESU_EMOJI, '')
  const key = Buffer.from([0x6b, 0xed, 0xbf, 0xbf, 0x41])
  const buf = Buffer.concat([key, value])
  const rec = record(null, { buf, keyStart: 0, keyEnd: key.length, valueStart: key.length, valueEnd: buf.length })
  assert.equal(project(p, rec).line, JSON.stringify({ k: 'k\ufffdA', raw: 'v\ufffd\ufffd' }))
})
