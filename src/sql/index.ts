/**
 * src/sql: Spark's data semantics on the worker's per-record path. Pure code, no I/O.
 * Spark DDL schemas, from_json (PERMISSIVE/FAILFAST, _corrupt_record), the selectExpr subset
 * (columns, CAST, date_format, aliases), session time zones, Jackson-compatible JSON lines and
 * Hive-escaped partition directories.
 */
export type {
  DataType,
  KafkaRecord,
  ProjectBytesFn,
  PrimitiveKind,
  ProjectedRow,
  Projection,
  ProjectionOptions,
  RowSink,
  StructField,
} from './types.js'
export { typeToString } from './types.js'
export { parseSchema } from './schema-ddl.js'
export { compileProjection } from './projection.js'
export { DEFAULT_PARTITION_NAME, escapePathName, partitionDir, unescapePathName } from './hive-escape.js'
export { formatDate, formatTimestamp } from './time-format.js'
export { javaDoubleToString, javaFloatToString } from './java-number.js'
export { jsonString } from './json-escape.js'
export { type JsonReadOptions, SPARK_JSON_READ_DEFAULTS } from './lenient-json.js'
export { getZone } from './time-zone.js'
