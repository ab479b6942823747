/**
 * The job file's schema: the single source of truth for what a job file may contain, its defaults
 * and its documentation (docs/config.md is generated from it by tools/gen-config-doc.ts).
 */
import { z } from 'zod'
import { Bad, bool, bytes, choice, def, duration, field, ignored, int, list, opt, req, text } from './fields.js'
import { show } from './problems.js'
import { fromJsonSchema } from './from-json-schema.js'
import { sinkSchema } from './sink-schema.js'
import { sourceSchema } from './source-schema.js'
import { TIMESTAMP_TYPES } from '../worker/parquet/schema.js'

const timeZone = field<string>((v) => {
  if (typeof v !== 'string' || v.trim() === '') {
    return new Bad(`expected an IANA time zone such as "UTC" or "Asia/Seoul", got ${show(v)}`)
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: v.trim() }).resolvedOptions().timeZone
  } catch {
    return new Bad(`${show(v)} is not a time zone this Node.js knows; use an IANA name such as "UTC", "Europe/Paris" or "Asia/Seoul"`)
  }
})

const url = field<string>((v) => {
  if (typeof v !== 'string') return new Bad(`expected a URL such as "http://127.0.0.1:4568", got ${show(v)}`)
  let u: URL
  try {
    u = new URL(v)
  } catch {
    return new Bad(`${show(v)} is not a URL; write e.g. "http://127.0.0.1:4568" or "https://s3.eu-west-1.amazonaws.com"`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return new Bad(`${show(v)} must be an http:// or https:// URL`)
  }
  return v
})

/** Below Kubernetes' default terminationGracePeriodSeconds (30 s), so sluice exits before SIGKILL. */
export const DEFAULT_STOP_TIMEOUT_MS = 25_000

export const confSchema = z
  .object({
    'spark.sql.session.timeZone': opt(timeZone, {
      type: 'IANA zone',
      default: "the process's zone",
      spark: 'spark.sql.session.timeZone',
      description: 'Zone for date_format and for timestamps written in the JSON output.',
    }),
    'spark.sql.streaming.fileSink.log.compactInterval': def(int({ min: 1, example: 10 }), 10, {
      type: 'int ≥ 1',
      default: '10',
      spark: 'spark.sql.streaming.fileSink.log.compactInterval',
      description: 'Every Nth `_spark_metadata` batch is written as `N.compact` (when no .compact file exists yet).',
    }),
    'spark.sql.streaming.minBatchesToRetain': def(int({ min: 1, example: 100 }), 100, {
      type: 'int ≥ 1',
      default: '100',
      spark: 'spark.sql.streaming.minBatchesToRetain',
      description: 'Checkpoint entries (offsets/N, commits/N) kept before old ones are purged.',
    }),
    'spark.sql.files.maxRecordsPerFile': opt(int({ example: 1000000 }), {
      type: 'int',
      default: '0 (no limit)',
      spark: 'spark.sql.files.maxRecordsPerFile',
      description: 'Default of `sink.maxRecordsPerFile` (the sink option wins, as in Spark).',
    }),
    'spark.sql.parquet.outputTimestampType': opt(choice({ values: TIMESTAMP_TYPES }), {
      type: 'TIMESTAMP_MICROS | TIMESTAMP_MILLIS | INT96',
      default: "TIMESTAMP_MICROS (Spark's default: INT96)",
      spark: 'spark.sql.parquet.outputTimestampType',
      description:
        "How `format: parquet` stores TIMESTAMP columns. sluice's default differs from Spark's on purpose: INT64 TIMESTAMP(MICROS, UTC) is exact to Spark's microsecond, a Parquet logical type every current reader knows (Spark, pyarrow, DuckDB, Trino, Athena), while INT96 is deprecated in the Parquet format; Spark reads both as TIMESTAMP. INT96 writes what Spark writes by default.",
    }),
    'spark.sql.shuffle.partitions': ignored({
      spark: 'spark.sql.shuffle.partitions',
      why: 'the query has no shuffle (coalesce does not shuffle); kept in the checkpoint conf as given',
    }),
    'spark.sql.adaptive.enabled': ignored({ spark: 'spark.sql.adaptive.enabled', why: 'there is no query plan to adapt' }),
    'spark.serializer': ignored({ spark: 'spark.serializer', why: 'there is no JVM serialization' }),
    'spark.sql.streaming.metricsEnabled': ignored({
      spark: 'spark.sql.streaming.metricsEnabled',
      why: 'metrics are always collected; the `metrics` section controls the endpoint',
    }),
    'spark.sql.streaming.schemaInference': ignored({
      spark: 'spark.sql.streaming.schemaInference',
      why: 'the schema is always the job file `schema`',
    }),
    'spark.sql.streaming.stateStore.providerClass': ignored({
      spark: 'spark.sql.streaming.stateStore.providerClass',
      why: 'the query is stateless',
    }),
    'spark.sql.streaming.multipleWatermarkPolicy': ignored({
      spark: 'spark.sql.streaming.multipleWatermarkPolicy',
      why: 'the query has no watermark',
    }),
  })
  .meta({
    title: 'conf',
    description:
      'Spark SQL configuration (`spark.conf.set` / `--conf`). Values are kept as given and written into each offsets/N file like Spark does.',
  })

export const s3Schema = z
  .object({
    endpoint: opt(url, {
      type: 'URL',
      default: "the SDK's chain",
      spark: 'spark.hadoop.fs.s3a.endpoint',
      description: "S3 endpoint (MinIO, s3rver, R2). Unset or '' → the SDK's standard chain (AWS_ENDPOINT_URL_S3, profile).",
    }),
    region: opt(text('us-east-1'), {
      type: 'string',
      default: "the SDK's chain",
      spark: 'spark.hadoop.fs.s3a.endpoint.region',
      description: 'AWS region; unset → AWS_REGION / the profile.',
    }),
    forcePathStyle: opt(bool(), {
      type: 'boolean',
      default: 'false',
      spark: 'spark.hadoop.fs.s3a.path.style.access',
      description: 'Address buckets as https://endpoint/bucket (MinIO, s3rver) instead of bucket.endpoint.',
    }),
    accessKeyId: opt(text('AKIA...'), {
      type: 'string',
      default: "the SDK's chain",
      spark: 'spark.hadoop.fs.s3a.access.key',
      description: 'Static credentials (use ${VAR}); unset → the SDK default provider chain. Needs secretAccessKey.',
    }),
    secretAccessKey: opt(text('...'), {
      type: 'string',
      spark: 'spark.hadoop.fs.s3a.secret.key',
      description: 'Secret for accessKeyId.',
    }),
    sessionToken: opt(text('...'), {
      type: 'string',
      spark: 'spark.hadoop.fs.s3a.session.token',
      description: 'Session token for temporary credentials.',
    }),
    partSize: opt(bytes({ min: 5 * 1024 * 1024 }), {
      type: 'bytes ≥ 5MB',
      default: '8MB',
      spark: 'spark.hadoop.fs.s3a.multipart.size',
      description: 'Multipart upload part size; an open file buffers at most one part.',
    }),
    queueSize: opt(int({ min: 1, max: 64, example: 4 }), {
      type: 'int 1-64',
      default: '2',
      spark: 'spark.hadoop.fs.s3a.fast.upload.active.blocks',
      description: 'Concurrent part uploads per file (the default was chosen in bench/upload.bench.ts).',
    }),
    requestTimeout: opt(duration({ min: 1 }), {
      type: 'duration',
      default: '120s',
      spark: 'spark.hadoop.fs.s3a.connection.request.timeout',
      description:
        'Longest one S3 request (sending it and reading the answer) may take; then it fails as retriable (SLUICE_S3_UNAVAILABLE, after the SDK retries). Must fit one part at the slowest upload speed you accept.',
    }),
    socketTimeout: opt(duration({ min: 1 }), {
      type: 'duration',
      default: '30s',
      spark: 'spark.hadoop.fs.s3a.connection.timeout',
      description:
        'Longest an S3 connection may stay silent during a request (an endpoint that accepts connections and never answers); then the request fails as retriable.',
    }),
  })
  .meta({ title: 's3', description: 'S3 client settings for the output path and the checkpoint.' })

export const metricsSchema = z
  .object({
    enabled: def(bool(), true, {
      type: 'boolean',
      default: 'true',
      description: 'Serve Prometheus metrics and the progress endpoint.',
    }),
    host: def(text('0.0.0.0'), '0.0.0.0', {
      type: 'string',
      default: '0.0.0.0',
      description:
        "Listen address. The default, all interfaces, is what Prometheus and a PodMonitor need in Kubernetes (they scrape the pod IP). The endpoint has no authentication: use 127.0.0.1 where only local scrapes are wanted, or restrict the port (NetworkPolicy, firewall).",
    }),
    port: def(int({ min: 0, max: 65535, example: 8091 }), 8091, {
      type: 'int 0-65535',
      default: '8091',
      description: 'Listen port; 0 picks a free port (logged at start).',
    }),
    showRecordContent: def(bool(), false, {
      type: 'boolean',
      default: 'false',
      description:
        'Show record content (FAILFAST\'s excerpt of a malformed record) in /api/status, /readyz and the status page. Off by default: the endpoint has no authentication. Logs always have it.',
    }),
  })
  .meta({ title: 'metrics', description: 'The HTTP endpoint for Prometheus (/metrics) and progress.' })

export const jobSchema = z
  .object({
    name: def(text('orders-to-s3'), 'sluice', {
      type: 'string',
      default: 'sluice',
      spark: 'queryName / appName',
      description: 'Query name: in progress events, logs and metric labels.',
    }),
    stopTimeout: def(duration({ min: 1 }), DEFAULT_STOP_TIMEOUT_MS, {
      type: 'duration',
      default: '25s',
      spark: '(none)',
      description:
        "Graceful stop deadline of `sluice run` after SIGTERM/SIGINT: the batch in flight may finish until then; past it (or at a second signal) the batch is abandoned (re-run on restart) and the process exits with status 1 (SLUICE_STOP_ABANDONED). Below Kubernetes' default terminationGracePeriodSeconds (30s). The CLI flag --stop-timeout overrides it.",
    }),
    workers: opt(int({ min: 1, max: 256, example: 4 }), {
      type: 'int 1-256',
      default: 'os.availableParallelism()',
      spark: 'executor cores',
      description: 'Worker threads that fetch, parse and encode records (2 read tasks each per batch); the coalesce writers upload from the main thread.',
    }),
    schema: req(text('message STRING, id BIGINT'), {
      type: 'Spark DDL',
      spark: 'from_json(value, schema)',
      description: 'Schema of the JSON in the Kafka value, as Spark DDL; parsed into the column json_data.',
    }),
    select: def(list({ example: "[json_data.*, 'timestamp AS kafka_timestamp']", comma: false }), ['json_data.*'], {
      type: 'list of expressions',
      default: '[json_data.*]',
      spark: 'selectExpr(...)',
      description: 'Output columns as Spark SQL expressions over json_data and the Kafka columns.',
    }),
    source: sourceSchema,
    fromJson: fromJsonSchema,
    sink: sinkSchema,
    conf: confSchema,
    s3: s3Schema,
    metrics: metricsSchema,
  })
  .meta({ title: '(top level)', description: 'Top-level keys of the job file.' })

export type RawJob = z.output<typeof jobSchema>

/** Sections whose absence is filled with `{}` before validation (their fields carry the defaults). */
export const SECTIONS = ['source', 'fromJson', 'sink', 'conf', 's3', 'metrics'] as const

export type SectionName = (typeof SECTIONS)[number]

/** `conf` keys that belong in the `s3` section, with the key to use there. */
export const S3A_CONF_HINTS: Record<string, string> = {
  'spark.hadoop.fs.s3a.endpoint': 's3.endpoint',
  'spark.hadoop.fs.s3a.endpoint.region': 's3.region',
  'spark.hadoop.fs.s3a.path.style.access': 's3.forcePathStyle',
  'spark.hadoop.fs.s3a.access.key': 's3.accessKeyId',
  'spark.hadoop.fs.s3a.secret.key': 's3.secretAccessKey',
  'spark.hadoop.fs.s3a.session.token': 's3.sessionToken',
  'spark.hadoop.fs.s3a.multipart.size': 's3.partSize',
  'spark.hadoop.fs.s3a.fast.upload.active.blocks': 's3.queueSize',
}
