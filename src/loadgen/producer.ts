/**
 * One producer of a load-generator run: a kafkajs producer that sends its share of the run's
 * batches. The run is cut into batches by one global plan (the same in every thread), and slice
 * `w` of `W` sends batches `w, w + W, w + 2W, ...`, each when the rate profile says its first
 * record is due. So W threads together follow the profile, every seq is produced at most once,
 * and a count-bound run produces exactly seqs 0..count-1.
 *
 * With a rate, a batch holds about 10 ms of the rate at its due time (at most --batch-size); at
 * full speed every batch holds --batch-size records. Missed slots are caught up at once, never
 * skipped. Up to --max-in-flight requests await acknowledgement at a time.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, type Message, type Producer, logLevel } from 'kafkajs'
import { kafkajsSecurity } from '../kafka-admin/security.js'
import { useCodec } from './codecs.js'
import type { LoadgenOptions } from './options.js'
import type { RateSchedule } from './rate-profile.js'
import type { RecordFactory } from './records.js'
import { LatencyHistogram, type LatencyHistogramState } from './stats.js'

/** What a slice reports (increments since the previous drain). */
export interface SliceDelta {
  produced: number
  onTime: number
  valueBytes: number
  malformed: number
  errors: number
  perPartition: number[]
  firstTimestampMs: number | null
  lastTimestampMs: number | null
  lastAckMs: number
  latency: LatencyHistogramState
  /** The first produce failure's message (repeated in every later delta). */
  failure?: string | undefined
}

export class SliceStats {
  #d: SliceDelta
  readonly #latency = new LatencyHistogram()

  constructor(readonly partitions: number) {
    this.#d = SliceStats.empty(partitions)
  }

  static empty(partitions: number): SliceDelta {
    return { produced: 0, onTime: 0, valueBytes: 0, malformed: 0, errors: 0, perPartition: new Array<number>(partitions).fill(0), firstTimestampMs: null, lastTimestampMs: null, lastAckMs: 0, latency: new LatencyHistogram().state() }
  }

  get current(): SliceDelta {
    return this.#d
  }

  latency(ms: number): void {
    this.#latency.record(ms)
  }

  /** The first produce failure; the slice stops sending after it. */
  failure: string | undefined

  drain(): SliceDelta {
    const d = { ...this.#d, latency: this.#latency.state(), failure: this.failure }
    this.#latency.reset()
    this.#d = SliceStats.empty(this.partitions)
    this.#d.lastAckMs = d.lastAckMs
    return d
  }
}

export interface SliceInput {
  options: LoadgenOptions
  partitions: number
  startMs: number
  /** Absolute end (epoch ms), Infinity for a count-bound run. */
  deadlineMs: number
  /** Records of the run, Infinity for a duration-bound run. */
  total: number
  /** Acks after this instant are late for the rate check (epoch ms). */
  onTimeUntilMs: number
  schedule: RateSchedule | null
  slice: number
  slices: number
  records: RecordFactory
  /** Called once per batch with the wall time, before its records are built. */
  beginBatch: (nowMs: number) => void
}

/** Sizes of the global batches: [firstSeq, size, dueMs relative to the start]. */
export function* batchPlan(schedule: RateSchedule | null, batchSize: number, total: number): Generator<[number, number, number]> {
  let first = 0
  while (first < total) {
    const dueSec = schedule === null ? 0 : schedule.timeFor(first)
    if (!Number.isFinite(dueSec)) return
    const size = schedule === null ? batchSize : Math.max(1, Math.min(batchSize, Math.ceil(schedule.rateAt(dueSec) / 100)))
    const n = Math.min(size, total - first)
    yield [first, n, dueSec * 1000]
    first += n
  }
}

export function createProducer(options: LoadgenOptions, clientSuffix: string): { kafka: Kafka; producer: Producer } {
  const kafka = new Kafka({
    clientId: `${options.clientId}${clientSuffix}`,
    brokers: options.bootstrap,
    ...kafkajsSecurity(options.security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  })
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    // Every message names its partition; kafkajs still calls the partitioner for each one.
    createPartitioner: () => ({ message }: { message: Message }) => message.partition!,
  })
  return { kafka, producer }
}

/** Sends this slice's batches; resolves when done, aborted, or after the first failure. */
export async function runSlice(input: SliceInput, producer: Producer, stats: SliceStats, signal?: AbortSignal): Promise<void> {
  const o = input.options
  const compression = useCodec(o.compression)
  const inFlight = new Set<Promise<void>>()
  let b = -1
  for (const [firstSeq, size, dueMs] of batchPlan(input.schedule, o.batchSize, input.total)) {
    b++
    if (b % input.slices !== input.slice) continue
    if (stats.failure !== undefined || signal?.aborted) break
    const slot = input.startMs + dueMs
    let now = Date.now()
    if (slot >= input.deadlineMs || now >= input.deadlineMs) break
    if (slot > now) {
      try {
        await sleep(slot - now, undefined, { signal })
      } catch {
        break // aborted
      }
      now = Date.now()
    }
    input.beginBatch(now)
    const messages: Message[] = new Array(size)
    const parts: number[] = new Array(size)
    let bytes = 0
    let malformed = 0
    let minTs = Number.POSITIVE_INFINITY
    let maxTs = Number.NEGATIVE_INFINITY
    for (let i = 0; i < size; i++) {
      const r = input.records.build(firstSeq + i)
      messages[i] = r.message
      parts[i] = r.partition
      bytes += r.valueBytes
      if (r.malformed) malformed++
      const ts = Number(r.message.timestamp)
      if (ts < minTs) minTs = ts
      if (ts > maxTs) maxTs = ts
    }
    const sentAt = performance.now()
    const request: Promise<void> = producer
      .send({ topic: o.topic, acks: 1, compression, messages })
      .then(
        () => {
          stats.latency(performance.now() - sentAt)
          const d = stats.current
          const ackMs = Date.now()
          d.produced += size
          if (ackMs <= input.onTimeUntilMs) d.onTime += size
          d.valueBytes += bytes
          d.malformed += malformed
          for (const p of parts) d.perPartition[p]!++
          if (d.firstTimestampMs === null || minTs < d.firstTimestampMs) d.firstTimestampMs = minTs
          if (d.lastTimestampMs === null || maxTs > d.lastTimestampMs) d.lastTimestampMs = maxTs
          d.lastAckMs = ackMs
        },
        (err: unknown) => {
          stats.current.errors++
          stats.failure ??= err instanceof Error ? err.message : String(err)
        },
      )
      .finally(() => inFlight.delete(request))
    inFlight.add(request)
    if (inFlight.size >= o.maxInFlight) await Promise.race(inFlight)
  }
  await Promise.allSettled(inFlight)
}
