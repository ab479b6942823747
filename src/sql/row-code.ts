/**
 * Generated code shared by the string projection (projection.ts) and the byte projection
 * (projection-bytes.ts): a column value's JSON text, and the partition directory
 * (`dt=2025-07-02/dth=2025-07-02-23`), whose values are computed per record and whose
 * Hive-escaped path is rebuilt only when a value differs from the previous record's (`LP`).
 */
import { castToString } from './cast.js'
import type { CompiledColumn, ExprCompiler } from './expr-compile.js'
import { DEFAULT_PARTITION_NAME, escapePathName } from './hive-escape.js'
import { type WriterFormats, valueWriter } from './json-writer.js'
import type { TimestampFormatter } from './time-format.js'
import type { DataType } from './types.js'

/** JS expression text writing non-null `v` of type `t` as JSON (inline where it pays). */
export function writeCode(t: DataType, c: ExprCompiler, ts: TimestampFormatter, jsonStr: string, f: WriterFormats): string {
  switch (t.kind) {
    case 'string':
      return `${jsonStr}(v)`
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'bigint':
      return "('' + v)"
    case 'boolean':
      return "(v ? 'true' : 'false')"
    case 'timestamp':
      if (f.timestamp !== undefined) return `${c.helper(f.timestamp)}(v)`
      return `('"' + ${c.helper(ts)}.json(v) + '"')`
    default:
      return `${c.helper(valueWriter(t, ts, f))}(v)`
  }
}

/** `outer`: declarations outside the per-record function; `body`: statements setting `LP`. */
export function partitionCode(cols: CompiledColumn[], partIdx: number[], c: ExprCompiler, ts: TimestampFormatter): { outer: string[]; body: string[] } {
  const outer = ["let LP = '';", 'const UNSET = {};']
  if (partIdx.length === 0) return { outer, body: [] }
  const state: string[] = []
  const changed: string[] = []
  const assign: string[] = []
  const path: string[] = []
  const body: string[] = []
  partIdx.forEach((ci, k) => {
    const col = cols[ci]!
    const toStr = castToString(col.type, ts)
    const prefix = escapePathName(col.name) + '='
    const dir = (v: unknown): string => {
      if (v === null) return prefix + DEFAULT_PARTITION_NAME
      const s = toStr(v)
      return prefix + (s === '' ? DEFAULT_PARTITION_NAME : escapePathName(s))
    }
    body.push(`const p${k} = ${col.code};`)
    state.push(`L${k} = UNSET`)
    changed.push(`p${k} !== L${k}`)
    assign.push(`L${k} = p${k};`)
    path.push(`${c.helper(dir)}(p${k})`)
  })
  body.push(`if (${changed.join(' || ')}) { ${assign.join(' ')} LP = ${path.join(" + '/' + ")}; }`)
  outer.push(`let ${state.join(', ')};`)
  return { outer, body }
}
