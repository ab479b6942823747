/**
 * sink.format parquet, the writer's pieces without a reader: Thrift compact encoding, Spark 3.5's
 * type mapping, Dremel levels of nested values, PLAIN encodings (INT96, decimals), RLE levels,
 * the file layout and names, and the config rules. test/integration/sink-codecs.test.ts and
 * crash-exactly-once-parquet.test.ts read real output back with pyarrow and DuckDB.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseSchema } from '../../src/sql/index.js'
import { footer, schemaFor } from '../../src/worker/parquet/parquet-file.js'
import { RowGroupBuilder, rleLevels } from '../../src/worker/parquet/row-group.js'
import { minBytesForPrecision, parquetSchema, Physical } from '../../src/worker/parquet/schema.js'
import { thriftStruct } from '../../src/worker/parquet/thrift.js'
import { dataFileName } from '../../src/worker/types.js'
import { fails, job, parse } from './config-helpers.js'

/** A schema element's fields by thrift id (only the ones set). */
function fieldsOf(el: readonly (readonly [number, string, unknown])[]): Record<number, unknown> {
  const out: Record<number, unknown> = {}
  for (const [id, , v] of el) if (v !== undefined) out[id] = v
  return out
}

describe('Thrift compact protocol', () => {
  test('short and long field headers, zigzag varints, strings, lists, bools, nested structs', () => {
    assert.deepEqual([...thriftStruct([[1, 'i32', 1]])], [0x15, 0x02, 0x00])
    assert.deepEqual([...thriftStruct([[1, 'i32', -1]])], [0x15, 0x01, 0x00])
    // id 20 after 1: delta 19 > 15 → type byte, then the id as zigzag varint (40).
    assert.deepEqual([...thriftStruct([[1, 'i32', 150], [20, 'i64', 300]])], [0x15, 0xac, 0x02, 0x06, 40, 0xd8, 0x04, 0x00])
    assert.deepEqual([...thriftStruct([[4, 'string', 'ab']])], [0x48, 2, 0x61, 0x62, 0x00])
    assert.deepEqual([...thriftStruct([[1, 'bool', true], [2, 'bool', false]])], [0x11, 0x12, 0x00])
    assert.deepEqual([...thriftStruct([[2, 'list', { elem: 'i32', items: [0, 3] }]])], [0x29, 0x25, 0x00, 0x06, 0x00])
    assert.deepEqual([...thriftStruct([[3, 'struct', [[1, 'i8', 8]]]])], [0x3c, 0x13, 0x08, 0x00, 0x00])
    const long = thriftStruct([[1, 'list', { elem: 'i32', items: Array.from({ length: 20 }, () => 0) }]])
    assert.deepEqual([...long.subarray(0, 3)], [0x19, 0xf5, 20], 'a list of 15 or more: 0xF0 | type, then the size')
    assert.deepEqual([...thriftStruct([[1, 'i64', 2n ** 62n]])].slice(0, 2), [0x16, 0x80], 'i64 beyond 2^53 as bigint')
    assert.deepEqual([...thriftStruct([[1, 'i32', undefined], [2, 'i32', 0]])], [0x25, 0x00, 0x00], 'an undefined optional field is left out')
  })
})

