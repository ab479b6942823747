/**
 * compileProjection: from_json + selectExpr + partition paths + the JSON line, compiled once per
 * job into one generated function per projection (`new Function`), so the per-record work is
 * straight-line code: parse, inline property loads, string concatenation, cached date strings.
 *
 * Serialiser choice, measured with bench/serialize.bench.ts (Node 20.20, 2-core AMD EPYC, medians
 * of 7 alternating repetitions, rows/s):
 *   job rows {message, kafka_timestamp}, 109 B: generated concat 9.4M, concat with JSON.stringify
 *   as escaper 5.0M, fast-json-stringify 5.0M, JSON.stringify 2.7M;
 *   wide row (9 columns incl. doubles, array, struct), 280 B: sluice struct writer 1.0M,
 *   fast-json-stringify 1.1M, JSON.stringify 0.86M.
 * Only the sluice writer prints Java doubles (1.0, 1.0E-7) and Jackson's escapes; it wins on the
 * job's rows and is within noise on wide rows, so it is the only writer here. The whole job
 * projection (utf-8 decode + JSON.parse + from_json + date_format x2 + line + partition path)
 * runs at ~1.3M records/s, about half of JSON.parse alone on the same input (~2.6M/s).
 */
import { SluiceError } from '../errors.js'
import { type CompiledColumn, ExprCompiler } from './expr-compile.js'
import { JsonDataParser } from './from-json.js'
import { jsonString } from './json-escape.js'
import type { WriterFormats } from './json-writer.js'
import { partitionCode, writeCode } from './row-code.js'
import { compileBytesProjection } from './projection-bytes.js'
import { selectError, parseSelectItem } from './select-parse.js'
import { TimestampFormatter, compileDateFormat } from './time-format.js'
import { fieldTokens, isTimeLetter, isZoneLetter, tokenizePattern } from './time-pattern.js'
import { DAY_MS, type ZoneRules, getZone } from './time-zone.js'
import {
  type DataType,
  type KafkaRecord,
  type ProjectBytesFn,
  type ProjectedRow,
  type Projection,
  type ProjectionOptions,
  isComplex,
  typeToString,
} from './types.js'

type ProjectFn = (rec: KafkaRecord, out: ProjectedRow) => void

function writerOptionError(option: string, pattern: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_CONFIG_VALUE',
    `sink.${option} ${JSON.stringify(pattern)} cannot be used: ${why}. Write a Spark datetime pattern such as "yyyy-MM-dd HH:mm:ss".`,
    { details: { option, pattern } },
  )
}

/** The JSON writer's datetime options compiled (sink.timestampFormat, sink.dateFormat). */
export function writerFormats(o: ProjectionOptions['writer'], zone: ZoneRules): WriterFormats {
  const f: WriterFormats = { ignoreNullFields: o?.ignoreNullFields }
  const tsPattern = o?.timestampFormat
  if (tsPattern !== undefined) {
    const fmt = compileDateFormat(tsPattern, zone, (why) => {
      throw writerOptionError('timestampFormat', tsPattern, why)
    })
    // Pattern literals may hold quotes or backslashes: the text is escaped as Jackson does.
    f.timestamp = (us) => jsonString(fmt(us))
  }
  const datePattern = o?.dateFormat
  if (datePattern !== undefined) {
    const fail = (why: string): never => {
      throw writerOptionError('dateFormat', datePattern, why)
    }
    for (const t of fieldTokens(tokenizePattern(datePattern, fail))) {
      if (isTimeLetter(t.letter) || isZoneLetter(t.letter)) {
        fail(`a DATE has no time of day or zone, and pattern letter '${t.letter}' at position ${t.at} needs one (Spark fails the query on it too)`)
      }
    }
    const fmt = compileDateFormat(datePattern, getZone('UTC'), fail)
    f.date = (days) => jsonString(fmt(days * DAY_MS * 1000))
  }
  return f
}

function partitionError(field: string, why: string, details: Record<string, unknown>): SluiceError {
  return new SluiceError('SLUICE_CONFIG_PARTITION_BY', `sink.partitionBy: ${why}.`, {
    details: { field, ...details },
  })
}

function checkSchema(o: ProjectionOptions): void {
  const walk = (t: DataType, path: string): void => {
    if (t.kind === 'map') {
      if (t.key.kind !== 'string') {
        throw new SluiceError(
          'SLUICE_CONFIG_SCHEMA',
          `schema: ${path} is ${typeToString(t)}, but from_json reads JSON object keys, which are ` +
            `strings; declare it MAP<STRING, ${typeToString(t.value)}>.`,
          { details: { field: path } },
        )
      }
      walk(t.value, path)
    } else if (t.kind === 'array') walk(t.element, path)
    else if (t.kind === 'struct') for (const f of t.fields) walk(f.type, `${path}.${f.name}`)
  }
  for (const f of o.schema) walk(f.type, f.name)
  const corrupt = o.schema.find((f) => f.name === o.columnNameOfCorruptRecord)
  if (corrupt !== undefined && corrupt.type.kind !== 'string') {
    throw new SluiceError(
      'SLUICE_CONFIG_SCHEMA',
      `schema: the corrupt-record column '${corrupt.name}' is ${typeToString(corrupt.type)}; ` +
        `Spark requires it to be STRING. Declare it '${corrupt.name} STRING' or rename the field.`,
      { details: { field: corrupt.name } },
    )
  }
}

