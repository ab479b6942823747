/**
 * Compiles a job's projection (from_json schema + selectExpr + partitionBy). The coordinator calls
 * it at start-up so that a bad schema or select fails before any connection; each worker calls it
 * once per distinct projection and reuses the result for every record.
 */
import { compileProjection, parseSchema, type Projection } from '../sql/index.js'
import type { TaskProjection } from './types.js'

export function compileTaskProjection(p: TaskProjection): Projection {
  return compileProjection({
    schema: parseSchema(p.schema),
    select: p.select,
    partitionBy: p.partitionBy,
    timeZone: p.timeZone,
    mode: p.mode,
    columnNameOfCorruptRecord: p.columnNameOfCorruptRecord,
    includeHeaders: p.includeHeaders,
    jsonOptions: p.jsonOptions,
    writer: p.writer,
    output: p.output,
  })
}