describe("Spark 3.5's type mapping", () => {
  const leafOf = (ddl: string, ts: 'TIMESTAMP_MICROS' | 'INT96' = 'TIMESTAMP_MICROS') => {
    const s = parquetSchema(parseSchema(ddl), ts)
    return { s, el: fieldsOf(s.elements[1]!), leaf: s.leaves[0]! }
  }

  test('primitive types: physical type, converted type, logical type; every column OPTIONAL', () => {
    const expect: [string, number, number | undefined][] = [
      ['STRING', Physical.BYTE_ARRAY, 0],
      ['BINARY', Physical.BYTE_ARRAY, undefined],
      ['BOOLEAN', Physical.BOOLEAN, undefined],
      ['TINYINT', Physical.INT32, 15],
      ['SMALLINT', Physical.INT32, 16],
      ['INT', Physical.INT32, undefined],
      ['BIGINT', Physical.INT64, undefined],
      ['FLOAT', Physical.FLOAT, undefined],
      ['DOUBLE', Physical.DOUBLE, undefined],
      ['DATE', Physical.INT32, 6],
      ['TIMESTAMP', Physical.INT64, 10],
    ]
    for (const [type, physical, converted] of expect) {
      const { el, leaf } = leafOf(`c ${type}`)
      assert.equal(el[1], physical, `${type}: physical type`)
      assert.equal(el[6], converted, `${type}: converted type`)
      assert.equal(el[3], 1, `${type}: OPTIONAL`)
      assert.equal(leaf.maxDef, 1)
      assert.equal(leaf.maxRep, 0)
    }
    assert.deepEqual(leafOf('c STRING').el[10], [[1, 'struct', []]], 'STRING logical type')
    assert.deepEqual(leafOf('c TINYINT').el[10], [[10, 'struct', [[1, 'i8', 8], [2, 'bool', true]]]], 'INTEGER(8, signed)')
    assert.deepEqual(leafOf('c TIMESTAMP').el[10], [[8, 'struct', [[1, 'bool', true], [2, 'struct', [[2, 'struct', []]]]]]], 'TIMESTAMP(MICROS, UTC)')
    const int96 = leafOf('c TIMESTAMP', 'INT96').el
    assert.equal(int96[1], Physical.INT96)
    assert.equal(int96[10], undefined, 'INT96 has no logical type')
    const root = fieldsOf(leafOf('a INT, b INT').s.elements[0]!)
    assert.equal(root[4], 'spark_schema')
    assert.equal(root[5], 2)
  })

  test('decimals: INT32 up to precision 9, INT64 up to 18, else FIXED_LEN_BYTE_ARRAY of minBytesForPrecision', () => {
    for (const [p, physical, len] of [[1, Physical.INT32, undefined], [9, Physical.INT32, undefined], [10, Physical.INT64, undefined], [18, Physical.INT64, undefined], [19, Physical.FIXED_LEN_BYTE_ARRAY, 9], [38, Physical.FIXED_LEN_BYTE_ARRAY, 16]] as const) {
      const scale = Math.min(2, p)
      const { el } = leafOf(`c DECIMAL(${p}, ${scale})`)
      assert.equal(el[1], physical, `DECIMAL(${p}, ${scale})`)
      assert.equal(el[2], len)
      assert.equal(el[6], 5, 'converted DECIMAL')
      assert.equal(el[7], scale, 'scale')
      assert.equal(el[8], p, 'precision')
    }
    // Spark's Decimal.minBytesForPrecision table.
    assert.deepEqual([1, 2, 3, 9, 10, 18, 19, 20, 38].map(minBytesForPrecision), [1, 1, 2, 4, 5, 8, 9, 9, 16])
  })

  test('arrays and maps in the three-level form Spark writes (writeLegacyFormat false), levels per leaf', () => {
    const s = parquetSchema(parseSchema('a ARRAY<INT>, m MAP<STRING, ARRAY<STRING>>, s STRUCT<x: INT, y: ARRAY<STRUCT<z: STRING>>>'), 'TIMESTAMP_MICROS')
    const names = s.elements.map((e) => fieldsOf(e)[4])
    assert.deepEqual(names, ['spark_schema', 'a', 'list', 'element', 'm', 'key_value', 'key', 'value', 'list', 'element', 's', 'x', 'y', 'list', 'element', 'z'])
    const rep = s.elements.map((e) => fieldsOf(e)[3])
    assert.deepEqual(rep, [0, 1, 2, 1, 1, 2, 0, 1, 2, 1, 1, 1, 1, 2, 1, 1], 'REQUIRED 0 / OPTIONAL 1 / REPEATED 2: the map key is required')
    assert.deepEqual(fieldsOf(s.elements[1]!)[6], 3, 'LIST')
    assert.deepEqual(fieldsOf(s.elements[4]!)[6], 1, 'MAP')
    assert.deepEqual(
      s.leaves.map((l) => [l.path.join('.'), l.maxDef, l.maxRep]),
      [
        ['a.list.element', 3, 1],
        ['m.key_value.key', 2, 1],
        ['m.key_value.value.list.element', 5, 2],
        ['s.x', 2, 0],
        ['s.y.list.element.z', 5, 1],
      ],
    )
  })
})

