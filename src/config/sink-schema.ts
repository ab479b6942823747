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
import { CODECS, type Codec } from '../worker/compressors.js'
import { writerFormats } from '../sql/projection.js'
import { getZone } from '../sql/time-zone.js'

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
for (const f of ['csv', 'orc', 'text', 'avro', 'delta', 'iceberg', 'hudi']) {
  FORMAT_UNSUPPORTED[f] = `sluice writes JSON lines (format: json) and Parquet (format: parquet); convert downstream, or keep Spark for ${f} output`
}
for (const f of ['console', 'memory', 'kafka', 'foreach', 'foreachBatch', 'noop']) {
  FORMAT_UNSUPPORTED[f] = 'sluice is a file sink writing JSON lines to S3 or a directory; use format: json'
}

/** A writer datetime pattern, checked by compiling it as the workers will. */
function formatPattern(kind: 'timestamp' | 'date') {
  return field<string>((v) => {
    if (typeof v !== 'string' || v === '') return new Bad(`expected a Spark datetime pattern such as "yyyy-MM-dd HH:mm:ss", got ${show(v)}`)
    try {
      writerFormats(kind === 'timestamp' ? { timestampFormat: v } : { dateFormat: v }, getZone('UTC'))
    } catch (err) {
      return new Bad((err as Error).message.replace(/^sink\.\w+ /, ''))
    }
    return v
  })
}

const lineSeparator = field<string>((v) => {
  if (typeof v !== 'string' || v === '') return new Bad(`expected a non-empty string such as "\\n" or "\\r\\n" (Spark: 'lineSep' cannot be an empty string), got ${show(v)}`)
  return v
})

export const DEFAULT_WRITER_MEMORY = 256 * 1024 * 1024

