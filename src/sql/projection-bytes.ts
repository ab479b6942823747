/**
 * The byte projection: the read path's fast way to the same JSON line as the string projection
 * (projection.ts), for projections whose json_data fields are all STRING. Per record it scans the
 * value's bytes (json-scan.ts), and writes the line straight into the row's block: the keys as
 * constant bytes, each json_data string as the literal's bytes copied from the fetch buffer, the
 * Kafka timestamp from cached bytes, other columns through their string writer. No JS string of
 * the value, no JSON.parse object, no line string, no UTF-8 encode of it.
 *
 * Where the scanner cannot be sure (escapes it does not copy, non-STRING values, duplicates,
 * anything not strict JSON: see json-scan.ts) the function returns false before writing and the
 * caller runs the string projection, which is the reference: test/unit/sql-bytes.test.ts checks
 * that both write the same bytes on generated records.
 *
 * A projection gets no byte form (compileBytesProjection returns null) when a json_data field is
 * not STRING or has a name of Object.prototype's, when the schema repeats a name, or when a
 * column uses json_data other than as a plain field (`json_data` itself, CAST, date_format over a
 * field) or a partition column uses it at all.
 */
import type { CompiledColumn, ExprCompiler } from './expr-compile.js'
import { FlatJsonScanner } from './json-scan.js'
import { jsonString } from './json-escape.js'
import type { WriterFormats } from './json-writer.js'
import { partitionCode, writeCode } from './row-code.js'
import type { TimestampFormatter } from './time-format.js'
import type { KafkaRecord, ProjectBytesFn, ProjectionOptions, RowSink } from './types.js'

export interface BytesProjectionArgs {
  o: ProjectionOptions
  cols: CompiledColumn[]
  partIdx: number[]
  c: ExprCompiler
  ts: TimestampFormatter
  formats: WriterFormats
  /** The helper name of jsonString (as the string projection registered it). */
  jsonStr: string
  /** Temporaries t0..tN the columns' code uses. */
  temps: number
}

const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype))
/** Whether expression code reads the json_data row `d` (conservative: any identifier `d`). */
const USES_D = /(^|[^\w$.])d(?![\w$])/
const PLAIN_FIELD = /^d\[(\d+)\]$/
/** The most bytes one JSON timestamp literal takes (`"+275760-09-13T00:00:00.000+14:00"` is 33). */
const TIMESTAMP_MAX = 48

/**
 * Copies src[s, e) to dst at p; returns the end. A loop up to 256 bytes: Buffer#copy's native
 * path costs more than that in a record-sized copy (it was 7 % of a drain's CPU with 70-byte rows).
 */
export function copyBytes(src: Buffer, s: number, e: number, dst: Buffer, p: number): number {
  const n = e - s
  if (n > 256) {
    dst.set(src.subarray(s, e), p)
    return p + n
  }
  for (let j = 0; j < n; j++) dst[p + j] = src[s + j]!
  return p + n
}

/**
 * Spark's default JSON timestamp (`"yyyy-MM-dd'T'HH:mm:ss.SSSXXX"`, quoted) as bytes. The date
 * (`"2025-07-02T`) and the zone offset (`Z"`, `+09:00"`) are cut from TimestampFormatter.json's
 * text once per local day and offset; the time of day is written as digits per record (records
 * of one partition are often seconds apart, so a per-second cache would miss on every record).
 */
export class JsonTimestampBytes {
  readonly #ts: TimestampFormatter
  #day = Number.NaN
  #off = Number.NaN
  readonly #date = new Uint8Array(TIMESTAMP_MAX)
  #dateLen = 0
  readonly #zone = new Uint8Array(TIMESTAMP_MAX)
  #zoneLen = 0

  constructor(ts: TimestampFormatter) {
    this.#ts = ts
  }

