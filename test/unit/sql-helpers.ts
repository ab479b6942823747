/** Shared helpers for the src/sql unit tests: build records and run projections. */
import {
  type KafkaRecord,
  type ProjectedRow,
  type Projection,
  type ProjectionOptions,
  compileProjection,
  parseSchema,
} from '../../src/sql/index.js'

export function record(value: string | Buffer | null, fields: Partial<KafkaRecord> = {}): KafkaRecord {
  const v = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')
  // Place the value after some unrelated bytes, as in a real fetch buffer.
  const pad = Buffer.from('xx')
  const buf = v === null ? pad : Buffer.concat([pad, v])
  return {
    topic: 'events',
    partition: 3,
    offset: 42,
    timestamp: Date.UTC(2025, 6, 2, 23, 0, 0),
    timestampType: 0,
    buf,
    keyStart: -1,
    keyEnd: -1,
    valueStart: v === null ? -1 : 2,
    valueEnd: v === null ? -1 : 2 + v.length,
    headers: null,
    ...fields,
  }
}

export function projection(schema: string, select: string[], opts: Partial<ProjectionOptions> = {}): Projection {
  return compileProjection({
    schema: parseSchema(schema),
    select,
    partitionBy: [],
    timeZone: 'UTC',
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: '_corrupt_record',
    includeHeaders: false,
    ...opts,
  })
}

export function project(p: Projection, rec: KafkaRecord): ProjectedRow {
  const out: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
  p.project(rec, out)
  return out
}

/** `json_data.*` of one JSON text under `schema`. */
export function parse(schema: string, json: string | null, opts: Partial<ProjectionOptions> = {}): ProjectedRow {
  return project(projection(schema, ['json_data.*'], opts), record(json))
}
