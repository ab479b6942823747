/**
 * The projection's Spark schema as a Parquet schema, mapped the way Spark 3.5 writes it
 * (ParquetSchemaConverter / ParquetWriteSupport with spark.sql.parquet.writeLegacyFormat false):
 *
 * | Spark type            | Parquet                                                              |
 * | --------------------- | -------------------------------------------------------------------- |
 * | STRING                | BYTE_ARRAY, STRING (converted UTF8)                                  |
 * | BOOLEAN               | BOOLEAN                                                              |
 * | TINYINT / SMALLINT    | INT32, INTEGER(8 / 16, signed) (converted INT_8 / INT_16)            |
 * | INT                   | INT32                                                                |
 * | BIGINT                | INT64                                                                |
 * | FLOAT / DOUBLE        | FLOAT / DOUBLE                                                       |
 * | DECIMAL(p, s)         | p ≤ 9 INT32, p ≤ 18 INT64, else FIXED_LEN_BYTE_ARRAY(minBytes(p)),   |
 * |                       | DECIMAL(p, s); the unscaled value, big-endian two's complement       |
 * | DATE                  | INT32, DATE                                                          |
 * | TIMESTAMP             | INT64 TIMESTAMP(MICROS, adjusted to UTC) (sluice's default), or      |
 * |                       | INT96 (Spark's default outputTimestampType) or INT64 TIMESTAMP(MILLIS)|
 * | BINARY                | BYTE_ARRAY                                                           |
 * | STRUCT                | group of its fields                                                  |
 * | ARRAY<T>              | group (LIST) { repeated group list { optional T element } }          |
 * | MAP<K, V>             | group (MAP) { repeated group key_value { required K key; optional V value } } |
 *
 * Every column is OPTIONAL, as Spark writes file sources (it makes the schema nullable first).
 * The root is named `spark_schema`, as Spark names it.
 */
import type { DataType, StructField } from '../../sql/types.js'
import type { TField } from './thrift.js'

/** parquet.thrift Type. */
export const Physical = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const
export type Physical = (typeof Physical)[keyof typeof Physical]

/** spark.sql.parquet.outputTimestampType's values. */
export type TimestampType = 'TIMESTAMP_MICROS' | 'TIMESTAMP_MILLIS' | 'INT96'
export const TIMESTAMP_TYPES = ['TIMESTAMP_MICROS', 'TIMESTAMP_MILLIS', 'INT96'] as const

/** How a leaf's non-null values are written (PLAIN encoding). */
export type LeafEncoding =
  | 'string'
  | 'binary'
  | 'boolean'
  | 'int32'
  | 'int64'
  | 'float'
  | 'double'
  | 'ts-micros'
  | 'ts-millis'
  | 'int96'
  | 'dec32'
  | 'dec64'
  | 'decfixed'

export interface Leaf {
  /** Index among the leaves (the column chunk's position in a row group). */
  index: number
  path: string[]
  physical: Physical
  /** FIXED_LEN_BYTE_ARRAY's length. */
  typeLength: number
  encoding: LeafEncoding
  maxDef: number
  maxRep: number
}

/** The shredding tree: one node per schema node below the root. */
export type Node =
  | { k: 'leaf'; optional: boolean; leaf: Leaf }
  | { k: 'struct'; optional: true; children: Node[]; leaves: Leaf[] }
  | { k: 'list'; optional: true; rep: number; element: Node; leaves: Leaf[] }
  | { k: 'map'; optional: true; rep: number; key: Node; value: Node; leaves: Leaf[] }

export interface ParquetSchema {
  /** SchemaElements, depth first, root first (FileMetaData.schema). */
  elements: TField[][]
  leaves: Leaf[]
  /** One node per top-level column. */
  columns: Node[]
}

/** Spark's Decimal.minBytesForPrecision. */
export function minBytesForPrecision(precision: number): number {
  let n = 1
  while (Math.pow(2, 8 * n - 1) < Math.pow(10, precision)) n++
  return n
}

const REQUIRED = 0
const OPTIONAL = 1
const REPEATED = 2
// ConvertedType
const UTF8 = 0
const MAP = 1
const LIST = 3
const DECIMAL = 5
const DATE = 6
const TIMESTAMP_MILLIS = 9
const TIMESTAMP_MICROS = 10
const INT_8 = 15
const INT_16 = 16

function element(name: string, repetition: number, more: Partial<Record<'type' | 'typeLength' | 'children' | 'converted' | 'scale' | 'precision', number>>, logical?: TField[]): TField[] {
  return [
    [1, 'i32', more.type],
    [2, 'i32', more.typeLength],
    [3, 'i32', repetition],
    [4, 'string', name],
    [5, 'i32', more.children],
    [6, 'i32', more.converted],
    [7, 'i32', more.scale],
    [8, 'i32', more.precision],
    [10, 'struct', logical],
  ]
}

interface Primitive {
  physical: Physical
  encoding: LeafEncoding
  typeLength?: number
  converted?: number
  scale?: number
  precision?: number
  logical?: TField[]
}