  /** Writes timestamp `us` (µs) at o[p]; returns the end. */
  write(o: Buffer, p: number, us: number): number {
    const ms = Math.floor(us / 1000)
    const off = this.#ts.zone.offsetMs(ms)
    const local = ms + off
    const day = Math.floor(local / 86_400_000)
    if (day !== this.#day || off !== this.#off) this.#cut(us, day, off)
    const date = this.#date
    const n = this.#dateLen
    for (let j = 0; j < n; j++) o[p + j] = date[j]!
    p += n
    // As json() splits it: local seconds of the day, then the milliseconds of the second.
    const sec = Math.floor(local / 1000)
    const sod = sec - day * 86_400
    const h = Math.floor(sod / 3600)
    const mi = Math.floor((sod - h * 3600) / 60)
    const se = sod - h * 3600 - mi * 60
    const m = local - sec * 1000
    o[p] = 0x30 + Math.floor(h / 10)
    o[p + 1] = 0x30 + (h % 10)
    o[p + 2] = 0x3a
    o[p + 3] = 0x30 + Math.floor(mi / 10)
    o[p + 4] = 0x30 + (mi % 10)
    o[p + 5] = 0x3a
    o[p + 6] = 0x30 + Math.floor(se / 10)
    o[p + 7] = 0x30 + (se % 10)
    o[p + 8] = 0x2e
    o[p + 9] = 0x30 + Math.floor(m / 100)
    o[p + 10] = 0x30 + (Math.floor(m / 10) % 10)
    o[p + 11] = 0x30 + (m % 10)
    p += 12
    const zone = this.#zone
    const z = this.#zoneLen
    for (let j = 0; j < z; j++) o[p + j] = zone[j]!
    return p + z
  }

  /** Takes the date and offset bytes of this day and offset from json()'s text (ASCII). */
  #cut(us: number, day: number, off: number): void {
    const text = '"' + this.#ts.json(us) + '"'
    // json() is date + 'T' + HH:mm:ss + '.' + SSS + offset, and no year text holds a 'T'.
    const t = text.indexOf('T') + 1
    for (let j = 0; j < t; j++) this.#date[j] = text.charCodeAt(j)
    this.#dateLen = t
    const z = t + 12
    for (let j = z; j < text.length; j++) this.#zone[j - z] = text.charCodeAt(j)
    this.#zoneLen = text.length - z
    this.#day = day
    this.#off = off
  }
}

/** Code writing constant bytes at o[p] (unrolled when short), advancing p. */
function constBytes(bytes: Buffer, name: string): string {
  if (bytes.length > 24) return `p += ${name}.copy(o, p);`
  const stores = Array.from(bytes, (x, j) => `o[p${j === 0 ? '' : ' + ' + j}] = ${x};`)
  return `${stores.join(' ')} p += ${bytes.length};`
}

/**
 * The byte form of a compiled projection, or null when it has none (see the file comment).
 * Over 80 lines on purpose: like compileProjection, the generator's steps append to one body.
 */