describe('row groups', () => {
  test("nested values shredded into Dremel's repetition and definition levels", () => {
    const b = new RowGroupBuilder(parquetSchema(parseSchema('a ARRAY<INT>, m MAP<STRING, INT>'), 'TIMESTAMP_MICROS'))
    b.append([[1, null, 3], ['k', 1, 'j', null]])
    b.append([[], []])
    b.append([null, null])
    b.append([[7], ['x', 2]])
    assert.equal(b.rows, 4)
    // a: [1, null, 3] → def 3, 2, 3 with rep 0, 1, 1; [] → def 1; null → def 0; [7] → def 3.
    assert.deepEqual(b.levels(0), { reps: [0, 1, 1, 0, 0, 0], defs: [3, 2, 3, 1, 0, 3] })
    // m.key (required): defined at the entry level (2); m.value: 3 when set, 2 when null.
    assert.deepEqual(b.levels(1), { reps: [0, 1, 0, 0, 0], defs: [2, 2, 1, 0, 2] })
    assert.deepEqual(b.levels(2), { reps: [0, 1, 0, 0, 0], defs: [3, 2, 1, 0, 3] })
  })

  test('levels as RLE runs of the hybrid encoding', () => {
    assert.deepEqual([...rleLevels([1, 1, 1, 0, 0], 1)], [6, 1, 4, 0])
    assert.deepEqual([...rleLevels(Array.from({ length: 200 }, () => 3), 2)], [0x90, 0x03, 3], 'a run of 200: varint header 400')
  })

  test('PLAIN values: INT96 (nanos of day, Julian day), decimals as unscaled two’s complement, booleans bit-packed', async () => {
    const page = async (ddl: string, ts: 'INT96' | 'TIMESTAMP_MICROS', v: unknown): Promise<Buffer> => {
      const b = new RowGroupBuilder(parquetSchema(parseSchema(ddl), ts))
      b.append([v])
      const { parts } = await b.encode('none')
      // parts: [page header, page]; the page is [def levels: 4-byte length + runs][values].
      const body = parts[1]!
      return body.subarray(4 + body.readInt32LE(0))
    }
    // 2026-12-01T01:02:03.000004Z: day 20788 since the epoch → Julian 2461376.
    const us = Date.UTC(2026, 11, 1, 1, 2, 3) * 1000 + 4
    const int96 = await page('t TIMESTAMP', 'INT96', us)
    assert.equal(int96.length, 12)
    assert.equal(int96.readBigInt64LE(0), BigInt((1 * 3600 + 2 * 60 + 3) * 1_000_000 + 4) * 1000n)
    assert.equal(int96.readInt32LE(8), 20788 + 2_440_588)
    const before1970 = await page('t TIMESTAMP', 'INT96', -1)
    assert.equal(before1970.readBigInt64LE(0), 86_399_999_999_000n, 'one µs before the epoch: the last µs of the previous day')
    assert.equal(before1970.readInt32LE(8), 2_440_587)
    assert.equal((await page('t TIMESTAMP', 'TIMESTAMP_MICROS', us)).readBigInt64LE(0), BigInt(us))
    for (const v of [-5, -(2 ** 40) - 3, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      assert.equal((await page('l BIGINT', 'INT96', v)).readBigInt64LE(0), BigInt(v), `BIGINT ${v}`)
    }
    assert.equal((await page('l BIGINT', 'INT96', 2n ** 62n + 1n)).readBigInt64LE(0), 2n ** 62n + 1n)
    assert.equal((await page('d DECIMAL(9,2)', 'INT96', '-12.34')).readInt32LE(0), -1234)
    assert.equal((await page('d DECIMAL(18,3)', 'INT96', '123456789012345.678')).readBigInt64LE(0), 123456789012345678n)
    const fixed = await page('d DECIMAL(20,0)', 'INT96', '-2')
    assert.deepEqual([...fixed], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], '9 bytes, big-endian two’s complement')
    assert.deepEqual([...(await page('s STRING', 'INT96', 'hé'))], [3, 0, 0, 0, 0x68, 0xc3, 0xa9])
  })

  test('a file: PAR1, row groups, FileMetaData, its length, PAR1; offsets rebased where each row group lands', async () => {
    const spec = { columns: parseSchema('n INT, s STRING'), timestampType: 'TIMESTAMP_MICROS' as const }
    const schema = schemaFor(spec)
    const g1 = new RowGroupBuilder(schema)
    g1.append([1, 'a'])
    g1.append([null, 'b'])
    const e1 = await g1.encode('snappy')
    assert.equal(e1.meta.rows, 2)
    assert.equal(e1.meta.bytes, e1.parts.reduce((n, p) => n + p.length, 0))
    assert.equal(e1.meta.chunks[0]!.offset, 0)
    assert.equal(e1.meta.chunks[1]!.offset, e1.meta.chunks[0]!.compressed)
    const f = footer(schema, [e1.meta, e1.meta], [4, 4 + e1.meta.bytes])
    assert.equal(f.subarray(-4).toString(), 'PAR1')
    assert.equal(f.readInt32LE(f.length - 8), f.length - 8)
    // The second row group's first column chunk starts right after the first row group.
    const at = 4 + e1.meta.bytes
    const varint = (n: number): number[] => {
      const out: number[] = []
      let z = n * 2
      while (z >= 0x80) {
        out.push((z & 0x7f) | 0x80)
        z = Math.floor(z / 128)
      }
      return [...out, z]
    }
    assert.ok(f.includes(Buffer.from([0x26, ...varint(at)])), 'ColumnChunk.file_offset of row group 2')
    const empty = footer(schema, [], [])
    assert.equal(empty.subarray(-4).toString(), 'PAR1', 'a file without rows still has a footer')
  })

  test("file names as Spark's: part-NNNNN-<uuid>-c000.<codec>.parquet", () => {
    const uuid = '0a1b2c3d-0000-4000-8000-000000000000'
    assert.equal(dataFileName(2, uuid, 0, 'none', 'snappy'), `part-00002-${uuid}-c000.snappy.parquet`)
    assert.equal(dataFileName(0, uuid, 1, 'none', 'gzip'), `part-00000-${uuid}-c001.gz.parquet`)
    assert.equal(dataFileName(0, uuid, 0, 'none', 'zstd'), `part-00000-${uuid}-c000.zstd.parquet`)
    assert.equal(dataFileName(0, uuid, 0, 'none', 'none'), `part-00000-${uuid}-c000.parquet`)
    assert.equal(dataFileName(0, uuid, 0, 'gzip'), `part-00000-${uuid}-c000.json.gz`, 'JSON unchanged')
  })
})

