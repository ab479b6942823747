/**
 * Validated sections → the normalised {@link JobConfig}: environment-dependent defaults (time zone,
 * workers), cross-field rules (exactly one subscription, min ≤ max offsets per trigger), and the
 * CLI's --trigger override. Each section is validated on its own so that problems in several
 * sections are all reported in one go.
 *
 * This is the one normalise step, and {@link JobConfig} is its inferred output type
 * (`ReturnType<typeof toJobConfig>`, config/types.ts): every field's type comes from the zod
 * schema's output, so the types cannot drift from the schema or from docs/config.md.
 */
import { availableParallelism } from 'node:os'
import type { z } from 'zod'
import { ownsPartition, type ShardSpec } from '../planner/index.js'
import type { S3Settings } from '../storage/types.js'
import { Bad, type FieldDoc } from './fields.js'
import { isMap } from './keys.js'
import { jobSchema, SECTIONS } from './job-schema.js'
import { ConfigCode, type ConfigCodeValue, type Problems, show } from './problems.js'
import { securitySpec } from './security.js'
import { parseTrigger } from './sink-schema.js'
import { PARQUET_CODECS, type ParquetCodec } from '../worker/parquet/row-group.js'
import type { JobConfig, PartitionOffsetSpec, StartingTimestamps, Subscription, Trigger } from './types.js'

type Obj = Record<string, unknown>

/** Validates one object schema, turning zod issues into problems under `prefix`. */
function validate<S extends z.ZodObject>(
  schema: S,
  input: Obj,
  prefix: string,
  emptied: Map<string, string>,
  problems: Problems,
): z.output<S> | undefined {
  // A section that is not a mapping was reported by the key check; its fields are not checked.
  if (prefix !== '' && problems.has(prefix)) return undefined
  const result = schema.safeParse(input)
  if (result.success) return result.data
  for (const issue of result.error.issues) {
    const keys = issue.path.map(String)
    const path = [prefix, ...keys].filter((k) => k !== '').join('.')
    const params = (issue as { params?: { code?: ConfigCodeValue } }).params
    const code = params?.code ?? ConfigCode.VALUE
    let message = issue.message
    if (code === ConfigCode.REQUIRED) {
      const doc = (schema.shape[keys[0]!]?.meta() ?? {}) as Partial<FieldDoc>
      const was = emptied.get(path)
      message = `is required but missing${was === undefined ? '' : ` (it was set to ${show(was)}, which expanded to an empty string)`}: add it (${doc.type ?? 'value'}); ${doc.description ?? ''}`
    }
    problems.add(code, path, message)
  }
  return undefined
}

function checkSubscription(input: Obj, problems: Problems): boolean {
  const given = (['subscribe', 'subscribePattern', 'assign'] as const).filter((k) => input[k] !== undefined)
  if (given.length === 1) return true
  problems.add(
    ConfigCode.SOURCE,
    given.length === 0 ? 'source' : `source.${given[1]}`,
    given.length === 0
      ? 'names no topics: set exactly one of subscribe (e.g. "topicA,topicB"), subscribePattern (e.g. "events-.*") or assign (e.g. \'{"topicA":[0,1]}\')'
      : `sets ${given.join(' and ')}: set exactly one of subscribe, subscribePattern, assign (as Spark requires) and remove the others`,
  )
  return false
}

