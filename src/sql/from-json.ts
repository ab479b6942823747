/**
 * `from_json(CAST(value AS STRING), schema)` for one record at a time, into one reused row array.
 *
 * Spark 3.5 semantics (JsonToStructs + JacksonParser + FailureSafeParser):
 * - null or blank value → null struct (every field null, not corrupt);
 * - text that is not JSON, or JSON that is not an object → every field null, corrupt;
 * - a top-level field whose value does not fit its type → that field null, record corrupt;
 * - corrupt in PERMISSIVE: the STRING column named columnNameOfCorruptRecord (if the schema has
 *   one) gets the raw text; FAILFAST: SLUICE_RECORD_MALFORMED.
 * Unknown JSON fields are ignored; the corrupt column is never read from the JSON.
 *
 * Hot path: one JSON.parse and a generated root filler with inline property loads. The try/catch
 * around JSON.parse is per record because JSON.parse reports errors only by throwing; V8 makes a
 * try block free when nothing is thrown. Only when JSON.parse throws is the text read again by
 * the lenient reader (lenient-json.ts), which accepts what Spark's Jackson options allow
 * (single quotes and NaN/Infinity by default) and feeds the exact converters.
 */
import { SluiceError } from '../errors.js'
import { parseExact } from './exact-json.js'
import { javaUtf8 } from './java-utf8.js'
import { type Converter, MISMATCH, NEED_EXACT, beginRecord, makeConverter, recordWasPartial } from './json-coerce.js'
import { type JsonReadOptions, LenientError, SPARK_JSON_READ_DEFAULTS, parseLenient } from './lenient-json.js'
import type { ZoneRules } from './time-zone.js'
import { type KafkaRecord, type StructField, typeToString } from './types.js'

type Filler = (o: Record<string, unknown>, row: unknown[]) => number

const RESULT_OK = -1
const RESULT_EXACT = -2

export class JsonDataParser {
  /** The full schema (json_data's fields, corrupt column included). */
  readonly schema: StructField[]
  readonly corruptIndex: number
  /** A row whose fields are all null: the null struct (null or blank value). */
  readonly nullRow: unknown[]
  /** Set by {@link parse}: the last record was malformed. */
  corrupt = false
  readonly #failFast: boolean
  readonly #row: unknown[]
  readonly #dataIndex: number[]
  readonly #convs: Converter[]
  readonly #fill: Filler
  readonly #read: JsonReadOptions

  constructor(
    schema: StructField[],
    corruptColumn: string,
    failFast: boolean,
    zone: ZoneRules,
    read: JsonReadOptions = SPARK_JSON_READ_DEFAULTS,
  ) {
    this.#read = read
    this.schema = schema
    this.corruptIndex = schema.findIndex((f) => f.name === corruptColumn && f.type.kind === 'string')
    this.#failFast = failFast
    this.nullRow = new Array<unknown>(schema.length).fill(null)
    this.#row = new Array<unknown>(schema.length).fill(null)
    this.#dataIndex = []
    for (let i = 0; i < schema.length; i++) if (i !== this.corruptIndex) this.#dataIndex.push(i)
    this.#convs = schema.map((f) => makeConverter(f.type, zone, read))
    this.#fill = this.#generateFiller()
  }

  /** Generated: `o.message` style loads (monomorphic inline caches), strings inlined. */
  #generateFiller(): Filler {
    const lines: string[] = ['let v, r, bad = -1;']
    for (const i of this.#dataIndex) {
      const f = this.schema[i]!
      const key = JSON.stringify(f.name)
      const load = Object.hasOwn(Object.prototype, f.name)
        ? `(Object.hasOwn(o, ${key}) ? o[${key}] : undefined)`
        : `o[${key}]`
      lines.push(`v = ${load};`)
      lines.push(`if (v === undefined || v === null) row[${i}] = null;`)
      if (f.type.kind === 'string') lines.push(`else if (typeof v === 'string') row[${i}] = v;`)
      lines.push(
        `else { r = c[${i}](v); if (typeof r === 'symbol') { if (r === NE) return -2; row[${i}] = null; if (bad < 0) bad = ${i}; } else row[${i}] = r; }`,
      )
    }
    lines.push('return bad;')
    const factory = new Function('c', 'NE', `return function fill(o, row) {\n${lines.join('\n')}\n}`)
    return factory(this.#convs, NEED_EXACT) as Filler
  }

