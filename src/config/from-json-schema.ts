/**
 * The `fromJson` section: the options map of Spark's `from_json(value, schema, options)`, by
 * Spark's names and with Spark 3.5's defaults (JSONOptions). They only matter for records that
 * JSON.parse refuses: those are read again leniently as Spark's Jackson parser would (see
 * src/sql/lenient-json.ts). `mode` and `columnNameOfCorruptRecord` stay in `sink`, where they were.
 */
import { z } from 'zod'
import { compilePatternParser } from '../sql/time-pattern-parse.js'
import { Bad, bool, def, field, opt } from './fields.js'
import { show } from './problems.js'

/** A Spark datetime pattern that sluice can parse with (checked before the job starts). */
const parsePattern = field<string>((v) => {
  if (typeof v !== 'string' || v === '') return new Bad(`expected a Spark datetime pattern such as "yyyy-MM-dd HH:mm:ss", got ${show(v)}`)
  try {
    compilePatternParser(v, (why) => {
      throw new Bad(why)
    })
  } catch (err) {
    if (err instanceof Bad) return new Bad(`${show(v)} cannot be parsed with: ${err.message}; write a Spark datetime pattern such as "yyyy-MM-dd HH:mm:ss"`)
    throw err
  }
  return v
})

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
    timestampFormat: opt(parsePattern, {
      type: 'datetime pattern',
      default: "Spark's default reading",
      spark: 'from_json option timestampFormat',
      description:
        "Pattern of TIMESTAMP strings (Spark's datetime patterns: `yyyy-MM-dd HH:mm:ss`, `dd/MM/yyyy HH:mm[:ss][.SSS]XXX`, ...), parsed as Spark 3.5's new parser does (CORRECTED): strict widths, whole string, the pattern's offset or zone (`XXX`, `Z`, `VV`) else the session zone; `E` and `F` (day names) are refused at start-up, as Spark 3.5 refuses them for parsing. A string that does not match makes the field null and the record corrupt (PERMISSIVE) or stops the batch (FAILFAST); Spark's default policy (EXCEPTION) instead fails the query when its legacy parser would have read it. Numbers are still seconds since the epoch. Unset: `yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]` with Spark's lenient fallback.",
    }),
    dateFormat: opt(parsePattern, {
      type: 'datetime pattern',
      default: "Spark's default reading",
      spark: 'from_json option dateFormat',
      description:
        'Pattern of DATE strings (e.g. `dd.MM.yyyy`, `yyyyMMdd`), parsed as for timestampFormat (time fields are checked and dropped). A string that does not match makes the record corrupt. Unset: `yyyy-MM-dd` with its lenient forms, and Spark 1.5 day numbers unless enableDateTimeParsingFallback is false.',
    }),
    enableDateTimeParsingFallback: opt(bool(), {
      type: 'boolean',
      default: 'true without a pattern, false with one',
      spark: 'from_json option enableDateTimeParsingFallback',
      description:
        'A TIMESTAMP or DATE string that does not match timestampFormat/dateFormat is read again as Spark reads it without a pattern.',
    }),
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
  timestampNTZFormat: 'not applicable: the schema has no TIMESTAMP_NTZ type (TIMESTAMP is read with timestampFormat)',
  primitivesAsString: 'not applicable: from_json uses the job schema, not inference',
  prefersDecimal: 'not applicable: from_json uses the job schema, not inference',
  dropFieldIfAllNull: 'not applicable: from_json uses the job schema, not inference',
  multiLine: 'not applicable: each Kafka value is one JSON document',
  encoding: 'not supported: Kafka values are read as UTF-8, as CAST(value AS STRING) does',
  lineSep: 'not applicable: each Kafka value is one JSON document',
  mode: 'set it as sink.mode',
  columnNameOfCorruptRecord: 'set it as sink.columnNameOfCorruptRecord',
}