export const sinkSchema = z
  .object({
    format: def(choice({ values: ['json', 'parquet'] as const, unsupported: FORMAT_UNSUPPORTED }), 'json', {
      type: 'json | parquet',
      default: 'json',
      spark: "writeStream.format('json') / format('parquet')",
      description:
        "Output format: JSON lines, or Parquet as Spark 3.5 writes it (`part-…-c000.snappy.parquet`; Spark's type mapping, every column OPTIONAL; TIMESTAMP as `conf.spark.sql.parquet.outputTimestampType`, default TIMESTAMP_MICROS). Row groups are built and compressed in the read tasks, at most a quarter of a read task's memory share (≤ 8 MiB) each (docs/architecture.md, \"Parquet\"). Not with `sink.compaction`.",
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
    compression: opt(
      choice<Codec>({
        values: CODECS,
        aliases: { uncompressed: 'none', zstandard: 'zstd' },
      }),
      {
        type: 'none | uncompressed | gzip | deflate | bzip2 | lz4 | snappy | zstd',
        default: 'none (json), snappy (parquet)',
        spark: 'compression',
        description:
          "Compression of the output files, framed as Spark's writer frames each codec through Hadoop's (so Spark and Hadoop-based readers read them back), with Spark's file extensions: gzip `.json.gz`, deflate `.json.deflate` (zlib stream), bzip2 `.json.bz2`, lz4 `.json.lz4` and snappy `.json.snappy` (Hadoop's block framing, not the LZ4 frame or Snappy framing formats: command-line lz4/snappy tools do not read them), zstd `.json.zst` (an extension: not a Spark 3.5 short name, and Hadoop reads it only with its native library; the zstd tool reads it). Speed and ratio per codec: BENCHMARKS.md (bench/compressors.bench.ts). With `format: parquet` each data page is compressed (Parquet's own codecs, as Spark's parquet `compression` option): snappy (default) `.snappy.parquet`, gzip `.gz.parquet`, zstd `.zstd.parquet`, none `.parquet`.",
      },
    ),
    timestampFormat: opt(formatPattern('timestamp'), {
      type: 'datetime pattern',
      default: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
      spark: 'JSON writer option timestampFormat',
      description:
        'How TIMESTAMP columns are written, in the session zone (spark.sql.session.timeZone). Map keys keep their CAST text, as in Spark; partition directories are not affected.',
    }),
    dateFormat: opt(formatPattern('date'), {
      type: 'datetime pattern',
      default: 'yyyy-MM-dd',
      spark: 'JSON writer option dateFormat',
      description: 'How DATE columns are written. Only date letters (a DATE has no time of day or zone).',
    }),
    ignoreNullFields: def(bool(), true, {
      type: 'boolean',
      default: 'true',
      spark: 'JSON writer option ignoreNullFields (spark.sql.jsonGenerator.ignoreNullFields)',
      description: 'true: null fields are left out of the JSON; false: written as `"field":null` (top level and nested structs).',
    }),
    lineSep: def(lineSeparator, '\n', {
      type: 'string',
      default: '\\n',
      spark: 'JSON writer option lineSep',
      description:
        "What ends each row, e.g. \"\\r\\n\" (quote it in YAML). Spark reads files with another separator only with the same lineSep read option.",
    }),
    mode: def(
      choice({ values: ['PERMISSIVE', 'FAILFAST', 'DROPMALFORMED'] as const }),
      'PERMISSIVE',
      {
        type: 'PERMISSIVE | FAILFAST | DROPMALFORMED',
        default: 'PERMISSIVE',
        spark: "from_json(..., {'mode': ...}); DROPMALFORMED as Spark's JSON source (spark.read.option('mode', ...))",
        description:
          'PERMISSIVE keeps malformed records as nulls (+ corrupt column); FAILFAST stops the batch; DROPMALFORMED leaves malformed records (bad JSON, or a field that does not fit its type) out of the output, as Spark\'s JSON source does (Spark\'s from_json itself refuses this mode). Malformed records are counted in sluice_corrupt_records_total in every mode.',
      },
    ),
    badRecordsPath: opt(location, {
      type: 'location',
      default: 'none',
      spark: "option('badRecordsPath') (Databricks)",
      description:
        'Where records whose value from_json cannot parse go, as Databricks does: one JSON line each (`topic`, `partition`, `offset`, `timestamp`, `timestampType`, `key`, `record` = the value as text, `reason`) in `<badRecordsPath>/batchId=N/part-<writer>-<queryId>.json`, written in the same batch before it commits, exactly once (a re-run of the batch rewrites the same files; docs/architecture.md, "Bad records"). With it set, malformed records are left out of the output and the batch goes on in every `mode`, FAILFAST included. Counted in sluice_bad_records_total. May be the output\'s bucket, but not inside `path` or `checkpointLocation`.',
    }),
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
    retention: opt(duration({ min: 1 }), {
      type: 'duration',
      default: 'none (entries kept forever)',
      spark: "option('retention') (Spark 3.3+)",
      description:
        'Time to live of `_spark_metadata` entries, as Spark\'s file sink option: when the log compacts (every `compactInterval` batches) it leaves out files whose modification time is more than `retention` ago, so the `.compact` file stops growing. Spark readers (and sluice) then no longer see those files; they stay in the output for plain listings. Spark\'s format: "12h", "7d", a bare integer is milliseconds.',
    }),
    compaction: def(bool(), false, {
      type: 'boolean',
      default: 'false',
      spark: '(none)',
      description:
        'Rewrite the files of closed partition directories into files of `compactionTargetFileSize`, in the same format and compression, as a batch of the commit protocol (docs/architecture.md, "Compaction"): Spark readers see every record once at every moment, plain listings once the replaced files are removed. A directory is closed when its newest file is `compactionIdleTime` old, or when the period of its time partition (a `date_format` column of `partitionBy`, e.g. the hour of `dth`) ended `compactionCloseDelay` ago in the session zone.',
    }),
    compactionTargetFileSize: def(bytes({ min: 1024 }), 128 * 1024 * 1024, {
      type: 'bytes ≥ 1KB',
      default: '128MB',
      spark: '(none)',
      description: 'Size of the files compaction writes: small files of a closed directory are concatenated in name order into files of at most this size (a larger input file is left as it is).',
    }),
    compactionIdleTime: def(duration({ min: 1 }), 3_600_000, {
      type: 'duration',
      default: '1h',
      spark: '(none)',
      description: 'A directory whose newest file is this old is closed and can be compacted (late records later land in new small files, compacted again once it is closed again).',
    }),
    compactionCloseDelay: def(duration(), 600_000, {
      type: 'duration',
      default: '10m',
      spark: '(none)',
      description: 'A directory whose time partition ended this long ago (in `spark.sql.session.timeZone`) is closed, whatever its files\' age: with `dth` as `date_format(timestamp, \'yyyy-MM-dd-HH\')`, hour 13 closes at 14:10.',
    }),
    compactionRemoveDelay: def(duration(), 300_000, {
      type: 'duration',
      default: '5m',
      spark: '(none)',
      description: 'How long replaced files stay after the compaction commit before they are removed and the directory gets its `_SUCCESS` marker: a Spark query that planned its scan before the commit can still read them. During this window a plain listing sees the records twice (the replaced and the merged files); never none.',
    }),
    maxRecordsPerFile: opt(int({ example: 1000000 }), {
      type: 'int',
      default: '0 (no limit; or conf spark.sql.files.maxRecordsPerFile)',
      spark: "option('maxRecordsPerFile') / spark.sql.files.maxRecordsPerFile",
      description:
        'At most this many records per file, as Spark: a writer\'s directory that gets more rows in a batch continues in its next file (`-c001`, `-c002`, …; every file is in `_spark_metadata`). 0 or negative: no limit. JSON: exact, a block of rows is split at a row boundary. Parquet: at most this many, as row groups are cut at the count and never split.',
    }),
    targetFileSize: opt(bytes({ min: 1024 }), {
      type: 'bytes ≥ 1KB',
      default: 'none',
      spark: "(none; like Delta's delta.targetFileSize)",
      description:
        'Size target for the files of a batch: a file is closed once it has passed this many bytes to the store (after compression) and the directory continues in its next file (`-c001`, …). Every file but each directory\'s last of the batch reaches the target (`coalesce` and the trigger set how much a batch has): uncompressed it passes it by less than one row; compressed by less than one block of rows (up to 256 KiB before compression) plus what the compressor held back. Works with `maxRecordsPerFile` (the first limit reached cuts) and every `format`. Independent of `compaction`, which merges small files of closed directories later.',
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
  timestampNTZFormat: 'not applicable: no column is TIMESTAMP_NTZ (the schema has no such type); TIMESTAMP columns follow sink.timestampFormat',
  encoding: 'not supported: output is always UTF-8',
  queryName: 'not applicable here: use the top-level `name` for the query name',
}
