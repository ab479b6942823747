/**
 * The `source` section: Spark's Kafka source options under their Spark names, plus the `kafka.*`
 * client options sluice passes on. Spark matches these keys case-insensitively; so does sluice.
 */
import { z } from 'zod'
import type { PartitionOffsetSpec } from './types.js'
import { Bad, bool, bytes, choice, def, duration, field, int, list, opt, req, text } from './fields.js'
import { show } from './problems.js'
import { securityFields } from './security-schema.js'
import { parseShard, type ShardSpec } from '../planner/index.js'

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/

function parseJsonish(v: unknown, example: string): unknown {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v)
  } catch (err) {
    return new Bad(`is not valid JSON (${(err as Error).message}); write it like ${example}`)
  }
}

const servers = field<string[]>((v) => {
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : undefined
  if (items === undefined) return new Bad(`expected "host:port[,host:port...]", got ${show(v)}`)
  const out: string[] = []
  for (const item of items) {
    const s = String(item).trim()
    if (s === '') continue
    if (!HOST_PORT.test(s)) {
      return new Bad(`${show(s)} is not host:port; write e.g. "127.0.0.1:9092,broker2:9092"`)
    }
    out.push(s)
  }
  if (out.length === 0) return new Bad('names no broker; write e.g. "127.0.0.1:9092"')
  return out
})

const pattern = field<string>((v) => {
  if (typeof v !== 'string' || v.trim() === '') {
    return new Bad(`expected a regular expression such as "events-.*", got ${show(v)}`)
  }
  try {
    new RegExp(v)
  } catch (err) {
    return new Bad(`is not a valid regular expression (${(err as Error).message})`)
  }
  return v
})

const ASSIGN_EXAMPLE = `'{"topicA":[0,1],"topicB":[2,4]}'`

const assign = field<Record<string, number[]>>((v) => {
  const parsed = parseJsonish(v, ASSIGN_EXAMPLE)
  if (parsed instanceof Bad) return parsed
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new Bad(`expected a map of topic to partition list, such as ${ASSIGN_EXAMPLE}`)
  }
  const out: Record<string, number[]> = {}
  for (const [topic, parts] of Object.entries(parsed)) {
    if (!Array.isArray(parts) || parts.length === 0) {
      return new Bad(`topic ${show(topic)} must map to a non-empty list of partitions, e.g. [0,1]`)
    }
    const nums: number[] = []
    for (const p of parts) {
      const n = typeof p === 'string' && /^\d+$/.test(p.trim()) ? Number(p) : p
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        return new Bad(`topic ${show(topic)} has partition ${show(p)}; partitions are integers >= 0`)
      }
      if (!nums.includes(n)) nums.push(n)
    }
    out[topic] = nums.sort((a, b) => a - b)
  }
  if (Object.keys(out).length === 0) return new Bad(`names no topic; write e.g. ${ASSIGN_EXAMPLE}`)
  return out
})

const OFFSETS_EXAMPLE = `'{"topicA":{"0":23,"1":-2}}' (-2 = earliest, -1 = latest)`

const startingOffsets = field<'earliest' | 'latest' | PartitionOffsetSpec>((v) => {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase()
    if (s === 'earliest' || s === 'latest') return s
    if (!v.trim().startsWith('{')) {
      return new Bad(`expected "earliest", "latest" or per-partition JSON such as ${OFFSETS_EXAMPLE}, got ${show(v)}`)
    }
  }
  const parsed = parseJsonish(v, OFFSETS_EXAMPLE)
  if (parsed instanceof Bad) return parsed
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new Bad(`expected "earliest", "latest" or per-partition JSON such as ${OFFSETS_EXAMPLE}`)
  }
  const out: PartitionOffsetSpec = {}
  for (const [topic, parts] of Object.entries(parsed)) {
    if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) {
      return new Bad(`topic ${show(topic)} must map partitions to offsets, e.g. ${OFFSETS_EXAMPLE}`)
    }
    const m: Record<string, number> = {}
    for (const [p, o] of Object.entries(parts)) {
      const n = typeof o === 'string' && /^-?\d+$/.test(o.trim()) ? Number(o) : o
      if (!/^\d+$/.test(p) || typeof n !== 'number' || !Number.isSafeInteger(n) || n < -2) {
        return new Bad(
          `topic ${show(topic)} partition ${show(p)} offset ${show(o)} is invalid: partitions are integers >= 0, offsets integers >= 0, or -2 (earliest) / -1 (latest)`,
        )
      }
      m[String(Number(p))] = n
    }
    out[topic] = m
  }
  return out
})