function primitive(t: DataType, ts: TimestampType): Primitive {
  switch (t.kind) {
    case 'string':
      return { physical: Physical.BYTE_ARRAY, encoding: 'string', converted: UTF8, logical: [[1, 'struct', []]] }
    case 'binary':
      return { physical: Physical.BYTE_ARRAY, encoding: 'binary' }
    case 'boolean':
      return { physical: Physical.BOOLEAN, encoding: 'boolean' }
    case 'tinyint':
    case 'smallint': {
      const bits = t.kind === 'tinyint' ? 8 : 16
      return { physical: Physical.INT32, encoding: 'int32', converted: bits === 8 ? INT_8 : INT_16, logical: [[10, 'struct', [[1, 'i8', bits], [2, 'bool', true]]]] }
    }
    case 'int':
      return { physical: Physical.INT32, encoding: 'int32' }
    case 'bigint':
      return { physical: Physical.INT64, encoding: 'int64' }
    case 'float':
      return { physical: Physical.FLOAT, encoding: 'float' }
    case 'double':
      return { physical: Physical.DOUBLE, encoding: 'double' }
    case 'date':
      return { physical: Physical.INT32, encoding: 'int32', converted: DATE, logical: [[6, 'struct', []]] }
    case 'timestamp':
      if (ts === 'INT96') return { physical: Physical.INT96, encoding: 'int96' }
      return {
        physical: Physical.INT64,
        encoding: ts === 'TIMESTAMP_MILLIS' ? 'ts-millis' : 'ts-micros',
        converted: ts === 'TIMESTAMP_MILLIS' ? TIMESTAMP_MILLIS : TIMESTAMP_MICROS,
        // TimestampType { isAdjustedToUTC: true, unit: MILLIS (1) | MICROS (2) }
        logical: [[8, 'struct', [[1, 'bool', true], [2, 'struct', [[ts === 'TIMESTAMP_MILLIS' ? 1 : 2, 'struct', []]]]]]],
      }
    case 'decimal': {
      const { precision, scale } = t
      const logical: TField[] = [[5, 'struct', [[1, 'i32', scale], [2, 'i32', precision]]]]
      const base = { converted: DECIMAL, scale, precision, logical }
      if (precision <= 9) return { physical: Physical.INT32, encoding: 'dec32', ...base }
      if (precision <= 18) return { physical: Physical.INT64, encoding: 'dec64', ...base }
      return { physical: Physical.FIXED_LEN_BYTE_ARRAY, encoding: 'decfixed', typeLength: minBytesForPrecision(precision), ...base }
    }
    default:
      throw new Error(`not a primitive type: ${t.kind}`)
  }
}

/** Builds the Parquet schema of the data columns (the select output without partitionBy). */
export function parquetSchema(columns: readonly StructField[], ts: TimestampType): ParquetSchema {
  const elements: TField[][] = [element('spark_schema', REQUIRED, { children: columns.length })]
  const leaves: Leaf[] = []

  const build = (name: string, t: DataType, path: string[], optional: boolean, def: number, rep: number): Node => {
    const d = optional ? def + 1 : def
    const repetition = optional ? OPTIONAL : REQUIRED
    const p = [...path, name]
    if (t.kind === 'struct') {
      elements.push(element(name, repetition, { children: t.fields.length }))
      const first = leaves.length
      const children = t.fields.map((f) => build(f.name, f.type, p, true, d, rep))
      return { k: 'struct', optional: true, children, leaves: leaves.slice(first) }
    }
    if (t.kind === 'array') {
      elements.push(element(name, repetition, { children: 1, converted: LIST }, [[3, 'struct', []]]))
      elements.push(element('list', REPEATED, { children: 1 }))
      const first = leaves.length
      const el = build('element', t.element, [...p, 'list'], true, d + 1, rep + 1)
      return { k: 'list', optional: true, rep: rep + 1, element: el, leaves: leaves.slice(first) }
    }
    if (t.kind === 'map') {
      elements.push(element(name, repetition, { children: 1, converted: MAP }, [[2, 'struct', []]]))
      elements.push(element('key_value', REPEATED, { children: 2 }))
      const first = leaves.length
      const key = build('key', t.key, [...p, 'key_value'], false, d + 1, rep + 1)
      const value = build('value', t.value, [...p, 'key_value'], true, d + 1, rep + 1)
      return { k: 'map', optional: true, rep: rep + 1, key, value, leaves: leaves.slice(first) }
    }
    const prim = primitive(t, ts)
    elements.push(
      element(
        name,
        repetition,
        { type: prim.physical, typeLength: prim.typeLength, converted: prim.converted, scale: prim.scale, precision: prim.precision },
        prim.logical,
      ),
    )
    const leaf: Leaf = { index: leaves.length, path: p, physical: prim.physical, typeLength: prim.typeLength ?? 0, encoding: prim.encoding, maxDef: d, maxRep: rep }
    leaves.push(leaf)
    return { k: 'leaf', optional, leaf }
  }

  const nodes = columns.map((c) => build(c.name, c.type, [], true, 0, 0))
  return { elements, leaves, columns: nodes }
}