function sourceConfig(raw: NonNullable<ReturnType<typeof validateSource>>, subscribed: boolean, name: string, problems: Problems) {
  if (
    raw.minOffsetsPerTrigger !== undefined &&
    raw.maxOffsetsPerTrigger !== undefined &&
    raw.minOffsetsPerTrigger > raw.maxOffsetsPerTrigger
  ) {
    problems.add(
      ConfigCode.SOURCE,
      'source.minOffsetsPerTrigger',
      `(${raw.minOffsetsPerTrigger}) is higher than source.maxOffsetsPerTrigger (${raw.maxOffsetsPerTrigger}), which Spark rejects too: lower minOffsetsPerTrigger or raise maxOffsetsPerTrigger`,
    )
  }
  const security = securitySpec(raw, problems)
  if (!subscribed || security === undefined) return undefined
  let subscription: Subscription
  if (raw.subscribe !== undefined) subscription = { kind: 'subscribe', topics: raw.subscribe }
  else if (raw.subscribePattern !== undefined) subscription = { kind: 'subscribePattern', pattern: raw.subscribePattern }
  else subscription = { kind: 'assign', partitions: raw.assign! }
  if (raw.shard !== undefined) subscription.shard = raw.shard
  return {
    bootstrapServers: raw['kafka.bootstrap.servers'],
    subscription,
    startingOffsets: ownStartingOffsets(raw.startingOffsets, raw.shard),
    /**
     * startingTimestamp / startingOffsetsByTimestamp (Spark's order of preference: the global
     * timestamp, then per partition, then startingOffsets); undefined when neither is set.
     */
    startingTimestamps: startingTimestamps(raw),
    maxOffsetsPerTrigger: raw.maxOffsetsPerTrigger,
    minOffsetsPerTrigger: raw.minOffsetsPerTrigger,
    /** Milliseconds; Spark's default 15m. */
    maxTriggerDelayMs: raw.maxTriggerDelay,
    minPartitions: raw.minPartitions,
    failOnDataLoss: raw.failOnDataLoss,
    includeHeaders: raw.includeHeaders,
    /** The `kafka.*` options sluice uses, with the prefix stripped, after validation. */
    kafka: {
      clientId: raw['kafka.client.id'] ?? `sluice-${name}`,
      groupId: raw['kafka.group.id'],
      requestTimeoutMs: raw['kafka.request.timeout.ms'],
      /** Max bytes per partition per fetch request. */
      maxPartitionFetchBytes: raw['kafka.max.partition.fetch.bytes'],
      fetchMaxBytes: raw['kafka.fetch.max.bytes'],
      fetchMaxWaitMs: raw['kafka.fetch.max.wait.ms'],
      isolationLevel: raw['kafka.isolation.level'],
      /** TLS and SASL of every broker connection (coordinator and workers); plain data. */
      security,
    },
    /**
     * `kafka.metadata.max.age.ms` as given. Not used: partitions are listed on every trigger, as in
     * Spark (docs/config.md).
     */
    metadataRefreshMs: raw['kafka.metadata.max.age.ms'],
    /** Commit the batch's end offsets to groupId after each batch (monitoring only). */
    commitOffsets: raw.commitOffsets,
  }
}

type StartingOffsets = 'earliest' | 'latest' | PartitionOffsetSpec

/** With source.shard, per-partition startingOffsets keep only the shard's partitions: one JSON serves every shard. */
function ownStartingOffsets(spec: StartingOffsets, shard: ShardSpec | undefined): StartingOffsets {
  if (shard === undefined || typeof spec === 'string') return spec
  const out: PartitionOffsetSpec = {}
  for (const [topic, parts] of Object.entries(spec)) {
    const own = Object.entries(parts).filter(([p]) => ownsPartition(shard, Number(p)))
    if (own.length > 0) out[topic] = Object.fromEntries(own)
  }
  return out
}

function startingTimestamps(raw: NonNullable<ReturnType<typeof validateSource>>): StartingTimestamps | undefined {
  const strategy = raw.startingOffsetsByTimestampStrategy
  if (raw.startingTimestamp !== undefined) return { kind: 'global', timestamp: raw.startingTimestamp, strategy }
  if (raw.startingOffsetsByTimestamp !== undefined) {
    const own = ownStartingOffsets(raw.startingOffsetsByTimestamp, raw.shard)
    return { kind: 'perPartition', timestamps: typeof own === 'string' ? {} : own, strategy }
  }
  return undefined
}

function validateSource(input: Obj, emptied: Map<string, string>, problems: Problems) {
  return validate(jobSchema.shape.source, input, 'source', emptied, problems)
}

function rawConf(input: Obj): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(input)) out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v)
  return out
}

function s3Settings(raw: z.output<typeof jobSchema.shape.s3>, problems: Problems): S3Settings {
  if ((raw.accessKeyId === undefined) !== (raw.secretAccessKey === undefined)) {
    const missing = raw.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'
    problems.add(
      ConfigCode.VALUE,
      `s3.${missing}`,
      'is required when the other static credential is set: give both s3.accessKeyId and s3.secretAccessKey, or neither to use the SDK default provider chain',
    )
  }
  const out: S3Settings = {}
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) (out as Obj)[k] = v
  return out
}

export interface NormalizeOptions {
  /** CLI --trigger: overrides sink.trigger. */
  trigger?: string | undefined
  emptied: Map<string, string>
}