const TIMESTAMPS_EXAMPLE = `'{"topicA":{"0":1700000000000,"1":1700000000000}}' (epoch milliseconds)`

/** Spark's `startingOffsetsByTimestamp`: topic → partition → epoch ms (JsonUtils.partitionTimestamps). */
const startingOffsetsByTimestamp = field<PartitionOffsetSpec>((v) => {
  const parsed = parseJsonish(v, TIMESTAMPS_EXAMPLE)
  if (parsed instanceof Bad) return parsed
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new Bad(`expected per-partition JSON such as ${TIMESTAMPS_EXAMPLE}`)
  }
  const out: PartitionOffsetSpec = {}
  for (const [topic, parts] of Object.entries(parsed)) {
    if (parts === null || typeof parts !== 'object' || Array.isArray(parts) || Object.keys(parts).length === 0) {
      return new Bad(`topic ${show(topic)} must map partitions to timestamps, e.g. ${TIMESTAMPS_EXAMPLE}`)
    }
    const m: Record<string, number> = {}
    for (const [p, t] of Object.entries(parts)) {
      const n = typeof t === 'string' && /^\d+$/.test(t.trim()) ? Number(t) : t
      if (!/^\d+$/.test(p) || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        return new Bad(
          `topic ${show(topic)} partition ${show(p)} timestamp ${show(t)} is invalid: partitions are integers >= 0, timestamps epoch milliseconds >= 0`,
        )
      }
      m[String(Number(p))] = n
    }
    out[topic] = m
  }
  if (Object.keys(out).length === 0) return new Bad(`names no topic; write e.g. ${TIMESTAMPS_EXAMPLE}`)
  return out
})

const shard = field<ShardSpec>((v) => {
  const out = parseShard(typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '')
  return typeof out === 'string' ? new Bad(`${show(v)}: ${out}`) : out
})

/** 4 MiB per partition per fetch: see the description of kafka.max.partition.fetch.bytes. */
export const DEFAULT_MAX_PARTITION_FETCH_BYTES = 4 * 1024 * 1024