describe('config: sink.format parquet', () => {
  test('snappy by default, Parquet codecs, outputTimestampType, JSON defaults unchanged', () => {
    const c = parse(job({ sink: { format: 'parquet' } }))
    assert.deepEqual(c.sink.parquet, { codec: 'snappy', timestampType: 'TIMESTAMP_MICROS' })
    assert.equal(c.sink.compression, 'none')
    const z = parse(job({ sink: { format: 'parquet', compression: 'zstd' }, conf: { 'spark.sql.parquet.outputTimestampType': 'INT96' } }))
    assert.deepEqual(z.sink.parquet, { codec: 'zstd', timestampType: 'INT96' })
    assert.equal(parse(job({ sink: { format: 'parquet', compression: 'uncompressed' } })).sink.parquet?.codec, 'none')
    const j = parse(job({}))
    assert.equal(j.sink.parquet, null)
    assert.equal(j.sink.compression, 'none')
    assert.equal(parse(job({ sink: { compression: 'snappy' } })).sink.compression, 'snappy')
  })

  test('refused: a codec Parquet pages are not written with, compaction, an unknown timestamp type', () => {
    fails(() => parse(job({ sink: { format: 'parquet', compression: 'lz4' } })), 'SLUICE_CONFIG_UNSUPPORTED', 'sink.compression', 'snappy')
    fails(() => parse(job({ sink: { format: 'parquet', compaction: true } })), 'SLUICE_CONFIG_UNSUPPORTED', 'sink.compaction', 'format: parquet')
    fails(() => parse(job({ sink: { format: 'parquet' }, conf: { 'spark.sql.parquet.outputTimestampType': 'INT64' } })), 'SLUICE_CONFIG_VALUE', 'conf.spark.sql.parquet.outputTimestampType')
  })
})