/** `input` has passed the key check (only known keys, canonical spelling, sections are maps). */
export function normalize(input: Obj, opts: NormalizeOptions, problems: Problems): JobConfig | undefined {
  const { emptied } = opts
  const sectionInput = (s: (typeof SECTIONS)[number]): Obj => (isMap(input[s]) ? (input[s] as Obj) : {})
  const topInput: Obj = {}
  for (const [k, v] of Object.entries(input)) if (!(SECTIONS as readonly string[]).includes(k)) topInput[k] = v
  const top = validate(jobSchema.omit({ source: true, fromJson: true, sink: true, conf: true, s3: true, metrics: true }), topInput, '', emptied, problems)
  const source = validateSource(sectionInput('source'), emptied, problems)
  const fromJson = validate(jobSchema.shape.fromJson, sectionInput('fromJson'), 'fromJson', emptied, problems)
  const sink = validate(jobSchema.shape.sink, sectionInput('sink'), 'sink', emptied, problems)
  const conf = validate(jobSchema.shape.conf, sectionInput('conf'), 'conf', emptied, problems)
  const s3 = validate(jobSchema.shape.s3, sectionInput('s3'), 's3', emptied, problems)
  const metrics = validate(jobSchema.shape.metrics, sectionInput('metrics'), 'metrics', emptied, problems)

  let trigger: Trigger | undefined = sink?.trigger
  if (opts.trigger !== undefined) {
    const t = parseTrigger(opts.trigger)
    if (t instanceof Bad) problems.add(t.code, '--trigger', t.message)
    else trigger = t
  }
  const name = top?.name ?? 'sluice'
  const subscribed = checkSubscription(sectionInput('source'), problems)
  const sourceConfigured = source === undefined ? undefined : sourceConfig(source, subscribed, name, problems)
  if (sink !== undefined) {
    const seen = new Set<string>()
    for (const col of sink.partitionBy) {
      if (seen.has(col)) problems.add(ConfigCode.VALUE, 'sink.partitionBy', `names ${show(col)} twice; list each column once`)
      seen.add(col)
    }
    checkParquetSink(sink, problems)
    const a = sink.path
    const b = sink.checkpointLocation
    if (a.scheme === b.scheme && a.bucket === b.bucket && a.prefix === b.prefix) {
      problems.add(
        ConfigCode.VALUE,
        'sink.checkpointLocation',
        `is the same place as sink.path (${a.original}); give the checkpoint its own directory, e.g. ${a.original.replace(/\/?$/, '')}_checkpoint/`,
      )
    }
    const bad = sink.badRecordsPath
    for (const [what, l] of [['sink.path', a], ['sink.checkpointLocation', b]] as const) {
      if (bad !== undefined && bad.scheme === l.scheme && bad.bucket === l.bucket && bad.prefix.startsWith(l.prefix)) {
        problems.add(
          ConfigCode.VALUE,
          'sink.badRecordsPath',
          `is inside ${what} (${l.original}), where readers would take the bad records for its files; give it its own directory, e.g. ${a.original.replace(/\/?$/, '')}_bad_records/`,
        )
      }
    }
  }
  const s3Config = s3 === undefined ? undefined : s3Settings(s3, problems)
  if (top === undefined || sourceConfigured === undefined || fromJson === undefined || sink === undefined || conf === undefined || s3Config === undefined || metrics === undefined) {
    return undefined
  }
  if (problems.size > 0) return undefined
  return toJobConfig({ top, source: sourceConfigured, fromJson, sink, conf, s3: s3Config, metrics, trigger, rawConf: rawConf(sectionInput('conf')) })
}

/** format: parquet takes Parquet's codecs only, and no compaction (it concatenates JSON lines). */
function checkParquetSink(sink: Section<'sink'>, problems: Problems): void {
  if (sink.format !== 'parquet') return
  const codec = sink.compression
  if (codec !== undefined && !(PARQUET_CODECS as readonly string[]).includes(codec)) {
    problems.add(
      ConfigCode.UNSUPPORTED,
      'sink.compression',
      `${show(codec)} is not a codec sluice writes Parquet pages with; use snappy (Spark's default), gzip, zstd or none`,
    )
  }
  if (sink.compaction) {
    problems.add(
      ConfigCode.UNSUPPORTED,
      'sink.compaction',
      'is not available with format: parquet yet (compaction concatenates JSON lines; Parquet files would need their row groups rewritten); set compaction: false, or write format: json',
    )
  }
}

type Section<K extends keyof typeof jobSchema.shape> = z.output<(typeof jobSchema.shape)[K]>