export const sourceSchema = z
  .object({
    'kafka.bootstrap.servers': req(servers, {
      type: 'host:port list',
      spark: 'kafka.bootstrap.servers',
      description: 'Brokers to bootstrap from: a comma-separated string or a list.',
    }),
    subscribe: opt(list({ example: '"topicA,topicB"', comma: true }), {
      type: 'list of topics',
      spark: 'subscribe',
      description: 'Topics to read (comma-separated string or list). Exactly one of subscribe, subscribePattern, assign.',
    }),
    subscribePattern: opt(pattern, {
      type: 'regex',
      spark: 'subscribePattern',
      description: 'Read every topic whose name matches this regular expression (JavaScript syntax, whole name).',
    }),
    assign: opt(assign, {
      type: 'JSON or map',
      spark: 'assign',
      description: 'Exact partitions to read: `{"topicA":[0,1]}` as a JSON string or a YAML map.',
    }),
    shard: opt(shard, {
      type: '"index/count"',
      spark: '(none; the same as assign listing partitions p with p mod count = index)',
      description:
        'Own only the partitions p with p mod count = index (0-based), of every topic read, so count deployments share a topic; each needs its own checkpointLocation and path. Per-partition startingOffsets keep only the shard\'s partitions, so one JSON serves every shard. See README "Deploy".',
    }),
    startingOffsets: def(startingOffsets, 'latest', {
      type: 'earliest | latest | JSON',
      default: 'latest',
      spark: 'startingOffsets',
      description:
        'Where a NEW query starts (ignored when resuming from a checkpoint): earliest, latest, or per-partition JSON with -2 = earliest, -1 = latest. Partitions discovered later start at earliest.',
    }),
    startingTimestamp: opt(int({ min: 0, example: 1700000000000, hint: 'epoch milliseconds' }), {
      type: 'int (epoch ms) ≥ 0',
      spark: 'startingTimestamp',
      description:
        'Where a NEW query starts, by time: in every partition, the earliest offset whose record timestamp is at or after this epoch millisecond (Kafka ListOffsets by timestamp). Takes precedence over startingOffsetsByTimestamp and startingOffsets, as in Spark; ignored when resuming from a checkpoint. A partition with no such offset fails the start, or starts at latest, per startingOffsetsByTimestampStrategy.',
    }),
    startingOffsetsByTimestamp: opt(startingOffsetsByTimestamp, {
      type: 'JSON or map',
      spark: 'startingOffsetsByTimestamp',
      description:
        'startingTimestamp per partition: `{"topicA":{"0":1700000000000}}` (epoch ms), which must name every partition read (as in Spark). Takes precedence over startingOffsets, not over startingTimestamp; ignored when resuming from a checkpoint. With source.shard each shard keeps its own partitions.',
    }),
    startingOffsetsByTimestampStrategy: def(choice({ values: ['error', 'latest'] as const }), 'error', {
      type: 'error | latest',
      default: 'error',
      spark: 'startingOffsetsByTimestampStrategy',
      description:
        'When startingTimestamp / startingOffsetsByTimestamp finds no offset at or after the timestamp in a partition (every record is older): error stops the start (SLUICE_KAFKA_NO_OFFSET_FOR_TIMESTAMP), latest starts that partition at its latest offset.',
    }),
    maxOffsetsPerTrigger: opt(int({ min: 1, example: 10000 }), {
      type: 'int ≥ 1',
      default: 'unlimited',
      spark: 'maxOffsetsPerTrigger',
      description: 'At most this many offsets per batch, prorated over partitions by backlog (Spark rateLimit).',
    }),
    minOffsetsPerTrigger: opt(int({ min: 1, example: 1000 }), {
      type: 'int ≥ 1',
      spark: 'minOffsetsPerTrigger',
      description: 'Skip triggers until this many offsets are available or maxTriggerDelay has passed. Must not exceed maxOffsetsPerTrigger.',
    }),
    maxTriggerDelay: def(duration(), 15 * 60_000, {
      type: 'duration',
      default: '15m',
      spark: 'maxTriggerDelay',
      description: 'With minOffsetsPerTrigger: the longest a batch is delayed waiting for enough offsets.',
    }),
    minPartitions: opt(int({ min: 1, example: 8 }), {
      type: 'int ≥ 1',
      spark: 'minPartitions',
      description: 'Split large offset ranges so that at least about this many read tasks run (KafkaOffsetRangeCalculator).',
    }),
    failOnDataLoss: def(bool(), true, {
      type: 'boolean',
      default: 'true',
      spark: 'failOnDataLoss',
      description:
        'Stop when offsets are gone (aged out by retention, partition deleted, offsets reset). false: log "Skip missing records" and continue from the earliest available offset.',
    }),
    includeHeaders: def(bool(), false, {
      type: 'boolean',
      default: 'false',
      spark: 'includeHeaders',
      description: 'Expose the record headers as the `headers` column (array<struct<key,value>>).',
    }),
    commitOffsets: def(bool(), true, {
      type: 'boolean',
      default: 'true',
      spark: '(none; SPARK-27549)',
      description:
        'After each committed batch, also commit its end offsets to kafka.group.id so consumer-group lag tools see progress. Only acts when kafka.group.id is set; the checkpoint stays the source of truth.',
    }),
    'kafka.client.id': opt(text('sluice-orders'), {
      type: 'string',
      default: 'sluice-<name>',
      spark: 'kafka.client.id',
      description: 'Client id sent to the brokers (quotas, broker logs).',
    }),
    'kafka.group.id': opt(text('orders-to-s3'), {
      type: 'string',
      spark: 'kafka.group.id',
      description: 'Consumer group to commit end offsets to (see commitOffsets). sluice never joins the group: it assigns partitions itself, like Spark.',
    }),
    'kafka.request.timeout.ms': def(int({ min: 1000, example: 30000 }), 30_000, {
      type: 'int (ms) ≥ 1000',
      default: '30000',
      spark: 'kafka.request.timeout.ms',
      description: 'Timeout of one Kafka request.',
    }),
    'kafka.max.partition.fetch.bytes': def(bytes({ min: 1024 }), DEFAULT_MAX_PARTITION_FETCH_BYTES, {
      type: 'bytes',
      default: '4194304 (4 MiB)',
      spark: 'kafka.max.partition.fetch.bytes',
      description:
        "Max bytes per partition per fetch. Kafka's default is 1 MiB; sluice reads known offset ranges to the end, so larger fetches mean fewer round trips per range (the per-request total stays bounded by kafka.fetch.max.bytes). Each fetch asks for what the rest of its range needs (learned per partition, at least 64 KiB), up to this; a record batch larger than this is still read whole (KIP-74).",
    }),
    'kafka.fetch.max.bytes': def(bytes({ min: 1024 }), 50 * 1024 * 1024, {
      type: 'bytes',
      default: '52428800 (50 MiB)',
      spark: 'kafka.fetch.max.bytes',
      description: "Max bytes per fetch response (Kafka's default).",
    }),
    'kafka.fetch.max.wait.ms': def(int({ min: 0, example: 500 }), 500, {
      type: 'int (ms) ≥ 0',
      default: '500',
      spark: 'kafka.fetch.max.wait.ms',
      description: "How long a broker may hold a fetch waiting for data (Kafka's default).",
    }),
    'kafka.isolation.level': def(choice({ values: ['read_uncommitted', 'read_committed'] as const }), 'read_uncommitted', {
      type: 'read_uncommitted | read_committed',
      default: 'read_uncommitted',
      spark: 'kafka.isolation.level',
      description:
        "Which records of transactional producers are read, as the Kafka consumer's isolation.level (Spark's default is read_uncommitted). read_uncommitted plans every batch up to the high watermark and reads aborted records too; read_committed plans up to the last stable offset (an open transaction holds the batch back until it commits or aborts) and skips the records of aborted transactions. Transaction markers never become rows.",
    }),
    'kafka.metadata.max.age.ms': def(int({ min: 1000, example: 30000 }), 30_000, {
      type: 'int (ms) ≥ 1000',
      default: '30000',
      spark: 'kafka.metadata.max.age.ms',
      description:
        'Accepted and ignored, for job files carried over from Kafka client configs: sluice lists topics and partitions on every trigger, as Spark does, so new partitions and topics are picked up at the next trigger whatever this says.',
    }),
    ...securityFields,
  })
  .meta({
    title: 'source',
    description:
      "Spark's Kafka source options (`spark.readStream.format('kafka').option(...)`). Keys are case-insensitive, as in Spark.",
    caseInsensitive: true,
  })

