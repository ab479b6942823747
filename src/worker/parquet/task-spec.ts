/**
 * The Parquet part of a batch's tasks (ReadTask.parquet, WriterSpec.parquet), built once per query
 * on the coordinator from the job: the data columns are the compiled projection's output without
 * the partitionBy columns (they are directories, as in the JSON output).
 */
import type { JobConfig } from '../../config/types.js'
import { compileTaskProjection } from '../compile-projection.js'
import type { ParquetTaskSpec, TaskProjection } from '../types.js'

export function parquetTaskSpec(c: JobConfig, projection: TaskProjection): ParquetTaskSpec | undefined {
  const pq = c.sink.parquet
  if (pq === null) return undefined
  const p = compileTaskProjection(projection)
  const part = new Set(p.partitionColumns)
  const max = c.sink.maxRecordsPerFile
  return {
    columns: p.columns.filter((col) => !part.has(col.name)),
    codec: pq.codec,
    timestampType: pq.timestampType,
    ...(max > 0 ? { maxRowsPerGroup: max } : {}),
  }
}
