import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { parseSchema, typeToString } from '../../src/sql/index.js'

test('parses the job schema and primitive types with aliases, case-insensitively', () => {
  const s = parseSchema(
    'message STRING, id bigint, n Integer, l LONG, sh SHORT, b BYTE, t TINYINT, r REAL, f float, ' +
      'd DOUBLE, ok boolean, ts TIMESTAMP, day DATE, raw BINARY, v VARCHAR(10), c CHAR(2)',
  )
  assert.deepEqual(
    s.map((f) => [f.name, f.type.kind]),
    [
      ['message', 'string'],
      ['id', 'bigint'],
      ['n', 'int'],
      ['l', 'bigint'],
      ['sh', 'smallint'],
      ['b', 'tinyint'],
      ['t', 'tinyint'],
      ['r', 'float'],
      ['f', 'float'],
      ['d', 'double'],
      ['ok', 'boolean'],
      ['ts', 'timestamp'],
      ['day', 'date'],
      ['raw', 'binary'],
      ['v', 'string'],
      ['c', 'string'],
    ],
  )
})

test('parses decimals, arrays, maps, nested structs, backticks, NOT NULL and COMMENT', () => {
  const s = parseSchema(
    "price DECIMAL(10, 2), amt decimal, tags ARRAY<STRING>, attrs MAP<STRING, INT> COMMENT 'the attrs', " +
      "meta STRUCT<a: INT, `b c` ARRAY<STRUCT<x DOUBLE>>> NOT NULL, `we``ird` STRING NOT NULL COMMENT 'x'",
  )
  assert.deepEqual(s[0]!.type, { kind: 'decimal', precision: 10, scale: 2 })
  assert.deepEqual(s[1]!.type, { kind: 'decimal', precision: 10, scale: 0 })
  assert.equal(typeToString(s[2]!.type), 'ARRAY<STRING>')
  assert.equal(typeToString(s[3]!.type), 'MAP<STRING,INT>')
  assert.equal(typeToString(s[4]!.type), 'STRUCT<a: INT, b c: ARRAY<STRUCT<x: DOUBLE>>>')
  assert.equal(s[5]!.name, 'we`ird')
})

function schemaError(ddl: string): { message: string; details: Record<string, unknown> } {
  try {
    parseSchema(ddl)
  } catch (err) {
    assert.ok(isSluiceError(err, 'SLUICE_CONFIG_SCHEMA'), String(err))
    return err
  }
  assert.fail(`expected ${ddl} to be rejected`)
}

test('errors name the position and the token', () => {
  const e1 = schemaError('message STRNG, id BIGINT')
  assert.match(e1.message, /position 8 \(token 'STRNG'\)/)
  assert.match(e1.message, /unknown or unsupported type/)
  assert.equal(e1.details.position, 8)

  const e2 = schemaError('a INT b INT')
  assert.match(e2.message, /position 6 \(token 'b'\).*expected ',' or the end/)

  const e3 = schemaError('a ARRAY<INT')
  assert.match(e3.message, /token '<end of schema>'/)

  assert.match(schemaError('').message, /empty/)
  assert.match(schemaError('a INT, a STRING').message, /listed twice/)
  assert.match(schemaError('a DECIMAL(40,2)').message, /precision 40/)
  assert.match(schemaError('a DECIMAL(5,6)').message, /scale 6/)
  assert.match(schemaError('a INT;').message, /token ';'/)
  assert.match(schemaError('a TIMESTAMP_NTZ').message, /TIMESTAMP_NTZ/)
  assert.match(schemaError('`a INT').message, /not closed/)
})