export type RawSource = z.output<typeof sourceSchema>

/** Spark source options that are recognised but not accepted, with why and what to do. */
export const SOURCE_UNSUPPORTED: Record<string, string> = {
  endingOffsets:
    'not applicable: it is a batch-query option (spark.read), and sluice runs a streaming query; use trigger: availableNow to stop once caught up',
  endingOffsetsByTimestamp: 'not applicable: it is a batch-query option (spark.read); use trigger: availableNow to stop once caught up',
  endingTimestamp: 'not applicable: it is a batch-query option (spark.read); use trigger: availableNow to stop once caught up',
  'kafkaConsumer.pollTimeoutMs':
    'not applicable: sluice does not poll a KafkaConsumer; tune kafka.fetch.max.wait.ms and kafka.request.timeout.ms instead',
  'fetchOffset.numRetries': 'not applicable: offset look-ups are retried by the Kafka client; remove it',
  'fetchOffset.retryIntervalMs': 'not applicable: offset look-ups are retried by the Kafka client; remove it',
  groupIdPrefix:
    'not applicable: sluice assigns partitions itself and never joins a consumer group; set kafka.group.id to commit progress to a group (see commitOffsets)',
  maxRecordsPerPartition: 'not supported yet; use minPartitions to split large ranges',
  topic: 'not applicable: it is an option of the Kafka SINK; to read topics use subscribe',
}

/** `kafka.*` options Spark itself rejects, with Spark's reason. */
export const KAFKA_REJECTED: Record<string, string> = {
  'kafka.auto.offset.reset':
    "Spark rejects it: set the source option startingOffsets to 'earliest' or 'latest' instead. Structured Streaming manages which offsets are consumed itself, so no data is missed when topics or partitions appear; startingOffsets only applies when a new query starts, a resumed query continues from its checkpoint",
  'kafka.key.deserializer':
    'Spark rejects it: keys are always read as bytes (ByteArrayDeserializer); turn them into values with select expressions (CAST(key AS STRING))',
  'kafka.value.deserializer':
    'Spark rejects it: values are always read as bytes and parsed with the job schema (from_json); remove it',
  'kafka.enable.auto.commit':
    'Spark rejects it: offsets are tracked in the checkpoint, and committing correctly needs the batch boundaries; use commitOffsets with kafka.group.id to publish progress to a group',
  'kafka.interceptor.classes': 'Spark rejects it: interceptors can modify the payload, which is not safe; remove it',
}

/** Prefixes of `kafka.*` options for features that are not supported yet. */
export const KAFKA_UNSUPPORTED_PREFIXES: Record<string, string> = {
  'kafka.sasl.kerberos.': 'Kerberos (GSSAPI) is not implemented; use SCRAM, OAUTHBEARER or AWS_MSK_IAM',
}
