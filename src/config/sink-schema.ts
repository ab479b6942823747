/**
 * The `sink` section: Spark's file sink (`writeStream.format('json').option(...)`), its trigger,
 * and from_json's parse options. Keys are case-insensitive, as Spark's options are.
 */
import { z } from 'zod'
import type { Location } from '../storage/types.js'
import type { Trigger } from './types.js'
import { Bad, bool, bytes, choice, def, duration, field, int, list, opt, req, text } from './fields.js'
import { parseLocation } from '../storage/index.js'
import { ConfigCode, show } from './problems.js'
import { parseDuration } from './units.js'

const location = field<Location>((v) => {
  if (typeof v !== 'string') return new Bad(`expected a location such as "s3a://bucket/prefix/", got ${show(v)}`)
  try {
    return parseLocation(v)
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown }
    return new Bad(String(e.message), e.code === ConfigCode.PATH ? ConfigCode.PATH : ConfigCode.VALUE)
  }
})

const TRIGGER_FORMS = `"2 seconds", "ProcessingTime('1 minute')", "once" or "availableNow"`

/**
 * trigger := duration | "ProcessingTime(" quoted-duration ")" | "processingTime=" duration
 *          | "once" | "availableNow" | { processingTime: duration } | { once: true }
 *          | { availableNow: true }
 * A duration of 0 means "as fast as possible" (Spark's default when no trigger is set).
 */
