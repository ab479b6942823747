/**
 * Coordinator-side Kafka access through kafkajs: which partitions a subscription covers, who
 * leads them, their earliest and latest offsets, and monitoring commits to a consumer group.
 * Workers never import this folder (they read with src/kafka/'s FetchClient); a lint rule
 * (eslint.config.js) enforces it.
 */
// Types only: kafkajs itself is loaded in connect(), so importing this module costs nothing
// until an admin connects.
import type { Admin, LogEntry } from 'kafkajs'
import type { Subscription } from '../config/types.js'
import { SluiceError, isSluiceError } from '../errors.js'
import { ownsPartition, tpKey as partitionKey } from '../planner/index.js'
import { type GroupOffset, commitOffsetsOutsideGroup } from './group-commit.js'
import { highWatermarks, offsetsForTimestamps } from './list-offsets.js'
import { kafkajsSecurity, kafkajsSecurityError, probeSecurity } from './security.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { BrokerAddress, PartitionInfo } from '../kafka/types.js'

/** The subset of a pino logger the admin uses. */
export interface AdminLogger {
  error(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

export interface KafkaAdminOptions {
  bootstrapServers: string[]
  clientId: string
  requestTimeoutMs: number
  /** `kafka.isolation.level`: latest offsets are high watermarks (read_uncommitted, the
   * default, as in Spark) or last stable offsets (read_committed). */
  isolationLevel?: 'read_uncommitted' | 'read_committed' | undefined
  /** TLS / SASL of every connection (kafkajs and sluice's own requests); absent = PLAINTEXT. */
  security?: KafkaSecuritySpec | undefined
  logger?: AdminLogger | undefined
}

/** Kafka's internal topics, which pattern subscriptions skip (exclude.internal.topics=true). */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state'])

/** Java's Pattern.matcher(name).matches(): the whole name must match. */
export function compileTopicPattern(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`)
  } catch (cause) {
    throw new SluiceError(
      'SLUICE_KAFKA_TOPIC_PATTERN',
      `subscribePattern '${pattern}' is not a valid regular expression (${(cause as Error).message}); ` +
        'fix source.subscribePattern.',
      { cause, details: { pattern } },
    )
  }
}

export class KafkaAdmin {
  #opts: KafkaAdminOptions
  #admin: Admin | null = null
  #connected = false

  constructor(opts: KafkaAdminOptions) {
    this.#opts = opts
  }

  async #create(): Promise<Admin> {
    const { Kafka, logLevel } = (await import('kafkajs')).default
    const opts = this.#opts
    const logger = opts.logger
    const kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.bootstrapServers,
      ...kafkajsSecurity(opts.security),
      requestTimeout: opts.requestTimeoutMs,
      connectionTimeout: Math.min(opts.requestTimeoutMs, 10_000),
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
      // kafkajs logs every retried connection error at ERROR: those become warnings here, and
      // without a logger everything below its final thrown error is dropped.
      logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => {
        if (!logger) return
        const { message, ...rest } = entry.log
        const obj = { component: 'kafkajs', namespace: entry.namespace, ...rest }
        if (entry.level <= logLevel.WARN) logger.warn(obj, message)
        else logger.debug(obj, message)
      },
    })
    return kafka.admin()
  }

  get #kafka(): Admin {
    if (this.#admin === null || !this.#connected) {
      throw new SluiceError(
        'SLUICE_KAFKA_NOT_CONNECTED',
        'KafkaAdmin used before connect() or after close(): call connect() first.',
      )
    }
    return this.#admin
  }

  async connect(): Promise<void> {
    // One handshake with sluice's own client first: a security mismatch fails here, at once.
    const security = this.#opts.security
    if (security !== undefined) await probeSecurity(this.#opts.bootstrapServers, this.#opts.clientId, this.#opts.requestTimeoutMs, security)
    this.#admin ??= await this.#create()
    try {
      await this.#admin.connect()
      this.#connected = true
    } catch (err) {
      throw this.#connectError(err)
    }
  }

  async close(): Promise<void> {
    if (!this.#connected) return
    this.#connected = false
    await this.#admin?.disconnect()
  }

  /**
   * Partitions a subscription covers right now, with their leaders (fresh metadata).
   *
   * `resuming`: the query has read before (it has offsets). A subscribed or assigned topic or
   * partition that is missing is SLUICE_KAFKA_TOPIC_NOT_FOUND only on a query's first trigger (a
   * typo, a topic not created yet); later it was deleted, and is left out here so that the planner
   * reports its partitions as gone and failOnDataLoss decides, as in Spark
   * (KafkaOffsetReaderAdmin.getOffsetRangesFromResolvedOffsets).
   */
  async discover(sub: Subscription, resuming = false): Promise<PartitionInfo[]> {
    const all = await this.#call('list topics', () => this.#kafka.listTopics())
    const existing = new Set(all)
    let topics: string[]
    if (sub.kind === 'subscribePattern') {
      const re = compileTopicPattern(sub.pattern)
      topics = all.filter((t) => !INTERNAL_TOPICS.has(t) && re.test(t))
    } else {
      topics = sub.kind === 'subscribe' ? [...new Set(sub.topics)] : Object.keys(sub.partitions)
      const missing = topics.filter((t) => !existing.has(t))
      if (missing.length > 0 && !resuming) throw topicNotFound(missing, sub.kind)
      topics = topics.filter((t) => existing.has(t))
    }
    if (topics.length === 0) return []
    topics.sort()
    const [cluster, metadata] = await Promise.all([
      this.#call('describe cluster', () => this.#kafka.describeCluster()),
      this.#call('fetch topic metadata', () => this.#kafka.fetchTopicMetadata({ topics })),
    ])
    const brokers = new Map<number, BrokerAddress>()
    for (const b of cluster.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port })
    const out: PartitionInfo[] = []
    for (const t of metadata.topics) {
      const wanted = sub.kind === 'assign' ? new Set(sub.partitions[t.name]) : null
      const have = new Set<number>()
      for (const p of t.partitions) {
        have.add(p.partitionId)
        if (wanted && !wanted.has(p.partitionId)) continue
        if (!ownsPartition(sub.shard, p.partitionId)) continue
        const leader = brokers.get(p.leader)
        if (leader === undefined) {
          throw new SluiceError(
            'SLUICE_KAFKA_LEADER_NOT_AVAILABLE',
            `${t.name}-${p.partitionId} has no available leader (leader id ${p.leader}); the ` +
              'partition is being moved or its brokers are down. Retried after a metadata refresh.',
            { retriable: true, details: { topic: t.name, partition: p.partitionId, leader: p.leader } },
          )
        }
        out.push({ topic: t.name, partition: p.partitionId, leader })
      }
      if (wanted) {
        const absent = [...wanted].filter((p) => !have.has(p))
        if (absent.length > 0 && !resuming) throw topicNotFound([t.name], 'assign', absent, have.size)
      }
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    return out
  }

  /**
   * Earliest (log start) and latest offsets of exactly `parts`, keyed by partitionKey(). Latest
   * is the high watermark under read_uncommitted (asked with our own ListOffsets: kafkajs only
   * asks for the last stable offset) and the last stable offset under read_committed. Other partitions of the same topics (not in an `assign` list) are left out:
   * the planner would otherwise take them for newly discovered partitions and read them.
   */
  async offsets(
    parts: PartitionInfo[],
  ): Promise<{ earliest: Map<string, number>; latest: Map<string, number> }> {
    const earliest = new Map<string, number>()
    const latest = new Map<string, number>()
    const wanted = new Set(parts.map((p) => partitionKey(p.topic, p.partition)))
    const topics = [...new Set(parts.map((p) => p.topic))]
    const results = await Promise.all(
      topics.map((t) => this.#call(`fetch offsets of ${t}`, () => this.#kafka.fetchTopicOffsets(t))),
    )
    for (let i = 0; i < topics.length; i++) {
      for (const o of results[i]!) {
        const key = partitionKey(topics[i]!, o.partition)
        if (!wanted.has(key)) continue
        earliest.set(key, Number(o.low))
        latest.set(key, Number(o.high))
      }
    }
    if (this.#opts.isolationLevel !== 'read_committed' && parts.length > 0) {
      const hw = await highWatermarks(parts, this.#opts.clientId, this.#opts.requestTimeoutMs, this.#opts.security ?? null)
      for (const [key, offset] of hw) if (latest.has(key)) latest.set(key, offset)
    }
    const missing = parts.filter((p) => !latest.has(partitionKey(p.topic, p.partition)))
    if (missing.length > 0) {
      throw new SluiceError(
        'SLUICE_KAFKA_METADATA',
        `no offsets returned for ${missing.map((p) => `${p.topic}-${p.partition}`).join(', ')}: the ` +
          'partitions are new or moving. Retried after a metadata refresh.',
        { retriable: true, details: { partitions: missing.map((p) => partitionKey(p.topic, p.partition)) } },
      )
    }
    return { earliest, latest }
  }

  /**
   * For each of `parts`, the earliest offset whose record timestamp is at or after its
   * `timestamp` (epoch ms), or -1 when it has none (Kafka ListOffsets by timestamp, under
   * `kafka.isolation.level`, as Spark's admin asks); keyed by partitionKey().
   */
  async offsetsForTimestamps(parts: (PartitionInfo & { timestamp: number })[]): Promise<Map<string, number>> {
    if (parts.length === 0) return new Map()
    return offsetsForTimestamps(
      parts,
      this.#opts.isolationLevel ?? 'read_uncommitted',
      this.#opts.clientId,
      this.#opts.requestTimeoutMs,
      this.#opts.security ?? null,
    )
  }

  /** Commits offsets to `groupId` without joining the group (lag monitoring only). */
  async commitGroupOffsets(groupId: string, offsets: GroupOffset[]): Promise<void> {
    const cluster = await this.#call('describe cluster', () => this.#kafka.describeCluster())
    const via = cluster.brokers[0]
    if (via === undefined) throw this.#connectError(new Error('the cluster lists no brokers'))
    await commitOffsetsOutsideGroup(
      { nodeId: via.nodeId, host: via.host, port: via.port },
      this.#opts.clientId,
      this.#opts.requestTimeoutMs,
      groupId,
      offsets,
      this.#opts.security ?? null,
    )
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (isSluiceError(err)) throw err
      throw this.#classify(what, err)
    }
  }

  #classify(what: string, err: unknown): SluiceError {
    const e = err as { name?: string; message?: string; retriable?: boolean; type?: string }
    const security = kafkajsSecurityError(this.#opts.bootstrapServers, this.#opts.security, err)
    if (security !== null) return security
    if (isConnectionError(err)) return this.#connectError(err)
    if (isTopicRace(err)) {
      // The topic was deleted (or is being created) between listing the topics and this request:
      // the next trigger's metadata says which, and failOnDataLoss decides (Spark re-fetches too).
      return new SluiceError(
        'SLUICE_KAFKA_METADATA',
        `Kafka admin request '${what}' failed: ${rootMessage(err).replace(/\.?$/, '.')} The topic was deleted or ` +
          're-created while sluice read its metadata; retried after a metadata refresh.',
        { retriable: true, cause: err, details: { type: 'UNKNOWN_TOPIC_OR_PARTITION' } },
      )
    }
    return new SluiceError(
      'SLUICE_KAFKA_METADATA',
      `Kafka admin request '${what}' failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}` +
        (e.retriable !== false ? '; retried after a metadata refresh.' : '.'),
      { retriable: e.retriable !== false, cause: err, details: { type: e.type ?? null } },
    )
  }

  #connectError(err: unknown): SluiceError {
    const security = kafkajsSecurityError(this.#opts.bootstrapServers, this.#opts.security, err)
    if (security !== null) return security
    const servers = this.#opts.bootstrapServers.join(',')
    return new SluiceError(
      'SLUICE_KAFKA_CONNECT',
      `cannot reach the Kafka bootstrap servers ${servers} (${rootMessage(err)}). Check ` +
        'kafka.bootstrap.servers, that the brokers are up, and that this host can reach them ' +
        '(network, firewall, advertised.listeners).',
      { retriable: true, cause: err, details: { bootstrapServers: this.#opts.bootstrapServers } },
    )
  }
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; originalError?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 5 && e; i++) {
    const next = (e.originalError ?? e.cause) as typeof e
    if (!next) break
    e = next
  }
  return e?.message ?? String(err)
}

const TOPIC_RACE_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER'])

/**
 * Whether a kafkajs error, or one it wraps (KafkaJSNumberOfRetriesExceeded after its own retries),
 * is a topic or leader changing under the request: a topic deleted between listing the topics
 * and asking for its offsets, a partition moving. Retriable at the trigger level, not fatal.
 */
export function isTopicRace(err: unknown): boolean {
  let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 5 && e; i++) {
    if (e.type !== undefined && TOPIC_RACE_TYPES.has(e.type)) return true
    e = (e.originalError ?? e.cause) as typeof e
  }
  return false
}

function isConnectionError(err: unknown): boolean {
  let e = err as { name?: string; originalError?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 5 && e; i++) {
    if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSBrokerNotFound') return true
    e = (e.originalError ?? e.cause) as typeof e
  }
  return false
}

function topicNotFound(
  topics: string[],
  kind: 'subscribe' | 'assign',
  partitions?: number[],
  count?: number,
): SluiceError {
  const field = kind === 'subscribe' ? 'source.subscribe' : 'source.assign'
  const what = partitions
    ? `partitions ${partitions.join(', ')} of topic '${topics[0]}' do not exist (it has ${count})`
    : `topic${topics.length > 1 ? 's' : ''} ${topics.map((t) => `'${t}'`).join(', ')} ` +
      `do${topics.length > 1 ? '' : 'es'} not exist`
  return new SluiceError(
    'SLUICE_KAFKA_TOPIC_NOT_FOUND',
    `${what} on the cluster. Create ${partitions ? 'them' : 'the topic'} or fix ${field} ` +
      '(names are case-sensitive).',
    { details: { topics, partitions: partitions ?? null } },
  )
}