  #fillExact(m: Map<string, unknown>, row: unknown[]): number {
    let bad = RESULT_OK
    for (const i of this.#dataIndex) {
      const v = m.get(this.schema[i]!.name)
      if (v === undefined || v === null) {
        row[i] = null
        continue
      }
      const r = this.#convs[i]!(v)
      if (r === MISMATCH || r === NEED_EXACT) {
        row[i] = null
        if (bad < 0) bad = i
      } else row[i] = r
    }
    return bad
  }

  /** Parses the record's value; returns the row (reused) or {@link nullRow}. */
  parse(rec: KafkaRecord): unknown[] {
    this.corrupt = false
    if (rec.valueStart < 0) return this.nullRow
    return this.parseText(javaUtf8(rec.buf, rec.valueStart, rec.valueEnd), rec)
  }

  parseText(text: string, rec: KafkaRecord | null): unknown[] {
    this.corrupt = false
    const n = text.length
    let i = 0
    while (i < n && text.charCodeAt(i) <= 0x20) i++
    if (i === n) return this.nullRow
    let obj: unknown
    let lenient: Map<string, unknown> | null = null
    try {
      obj = JSON.parse(text)
    } catch (err) {
      const r = parseLenient(text, this.#read)
      if (r instanceof LenientError) return this.#malformed(text, rec, (err as Error).message)
      if (!(r instanceof Map)) return this.#malformed(text, rec, `the JSON value is ${describe(r)}, not an object`)
      lenient = r as Map<string, unknown>
      obj = Object.fromEntries(lenient)
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      return this.#malformed(text, rec, `the JSON value is ${describe(obj)}, not an object`)
    }
    if (lenient === null && n > MAX_DEPTH * 2 && nestedDeeperThan(text, MAX_DEPTH)) {
      return this.#malformed(text, rec, `the JSON nests deeper than ${MAX_DEPTH} levels (Jackson's limit in Spark 3.5)`)
    }
    const row = this.#row
    let bad: number
    if (lenient === null) {
      beginRecord(text, false)
      bad = this.#fill(obj as Record<string, unknown>, row)
    } else bad = RESULT_EXACT
    if (bad === RESULT_EXACT) {
      beginRecord(text, true)
      bad = this.#fillExact(lenient ?? (parseExact(text) as Map<string, unknown>), row)
    }
    if (bad < 0 && recordWasPartial()) bad = this.#firstStructField()
    if (bad >= 0) {
      if (this.#failFast) {
        const f = this.schema[bad]!
        const raw = (obj as Record<string, unknown>)[f.name]
        this.#throw(text, rec, `field '${f.name}' is ${typeToString(f.type)} but the JSON holds ${describe(raw)}`)
      }
      this.corrupt = true
      if (this.corruptIndex >= 0) row[this.corruptIndex] = text
    } else if (this.corruptIndex >= 0) {
      row[this.corruptIndex] = null
    }
    return row
  }

  /** The field reported for a partially filled nested struct (FAILFAST's message). */
  #firstStructField(): number {
    const i = this.#dataIndex.find((k) => this.schema[k]!.type.kind === 'struct')
    return i ?? this.#dataIndex[0] ?? 0
  }

  #malformed(text: string, rec: KafkaRecord | null, why: string): unknown[] {
    if (this.#failFast) this.#throw(text, rec, why)
    this.corrupt = true
    const row = this.#row
    row.fill(null)
    if (this.corruptIndex >= 0) row[this.corruptIndex] = text
    return row
  }

  #throw(text: string, rec: KafkaRecord | null, why: string): never {
    const where = rec === null ? 'a record' : `record ${rec.topic}-${rec.partition} offset ${rec.offset}`
    const sample = text.length > 200 ? text.slice(0, 200) + '...' : text
    throw new SluiceError(
      'SLUICE_RECORD_MALFORMED',
      `from_json: ${where} is malformed: ${why}. Parse mode FAILFAST stops at the first malformed record; ` +
        `fix the producer, or set mode PERMISSIVE to write nulls (and the raw text into a STRING ` +
        `column named by columnNameOfCorruptRecord, if the schema has one). Value: ${sample}`,
      {
        details: {
          topic: rec?.topic,
          partition: rec?.partition,
          offset: rec?.offset,
          reason: why,
          // Record content: kept out of HTTP answers unless metrics.showRecordContent (monitoring.ts).
          recordSample: sample,
        },
      },
    )
  }
}

/** Jackson 2.15's StreamReadConstraints maxNestingDepth (Spark 3.5 ships Jackson 2.15). */
const MAX_DEPTH = 1000

/**
 * Whether `text` (valid JSON) nests arrays/objects deeper than `max`. Only texts longer than
 * 2 × max can, so ordinary records never pay for this scan.
 */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`
  return `the ${typeof v} ${String(v)}`
}