export function parseTrigger(v: unknown): Trigger | Bad {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v)
    if (entries.length !== 1) return new Bad(`a trigger map has exactly one key; write e.g. ${TRIGGER_FORMS}`)
    const [k, val] = entries[0]!
    const key = k.toLowerCase()
    if (key === 'processingtime') return parseTrigger(typeof val === 'number' ? val : String(val))
    if ((key === 'once' || key === 'availablenow') && (val === true || val === 'true')) {
      return parseTrigger(k)
    }
    return new Bad(`unrecognised trigger ${show(v)}; write e.g. ${TRIGGER_FORMS}`)
  }
  if (typeof v === 'number') {
    const ms = parseDuration(v)
    return ms === undefined ? new Bad(`expected ${TRIGGER_FORMS}, got ${show(v)}`) : { kind: 'processingTime', intervalMs: ms }
  }
  if (typeof v !== 'string') return new Bad(`expected ${TRIGGER_FORMS}, got ${show(v)}`)
  let s = v.trim()
  const lower = s.toLowerCase().replace(/[\s_-]/g, '')
  if (lower === 'once' || lower === 'once()' || lower === 'once=true') return { kind: 'once' }
  if (lower === 'availablenow' || lower === 'availablenow()' || lower === 'availablenow=true') {
    return { kind: 'availableNow' }
  }
  if (lower.startsWith('continuous')) {
    return new Bad(
      "continuous processing is not supported (Spark's file sink does not support it either); use a processing-time trigger such as \"1 second\"",
      ConfigCode.UNSUPPORTED,
    )
  }
  const call = /^processingtime\s*(?:\(\s*(['"]?)(.*)\1\s*\)|=\s*(['"]?)(.*)\3)$/i.exec(s)
  if (call) s = (call[2] ?? call[4] ?? '').trim()
  const ms = parseDuration(s)
  if (ms === undefined) return new Bad(`expected ${TRIGGER_FORMS}, got ${show(v)}`)
  return { kind: 'processingTime', intervalMs: ms }
}

const trigger = field<Trigger>(parseTrigger)

const FORMAT_UNSUPPORTED: Record<string, string> = {}
for (const f of ['parquet', 'csv', 'orc', 'text', 'avro', 'delta', 'iceberg', 'hudi']) {
  FORMAT_UNSUPPORTED[f] = `sluice writes JSON lines only (format: json); convert downstream, or keep Spark for ${f} output`
}
for (const f of ['console', 'memory', 'kafka', 'foreach', 'foreachBatch', 'noop']) {
  FORMAT_UNSUPPORTED[f] = 'sluice is a file sink writing JSON lines to S3 or a directory; use format: json'
}

export const DEFAULT_WRITER_MEMORY = 256 * 1024 * 1024

export const sinkSchema = z
  .object({
    format: def(choice({ values: ['json'] as const, unsupported: FORMAT_UNSUPPORTED }), 'json', {
      type: 'json',
      default: 'json',
      spark: "writeStream.format('json')",
      description: 'Output format; JSON lines is the only one.',
    }),
    path: req(location, {
      type: 'location',
      spark: "option('path') / start(path)",
      description: 'Output directory: s3://bucket/prefix, s3a://bucket/prefix or file:///dir. `_spark_metadata` lives under it.',
    }),
    checkpointLocation: req(location, {
      type: 'location',
      spark: 'checkpointLocation',
      description: "Checkpoint directory in Spark's format (offsets/, commits/, metadata, sources/).",
    }),
    partitionBy: def(list({ example: '[dt, dth]', comma: true, allowEmpty: true }), [], {
      type: 'list of columns',
      default: '[]',
      spark: 'partitionBy(...)',
      description: 'Columns of the select list that become `col=value` directories (not written into the JSON body).',
    }),
    coalesce: opt(int({ min: 1, example: 3, hint: 'omit coalesce for one writer per Kafka offset range' }), {
      type: 'int ≥ 1',
      default: 'one writer per offset range',
      spark: 'coalesce(N)',
      description: 'Number of writers per batch (files per partition directory), balanced by record count. Fewer writers → fewer, larger files. It does not limit parallelism: every worker reads and projects (read tasks), whatever coalesce is.',
    }),
    trigger: opt(trigger, {
      type: 'trigger',
      default: 'as fast as possible',
      spark: 'trigger(...)',
      description:
        'processingTime interval ("2 seconds", "ProcessingTime(\'1 minute\')"), "once" or "availableNow". The CLI flag --trigger overrides it.',
    }),
    outputMode: def(
      choice({
        values: ['append'] as const,
        unsupported: {
          complete: "Spark's file sink supports append only; use outputMode: append",
          update: "Spark's file sink supports append only; use outputMode: append",
        },
      }),
      'append',
      { type: 'append', default: 'append', spark: 'outputMode', description: 'Only append, as for Spark file sinks.' },
    ),
    compression: def(
      choice<'none' | 'gzip'>({
        values: ['none', 'gzip'] as const,
        aliases: { uncompressed: 'none' },
        unsupported: Object.fromEntries(
          ['bzip2', 'lz4', 'snappy', 'deflate', 'zstd'].map((c) => [c, 'supported codecs are none and gzip; use gzip']),
        ),
      }),
      'none',
      {
        type: 'none | uncompressed | gzip',
        default: 'none',
        spark: 'compression',
        description: 'Compression of the output files (gzip files end in .json.gz).',
      },
    ),
    mode: def(
      choice({
        values: ['PERMISSIVE', 'FAILFAST'] as const,
        unsupported: {
          DROPMALFORMED:
            'from_json rejects DROPMALFORMED in Spark too; use PERMISSIVE (malformed records become null fields plus the corrupt-record column) or FAILFAST',
        },
      }),
      'PERMISSIVE',
      {
        type: 'PERMISSIVE | FAILFAST',
        default: 'PERMISSIVE',
        spark: "from_json(..., {'mode': ...})",
        description: 'PERMISSIVE keeps malformed records as nulls (+ corrupt column); FAILFAST stops the batch.',
      },
    ),
    columnNameOfCorruptRecord: def(text('_corrupt_record'), '_corrupt_record', {
      type: 'string',
      default: '_corrupt_record',
      spark: 'columnNameOfCorruptRecord',
      description: 'A STRING column of this name in the schema receives the raw text of malformed records.',
    }),
    allowCheckpointMismatch: def(bool(), false, {
      type: 'boolean',
      default: 'false',
      spark: '(none)',
      description:
        'Start even when the checkpoint and `_spark_metadata` disagree (Spark would silently skip batches). Only for a deliberate reset.',
    }),
    attemptCleanupDelay: def(duration(), 600_000, {
      type: 'duration',
      default: '10m',
      spark: "(none; like spark.sql.streaming.fileSink.log.cleanupDelay)",
      description:
        'How long the intent files of attempts that lost (killed, failed or fenced by a newer process) stay in `sluice/intents/` after their batch is committed. Every commit meanwhile deletes their files again, which removes an upload a fenced process had in flight when it lost the lease and that completed late. Keep it above the longest S3 request (`s3.requestTimeout` with the SDK\'s retries); `0` drops them at the next commit, safe only where no second process can run on the checkpoint.',
    }),
    writerMemory: def(bytes({ min: 1024 * 1024 }), DEFAULT_WRITER_MEMORY, {
      type: 'bytes ≥ 1MB',
      default: '256MB',
      spark: '(none)',
      description:
        'Memory budget for output held in the process: half for the coalesce writers\' open files (shared equally by the batch\'s writers), half for the read tasks\' row blocks and the blocks in flight between threads, counted as allocated capacity: buffers, part buffers, gzip state (see docs/architecture.md). When a writer would pass its share, or has 1,024 files open, it closes its least recently used files and a directory that gets more rows continues in a new file (`-c001`). A small budget over many directories means more, smaller files. In-flight multipart parts come on top: at most `s3.queueSize` × `s3.partSize` per file larger than a part.',
    }),
  })
  .meta({
    title: 'sink',
    description: "Spark's file sink (`writeStream.format('json')...start()`). Keys are case-insensitive, as in Spark.",
    caseInsensitive: true,
  })

export type RawSink = z.output<typeof sinkSchema>

/** Spark sink/JSON-writer options that are recognised but not accepted. */
export const SINK_UNSUPPORTED: Record<string, string> = {
  maxRecordsPerFile: 'not supported yet; files are cut by writerMemory, and coalesce controls the number of writers',
  timestampFormat: "not supported yet: timestamps are written as Spark's default yyyy-MM-dd'T'HH:mm:ss.SSSXXX; format them in select with date_format",
  timestampNTZFormat: 'not supported yet; format the column in select with date_format',
  dateFormat: 'not supported yet: dates are written as yyyy-MM-dd; format them in select with date_format',
  ignoreNullFields: 'not supported yet: null fields are always omitted, as with Spark\'s default (true)',
  encoding: 'not supported: output is always UTF-8',
  lineSep: 'not supported: lines always end with \\n',
  retention: 'not supported yet: `_spark_metadata` entries are kept forever, as with Spark\'s default',
  queryName: 'not applicable here: use the top-level `name` for the query name',
}