/** The validated, cross-checked parts of a job that {@link toJobConfig} assembles. */
export interface JobParts {
  top: Omit<z.output<typeof jobSchema>, (typeof SECTIONS)[number]>
  source: NonNullable<ReturnType<typeof sourceConfig>>
  fromJson: Section<'fromJson'>
  sink: Section<'sink'>
  conf: Section<'conf'>
  s3: S3Settings
  metrics: Section<'metrics'>
  /** The CLI's --trigger, else sink.trigger. */
  trigger: Trigger | undefined
  rawConf: Record<string, string>
}

/** The normalised job; its return type is {@link JobConfig}. */
export function toJobConfig({ top, source, fromJson, sink, conf, s3, metrics, trigger, rawConf }: JobParts) {
  return {
    name: top.name,
    source,
    /** Spark DDL as written. */
    schema: top.schema,
    /** from_json options (the `fromJson` section). */
    fromJson,
    /** selectExpr list as written. */
    select: top.select,
    sink: {
      format: sink.format,
      path: sink.path,
      checkpointLocation: sink.checkpointLocation,
      partitionBy: sink.partitionBy,
      coalesce: sink.coalesce ?? 0,
      trigger: trigger ?? { kind: 'processingTime', intervalMs: 0 },
      outputMode: sink.outputMode,
      compression: sink.format === 'parquet' ? ('none' as const) : (sink.compression ?? 'none'),
      /** sink.format parquet: Parquet's page codec and TIMESTAMP type (src/worker/parquet/); null: JSON lines. */
      parquet:
        sink.format === 'parquet'
          ? {
              codec: (sink.compression ?? 'snappy') as ParquetCodec,
              timestampType: conf['spark.sql.parquet.outputTimestampType'] ?? ('TIMESTAMP_MICROS' as const),
            }
          : null,
      /** JSON writer options (Spark's names); undefined: Spark's default pattern. */
      timestampFormat: sink.timestampFormat,
      dateFormat: sink.dateFormat,
      ignoreNullFields: sink.ignoreNullFields,
      lineSep: sink.lineSep,
      mode: sink.mode,
      columnNameOfCorruptRecord: sink.columnNameOfCorruptRecord,
      /** Databricks' badRecordsPath (src/worker/bad-records.ts); undefined: off. */
      badRecordsPath: sink.badRecordsPath,
      /** Compact `_spark_metadata` every N batches (spark.sql.streaming.fileSink.log.compactInterval). */
      compactInterval: conf['spark.sql.streaming.fileSink.log.compactInterval'],
      /** spark.sql.streaming.minBatchesToRetain */
      minBatchesToRetain: conf['spark.sql.streaming.minBatchesToRetain'],
      /** Accept a checkpoint and `_spark_metadata` that disagree (see SLUICE_CHECKPOINT_MISMATCH). */
      allowCheckpointMismatch: sink.allowCheckpointMismatch,
      /**
       * Budget in bytes for the output buffered in the whole process (all writer tasks together,
       * shared equally by the tasks that can run at once), before open files are cut.
       */
      writerMemoryBytes: sink.writerMemory,
      /** Spark's maxRecordsPerFile (the sink option, else conf spark.sql.files.maxRecordsPerFile); 0: no limit. */
      maxRecordsPerFile: Math.max(0, sink.maxRecordsPerFile ?? conf['spark.sql.files.maxRecordsPerFile'] ?? 0),
      /** sink.targetFileSize in bytes; 0: none (src/worker/file-roller.ts). */
      targetFileSize: sink.targetFileSize ?? 0,
      /** The sink option `retention` (TTL of `_spark_metadata` entries, applied when the log compacts); undefined: forever. */
      retentionMs: sink.retention,
      /** Compaction of closed partition directories (src/commit/compaction.ts); null: off. */
      compaction: sink.compaction
        ? {
            targetFileSize: sink.compactionTargetFileSize,
            idleTimeMs: sink.compactionIdleTime,
            closeDelayMs: sink.compactionCloseDelay,
            removeDelayMs: sink.compactionRemoveDelay,
          }
        : null,
      /** How long losing attempts' intents stay after their batch's commit (attempt-cleanup.ts). */
      attemptCleanupDelayMs: sink.attemptCleanupDelay,
    },
    /** spark.sql.session.timeZone (IANA name); default: the process's zone. */
    timeZone: conf['spark.sql.session.timeZone'] ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    /** Raw `conf` map as given (written into offsets/N's conf). */
    conf: rawConf,
    s3,
    metrics: { host: metrics.host, port: metrics.port, enabled: metrics.enabled, showRecordContent: metrics.showRecordContent },
    /** Worker threads in the pool (default: cores). */
    workers: top.workers ?? availableParallelism(),
    stopTimeoutMs: top.stopTimeout,
  }
}
