/**
 * The load generator: produces JSON records to a Kafka topic at a given rate, for tests,
 * benchmarks and demos (`sluice loadgen`).
 *
 * kafkajs producer, acks=1, no compression, no idempotence. Records go round-robin over the
 * partitions (record `seq` to partition `seq % partitions`, set explicitly, so the partitioner
 * never runs) in produce requests of `batchSize` records, with up to `maxInFlight` requests
 * awaiting acknowledgement. With `rate > 0` each request waits for its slot on the schedule
 * `start + seq / rate`; missed slots are caught up at once, never skipped. The record value
 * comes from a {@link Profile} (see profile.ts for the exact format); the Kafka timestamp
 * (CreateTime) is set explicitly from the {@link TimePlan}.
 *
 * The AbortSignal stops the run between requests: no new request starts, the ones in flight
 * are awaited, and the result says `aborted: true` with the exact counts acknowledged.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { CompressionTypes, Kafka, type Message, logLevel, type LogEntry } from 'kafkajs'
import type { Logger } from 'pino'
import { SluiceError } from '../errors.js'
import { type LoadgenInput, resolveLoadgenOptions } from './options.js'
import { type Profile, profiles } from './profile.js'
import { TimePlan } from './time-plan.js'
import { type CreateTopicFn, ensureTopic } from './topic.js'

export interface LoadgenProgress {
  produced: number
  elapsedMs: number
  ratePerSec: number
}

export interface LoadgenHooks {
  /** Creates a missing topic instead of the kafkajs admin (e.g. the mock launcher's command). */
  createTopic?: CreateTopicFn
  /** Called about once a second while producing. */
  onProgress?: (progress: LoadgenProgress) => void
  /** Receives kafkajs warnings and errors. */
  logger?: Logger
}

export interface LoadgenResult {
  topic: string
  runId: string
  partitions: number
  topicCreated: boolean
  /** Records acknowledged by the brokers. */
  produced: number
  /** Value bytes acknowledged (keys and record overhead not counted). */
  valueBytes: number
  /** From the first produce request to the last acknowledgement. */
  durationMs: number
  ratePerSec: number
  /** Acknowledged records per partition, index = partition. */
  perPartition: number[]
  /** Event-time range of the produced records (epoch ms); null when nothing was produced. */
  firstTimestampMs: number | null
  lastTimestampMs: number | null
  aborted: boolean
}

const PROGRESS_EVERY_MS = 1000

function kafkaLogCreator(logger: Logger | undefined) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return
      const { message, ...extra } = log
      if (level <= logLevel.ERROR) logger.error(extra, `kafkajs: ${message}`)
      else logger.warn(extra, `kafkajs: ${message}`)
    }
}

function partitionAsGiven({ message }: { message: Message }): number {
  return message.partition!
}

function runIdFor(seed: number | undefined): string {
  if (seed === undefined) return randomBytes(4).toString('hex')
  // A seeded, stable id: the same seed gives the same messages.
  const x = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0
  return x.toString(16).padStart(8, '0')
}

/** Adds the per-partition counts of a round-robin batch [firstSeq, firstSeq + size). */
function addRoundRobin(counts: number[], firstSeq: number, size: number): void {
  const n = counts.length
  const whole = Math.floor(size / n)
  const rest = size % n
  const startPartition = firstSeq % n
  for (let p = 0; p < n; p++) counts[p]! += whole
  for (let k = 0; k < rest; k++) counts[(startPartition + k) % n]! += 1
}

function wrapConnectError(err: unknown, bootstrap: string[]): SluiceError {
  const reason = err instanceof Error ? err.message : String(err)
  return new SluiceError(
    'SLUICE_LOADGEN_CONNECT',
    `loadgen: cannot reach Kafka at ${bootstrap.join(',')}: ${reason}; check --bootstrap and that the brokers are up`,
    { cause: err, retriable: true, details: { bootstrap } },
  )
}

/**
 * Produces records as `input` describes. Resolves with the counts when the count or duration is
 * reached or `signal` aborts; rejects with SLUICE_LOADGEN_* errors.
 */