export function compileBytesProjection(a: BytesProjectionArgs): ProjectBytesFn | null {
  const { o, cols, partIdx, c } = a
  const corruptIndex = o.schema.findIndex((f) => f.name === o.columnNameOfCorruptRecord && f.type.kind === 'string')
  const dataIdx: number[] = []
  const names = new Set<string>()
  for (let i = 0; i < o.schema.length; i++) {
    const f = o.schema[i]!
    if (names.has(f.name)) return null
    names.add(f.name)
    if (i === corruptIndex) continue
    if (c.usesJson && (f.type.kind !== 'string' || PROTO_KEYS.has(f.name))) return null
    dataIdx.push(i)
  }
  for (const i of partIdx) if (USES_D.test(cols[i]!.code)) return null
  const writeNulls = a.formats.ignoreNullFields === false
  const consts: Buffer[] = []
  const constName = (bytes: Buffer): string => {
    consts.push(bytes)
    return `K[${consts.length - 1}]`
  }
  const nullBytes = Buffer.from('null')
  const pre: string[] = []
  const write: string[] = []
  let need = 2
  let spanCopies = 0
  let tsWriter: JsonTimestampBytes | null = null
  for (let ci = 0; ci < cols.length; ci++) {
    if (partIdx.includes(ci)) continue
    const col = cols[ci]!
    const key = Buffer.from(jsonString(col.name) + ':', 'utf8')
    const sepKey = `if (c === 1) o[p++] = 44; ${constBytes(key, constName(key))}`
    const ifNull = writeNulls ? ` else { ${sepKey} ${constBytes(nullBytes, 'NB')} c = 1; }` : ''
    need += 1 + key.length + 4
    const field = PLAIN_FIELD.exec(col.code)
    if (field !== null) {
      const i = Number(field[1])
      if (i === corruptIndex) {
        // Never set in a record the scanner accepts (it is not corrupt).
        if (writeNulls) write.push(`${sepKey} ${constBytes(nullBytes, 'NB')} c = 1;`)
        continue
      }
      const k = dataIdx.indexOf(i)
      if (k < 0) return null
      spanCopies++
      write.push(`s = SP[${2 * k}]; if (s >= 0) { ${sepKey} p = CP(b, s, SP[${2 * k + 1}], o, p); c = 1; }${ifNull}`)
      continue
    }
    if (USES_D.test(col.code)) return null
    if (col.type.kind === 'timestamp' && a.formats.timestamp === undefined) {
      tsWriter ??= new JsonTimestampBytes(a.ts)
      need += TIMESTAMP_MAX
      pre.push(`const x${ci} = ${col.code};`)
      const w = `${sepKey} p = TS.write(o, p, x${ci}); c = 1;`
      write.push(col.nonNull ? w : `if (x${ci} !== null) { ${w} }${ifNull}`)
      continue
    }
    pre.push(`let w${ci} = null; v = ${col.code}; if (v !== null) { w${ci} = ${writeCode(col.type, c, a.ts, a.jsonStr, a.formats)}; need += w${ci}.length * 3; }`)
    write.push(`if (w${ci} !== null) { ${sepKey} p += o.utf8Write(w${ci}, p); c = 1; }${ifNull}`)
  }
  const part = partitionCode(cols, partIdx, c, a.ts)
  const body: string[] = []
  if (a.temps > 0) body.push(`let ${Array.from({ length: a.temps }, (_, i) => `t${i}`).join(', ')};`)
  body.push('const b = rec.buf;')
  body.push(`let v, s, need = ${need};`)
  if (c.usesJson) {
    body.push('const vs = rec.valueStart, ve = rec.valueEnd;')
    body.push('if (vs < 0 || !SC.scan(b, vs, ve)) return false;')
    if (spanCopies > 0) body.push(`need += (ve - vs) * ${spanCopies};`)
  }
  body.push(...part.body, ...pre)
  body.push('const o = sink.room(LP, need);')
  body.push('let p = sink.pos, c = 0;')
  body.push('o[p++] = 123;', ...write, 'o[p++] = 125;')
  body.push('sink.commit(p);', 'return true;')
  const scanner = new FlatJsonScanner(dataIdx.map((i) => o.schema[i]!.name))
  const helperDecls = c.helpers.map((_, i) => `const H${i} = H[${i}];`)
  const src = [
    ...helperDecls,
    'const SC = X.scanner, SP = SC.spans, CP = X.copy, TS = X.ts, K = X.consts, NB = X.nullBytes;',
    ...part.outer,
    `return function projectBytes(rec, sink) {\n${body.join('\n')}\n};`,
  ].join('\n')
  const factory = new Function('H', 'X', src) as (h: unknown[], x: unknown) => (rec: KafkaRecord, sink: RowSink) => boolean
  return factory(c.helpers, { scanner, copy: copyBytes, ts: tsWriter, consts, nullBytes })
}