class CompiledProjection implements Projection {
  readonly columns: { name: string; type: DataType }[]
  readonly partitionColumns: string[]
  readonly project: ProjectFn
  readonly projectBytes: ProjectBytesFn | null

  constructor(columns: { name: string; type: DataType }[], partitionColumns: string[], project: ProjectFn, projectBytes: ProjectBytesFn | null) {
    this.columns = columns
    this.partitionColumns = partitionColumns
    this.project = project
    this.projectBytes = projectBytes
  }
}

/**
 * Generates the per-record projection function. Over 80 lines on purpose: the generator's steps
 * (columns, partition values, the row writer) append to one body and share its declarations.
 */
export function compileProjection(o: ProjectionOptions): Projection {
  const zone = getZone(o.timeZone)
  const ts = new TimestampFormatter(zone)
  const formats = writerFormats(o.writer, zone)
  checkSchema(o)
  if (o.select.length === 0) throw selectError('', 'select is empty; list at least one column, e.g. json_data.*')
  const c = new ExprCompiler(o.schema, o.includeHeaders, ts)
  const cols: CompiledColumn[] = []
  for (const src of o.select) cols.push(...c.compileItem(parseSelectItem(src)))

  const seen = new Map<string, string>()
  for (const col of cols) {
    const k = col.name.toLowerCase()
    const prev = seen.get(k)
    if (prev !== undefined) {
      throw selectError(
        o.select.join(', '),
        `the output has two columns named '${prev}' and '${col.name}' (names are case-insensitive); rename one with AS`,
        { column: col.name },
      )
    }
    seen.set(k, col.name)
  }

  // partitionBy → indexes into the select output.
  const partIdx: number[] = []
  for (const p of o.partitionBy) {
    let i = cols.findIndex((col) => col.name === p)
    if (i < 0) i = cols.findIndex((col) => col.name.toLowerCase() === p.toLowerCase())
    if (i < 0) {
      throw partitionError(
        p,
        `column '${p}' is not in the select output (${cols.map((x) => x.name).join(', ')}); ` +
          `add it to select (e.g. "date_format(timestamp, 'yyyy-MM-dd') AS ${p}") or remove it from partitionBy`,
        { columns: cols.map((x) => x.name) },
      )
    }
    if (partIdx.includes(i)) throw partitionError(p, `column '${p}' is listed twice`, {})
    if (isComplex(cols[i]!.type)) {
      throw partitionError(p, `column '${p}' is ${typeToString(cols[i]!.type)}; partition columns must be atomic types`, {})
    }
    partIdx.push(i)
  }
  if (partIdx.length > 0 && partIdx.length === cols.length) {
    throw partitionError(o.partitionBy.join(','), 'every output column is a partition column, so the files would be empty; keep at least one column out of partitionBy', {})
  }

  const parser = new JsonDataParser(o.schema, o.columnNameOfCorruptRecord, o.mode === 'FAILFAST', zone, o.jsonOptions)
  const part = partitionCode(cols, partIdx, c, ts)
  const outerDecls: string[] = ['const NR = P.nullRow;', ...part.outer]
  const body: string[] = []
  const jsonStr = c.helper(jsonString)
  if (c.usesJson) body.push('const d = P.parse(rec);')
  body.push("let s = '{', c = '', v;")
  // output 'values' (sink.format parquet): the data columns' values into out.values, no JSON line.
  const asValues = o.output === 'values'
  if (asValues) body.push('const V = out.values;')
  let first = true
  let valueIndex = 0
  cols.forEach((col, i) => {
    if (partIdx.includes(i)) return
    if (asValues) {
      body.push(`V[${valueIndex++}] = ${col.code};`)
      return
    }
    const key = JSON.stringify(jsonString(col.name) + ':')
    const w = writeCode(col.type, c, ts, jsonStr, formats)
    body.push(`v = ${col.code};`)
    if (col.nonNull && first) {
      body.push(`s += ${key} + ${w}; c = ',';`)
    } else if (formats.ignoreNullFields === false) {
      body.push(`s += c + ${key} + (v !== null ? ${w} : 'null'); c = ',';`)
    } else {
      body.push(`if (v !== null) { s += c + ${key} + ${w}; c = ','; }`)
    }
    first = false
  })
  body.push(asValues ? "out.line = '';" : "out.line = s + '}';")
  body.push(...part.body)
  body.push('out.partitionPath = LP;')
  body.push(c.usesJson ? 'out.corrupt = P.corrupt;' : 'out.corrupt = false;')
  const temps = Array.from({ length: c.temps }, (_, i) => `t${i}`)
  if (temps.length > 0) body.unshift(`let ${temps.join(', ')};`)

  const helperDecls = c.helpers.map((_, i) => `const H${i} = H[${i}];`)
  const src = `${[...helperDecls, ...outerDecls].join('\n')}\nreturn function project(rec, out) {\n${body.join('\n')}\n};`
  const factory = new Function('H', 'P', src) as (h: unknown[], p: JsonDataParser) => ProjectFn
  const project = factory(c.helpers, parser)
  // The byte path writes JSON lines; Parquet's column values take the object path.
  const projectBytes = asValues ? null : compileBytesProjection({ o, cols, partIdx, c, ts, formats, jsonStr, temps: c.temps })
  return new CompiledProjection(
    cols.map((x) => ({ name: x.name, type: x.type })),
    partIdx.map((i) => cols[i]!.name),
    project,
    projectBytes,
  )
}
