/**
 * The `fromJson` section: the options map of Spark's `from_json(value, schema, options)`, by
 * Spark's names and with Spark 3.5's defaults (JSONOptions). They only matter for records that
 * JSON.parse refuses: those are read again leniently as Spark's Jackson parser would (see
 * src/sql/lenient-json.ts). `mode` and `columnNameOfCorruptRecord` stay in `sink`, where they were.
 */
import { z } from 'zod'
import { bool, def } from './fields.js'

function flag(name: string, value: boolean, description: string) {
  return def(bool(), value, { type: 'boolean', default: String(value), spark: `from_json option ${name}`, description })
}

export const fromJsonSchema = z
  .object({
    allowSingleQuotes: flag('allowSingleQuotes', true, "Accept 'single-quoted' strings and field names."),
    allowNonNumericNumbers: flag(
      'allowNonNumericNumbers',
      true,
      'Accept the unquoted numbers NaN, Infinity, +Infinity, -Infinity, +INF, -INF.',
    ),
    allowUnquotedFieldNames: flag('allowUnquotedFieldNames', false, 'Accept unquoted field names ({a: 1}).'),
    allowComments: flag('allowComments', false, 'Accept Java/C++ comments (/* ... */, // ...) in the JSON.'),
    allowNumericLeadingZeros: flag('allowNumericLeadingZeros', false, 'Accept numbers with leading zeros (007).'),
    allowBackslashEscapingAnyCharacter: flag(
      'allowBackslashEscapingAnyCharacter',
      false,
      'Accept a backslash before any character ("\\q" is "q").',
    ),
    allowUnquotedControlChars: flag(
      'allowUnquotedControlChars',
      false,
      'Accept raw control characters (U+0000-U+001F) inside strings.',
    ),
  })
  .meta({
    title: 'fromJson',
    description:
      "Options of `from_json(value, schema, options)`, by Spark's names, with Spark's defaults. Keys are case-insensitive, as in Spark.",
    caseInsensitive: true,
  })

export type RawFromJson = z.output<typeof fromJsonSchema>

/** Spark from_json options that are recognised but not accepted. */
export const FROM_JSON_UNSUPPORTED: Record<string, string> = {
  timestampFormat:
    "not supported yet: timestamps are read as Spark reads them without the option (yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX], falling back to its lenient ISO-8601 reader); convert other formats in the producer",
  dateFormat: 'not supported yet: dates are read as Spark reads them without the option (yyyy-MM-dd and its lenient fallbacks)',
  timestampNTZFormat: 'not supported: the schema has no TIMESTAMP_NTZ type',
  primitivesAsString: 'not applicable: from_json uses the job schema, not inference',
  prefersDecimal: 'not applicable: from_json uses the job schema, not inference',
  dropFieldIfAllNull: 'not applicable: from_json uses the job schema, not inference',
  multiLine: 'not applicable: each Kafka value is one JSON document',
  encoding: 'not supported: Kafka values are read as UTF-8, as CAST(value AS STRING) does',
  lineSep: 'not applicable: each Kafka value is one JSON document',
  mode: 'set it as sink.mode',
  columnNameOfCorruptRecord: 'set it as sink.columnNameOfCorruptRecord',
}
