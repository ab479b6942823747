/**
 * The shapes of Spark SQL's data as sluice's per-record code holds them.
 *
 * Runtime value representation (what converters produce and writers consume; `null` is SQL NULL):
 *
 * | type                      | JS value                                                      |
 * | ------------------------- | ------------------------------------------------------------- |
 * | string                    | string                                                        |
 * | boolean                   | boolean                                                       |
 * | tinyint, smallint, int    | number                                                        |
 * | bigint                    | number when a safe integer, else `bigint`                     |
 * | float, double             | number (float already rounded with Math.fround)               |
 * | decimal(p, s)             | string, plain notation with exactly `s` fraction digits       |
 * | timestamp                 | number: microseconds since the epoch (Spark's own unit)       |
 * | date                      | number: days since 1970-01-01                                 |
 * | binary                    | Uint8Array (a Buffer view; valid only while the record is)    |
 * | array                     | unknown[]                                                     |
 * | map                       | flat unknown[]: [k0, v0, k1, v1, ...] (keeps input order)     |
 * | struct                    | unknown[]: field values in schema order                       |
 */
import type { JsonReadOptions } from './lenient-json.js'

import type { KafkaRecordView } from '../kafka/types.js'

export type PrimitiveKind =
  | 'string'
  | 'boolean'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'float'
  | 'double'
  | 'timestamp'
  | 'date'
  | 'binary'

export type DataType =
  | { kind: PrimitiveKind }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'array'; element: DataType }
  | { kind: 'map'; key: DataType; value: DataType }
  | { kind: 'struct'; fields: StructField[] }

export interface StructField {
  name: string
  type: DataType
}

/**
 * A Kafka record as the worker presents it: one reusable mutable object, filled per record by the
 * fetch client (src/kafka). Key and value are byte ranges of `buf`; a start of -1 means null.
 */
export type KafkaRecord = KafkaRecordView

export interface ProjectionOptions {
  schema: StructField[]
  select: string[]
  partitionBy: string[]
  /** spark.sql.session.timeZone: an IANA name, `UTC`, or a fixed offset like `+09:00`. */
  timeZone: string
  /** DROPMALFORMED parses as PERMISSIVE; the writer task leaves corrupt rows out. */
  mode: 'PERMISSIVE' | 'FAILFAST' | 'DROPMALFORMED'
  columnNameOfCorruptRecord: string
  includeHeaders: boolean
  /** from_json's Jackson options for text JSON.parse refuses; Spark's defaults when absent. */
  jsonOptions?: JsonReadOptions | undefined
  /** The JSON writer's options (the sink's); Spark's defaults when absent. */
  writer?: JsonWriterOptions | undefined
  /**
   * 'json' (default): `out.line` is the row's JSON text. 'values' (sink.format parquet): the data
   * columns' values (this file's representation) go to `out.values` in order, `out.line` is ''.
   */
  output?: 'json' | 'values' | undefined
}

/** Spark's JSON writer options that change the line (sink.timestampFormat, ...). */
export interface JsonWriterOptions {
  /** Default `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in the session zone. */
  timestampFormat?: string | undefined
  /** Default `yyyy-MM-dd`. */
  dateFormat?: string | undefined
  /** Default true: null fields are left out. */
  ignoreNullFields?: boolean | undefined
}

export interface ProjectedRow {
  line: string
  /** With output 'values': the data columns' values, in order (the array is reused per row). */
  values?: unknown[]
  partitionPath: string
  corrupt: boolean
}

export interface Projection {
  /** Full select output, in order. */
  readonly columns: { name: string; type: DataType }[]
  /** partitionBy, validated to exist (spelled as in the select output). */
  readonly partitionColumns: string[]
  /**
   * Projects one record into `out`: `out.line` = JSON object text of the non-partition columns in
   * select order, nulls omitted, no trailing newline; `out.partitionPath` = Hive-escaped
   * `dt=2025-07-02/dth=2025-07-02-23` ('' without partitionBy); `out.corrupt` = the value was
   * malformed (PERMISSIVE). FAILFAST malformed → throws SLUICE_RECORD_MALFORMED.
   */
  project(rec: KafkaRecord, out: ProjectedRow): void
  /**
   * The read path's fast projection (projection-bytes.ts), or null where the projection has none:
   * writes the same line as {@link project} (bytes, without the line separator) straight into the
   * sink and returns true, or returns false having written nothing (the record needs the exact
   * path: call {@link project}). A true return is never a corrupt record.
   */
  readonly projectBytes: ProjectBytesFn | null
}

/** See {@link Projection.projectBytes}. */
export type ProjectBytesFn = (rec: KafkaRecord, sink: RowSink) => boolean

/** Where a byte projection writes one row: the block of the row's partition directory. */
export interface RowSink {
  /** Makes room for `need` bytes in directory `dir`'s block and returns its buffer; the row starts at {@link pos}. */
  room(dir: string, need: number): Buffer
  /** Set by {@link room}: where the row starts. */
  pos: number
  /** The row's bytes end at `end` (exclusive); the sink adds the line separator. */
  commit(end: number): void
}

export function typeToString(t: DataType): string {
  switch (t.kind) {
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`
    case 'array':
      return `ARRAY<${typeToString(t.element)}>`
    case 'map':
      return `MAP<${typeToString(t.key)},${typeToString(t.value)}>`
    case 'struct':
      return `STRUCT<${t.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ')}>`
    default:
      return t.kind.toUpperCase()
  }
}

export function isComplex(t: DataType): boolean {
  return t.kind === 'array' || t.kind === 'map' || t.kind === 'struct'
}