export async function runLoadgen(
  input: LoadgenInput,
  signal?: AbortSignal,
  hooks: LoadgenHooks = {},
): Promise<LoadgenResult> {
  const options = resolveLoadgenOptions(input)
  const runId = options.runId ?? runIdFor(options.seed)
  const profile: Profile = profiles[options.profile]!({
    runId,
    recordBytes: options.recordBytes,
    seed: options.seed ?? Number.parseInt(runId, 16),
  })
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.bootstrap,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(hooks.logger),
    connectionTimeout: 3000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  })

  const admin = kafka.admin()
  let topicInfo: { partitions: number; created: boolean }
  try {
    await admin.connect()
  } catch (err) {
    throw wrapConnectError(err, options.bootstrap)
  }
  try {
    topicInfo = await ensureTopic(admin, options.topic, options.partitions, hooks.createTopic)
  } finally {
    await admin.disconnect()
  }

  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    // Every message names its partition; kafkajs still calls the partitioner for each one, so
    // this one just returns it (and avoids kafkajs' warning about its default partitioner).
    createPartitioner: () => partitionAsGiven,
  })
  try {
    await producer.connect()
  } catch (err) {
    throw wrapConnectError(err, options.bootstrap)
  }

  const partitions = topicInfo.partitions
  const perPartition: number[] = new Array(partitions).fill(0)
  const total = options.count ?? Number.POSITIVE_INFINITY
  const durationMs = options.durationSec === undefined ? undefined : options.durationSec * 1000
  const expected =
    options.count ??
    (options.rate > 0 && durationMs !== undefined
      ? Math.ceil((options.rate * durationMs) / 1000)
      : undefined)
  const startMs = Date.now()
  const plan = new TimePlan(startMs, options.timeSpanHours * 3_600_000, expected, durationMs)
  const deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + durationMs
  // With a rate, small requests keep the schedule smooth (about 100 requests a second).
  const batchSize =
    options.rate > 0
      ? Math.max(1, Math.min(options.batchSize, Math.ceil(options.rate / 100)))
      : options.batchSize
  const keyed = options.keyMode === 'seq'

  let produced = 0
  let valueBytes = 0
  let firstTs: number | null = null
  let lastTs: number | null = null
  let failure: unknown
  let lastAckMs = startMs
  let lastProgressMs = startMs
  const inFlight = new Set<Promise<void>>()

  let seq = 0
  try {
    while (seq < total && failure === undefined && !signal?.aborted) {
      let now = Date.now()
      if (now >= deadline) break
      if (options.rate > 0) {
        const slotMs = startMs + (seq * 1000) / options.rate
        if (slotMs > now) {
          try {
            await sleep(Math.min(slotMs, deadline) - now, undefined, { signal })
          } catch {
            break // aborted
          }
          now = Date.now()
          if (now >= deadline) break
        }
      }

      const size = Math.min(batchSize, total - seq)
      const firstSeq = seq
      plan.beginBatch(now)
      const messages: Message[] = new Array(size)
      let bytes = 0
      for (let i = 0; i < size; i++, seq++) {
        const ts = plan.at(seq)
        const value = profile.value(seq, ts)
        bytes += value.length
        messages[i] = {
          key: keyed ? String(seq) : null,
          value,
          partition: seq % partitions,
          timestamp: String(ts),
        }
      }
      const batchFirstTs = plan.at(firstSeq)
      const batchLastTs = plan.at(seq - 1)

      const request: Promise<void> = producer
        .send({ topic: options.topic, acks: 1, compression: CompressionTypes.None, messages })
        .then(
          () => {
            produced += size
            valueBytes += bytes
            addRoundRobin(perPartition, firstSeq, size)
            if (firstTs === null || batchFirstTs < firstTs) firstTs = batchFirstTs
            if (lastTs === null || batchLastTs > lastTs) lastTs = batchLastTs
            lastAckMs = Date.now()
          },
          (err: unknown) => {
            failure ??= err
          },
        )
        .finally(() => inFlight.delete(request))
      inFlight.add(request)
      if (inFlight.size >= options.maxInFlight) await Promise.race(inFlight)

      if (hooks.onProgress && now - lastProgressMs >= PROGRESS_EVERY_MS) {
        lastProgressMs = now
        const elapsedMs = now - startMs
        hooks.onProgress({ produced, elapsedMs, ratePerSec: (produced * 1000) / Math.max(1, elapsedMs) })
      }
    }
    await Promise.all(inFlight)
  } finally {
    await Promise.allSettled(inFlight)
    await producer.disconnect()
  }

  if (failure !== undefined) {
    const reason = failure instanceof Error ? failure.message : String(failure)
    throw new SluiceError(
      'SLUICE_LOADGEN_PRODUCE',
      `loadgen: producing to topic '${options.topic}' failed after ${produced} acknowledged records: ${reason}; check the brokers' health and run again (records already acknowledged stay in the topic)`,
      { cause: failure, retriable: true, details: { topic: options.topic, produced, runId } },
    )
  }

  const durationMsActual = Math.max(1, lastAckMs - startMs)
  return {
    topic: options.topic,
    runId,
    partitions,
    topicCreated: topicInfo.created,
    produced,
    valueBytes,
    durationMs: durationMsActual,
    ratePerSec: (produced * 1000) / durationMsActual,
    perPartition,
    firstTimestampMs: firstTs,
    lastTimestampMs: lastTs,
    aborted: signal?.aborted === true && seq < total,
  }
}
