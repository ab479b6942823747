/** Shared helpers for the src/sql unit tests: build records and run projections. */
import assert from 'node:assert/strict'
import {
  type KafkaRecord,
  type ProjectedRow,
  type Projection,
  type ProjectionOptions,
  compileProjection,
  parseSchema,
} from '../../src/sql/index.js'
import { projectBytes } from '../helpers/row-sink.js'

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

/**
 * Projects one record the string way, and checks the byte projection against it: where the byte
 * projection takes the record, it must write the same line and directory, and the record must not
 * be corrupt (so every projection test is also a test of projection-bytes.ts).
 */
export function project(p: Projection, rec: KafkaRecord): ProjectedRow {
  const out: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
  const fast = projectBytes(p, rec)
  try {
    p.project(rec, out)
  } catch (err) {
    if (fast !== null) throw new Error(`the byte projection wrote ${fast.line.toString()} for a record the string projection refuses (${String(err)})`)
    throw err
  }
  if (fast !== null) {
    assert.equal(out.corrupt, false, 'the byte projection took a corrupt record')
    assert.equal(fast.line.toString('latin1'), Buffer.from(out.line, 'utf8').toString('latin1'), 'the byte projection wrote another line')
    assert.equal(fast.dir, out.partitionPath, 'the byte projection chose another directory')
  }
  return out
}

/** `json_data.*` of one JSON text under `schema`. */
export function parse(schema: string, json: string | null, opts: Partial<ProjectionOptions> = {}): ProjectedRow {
  return project(projection(schema, ['json_data.*'], opts), record(json))
}
