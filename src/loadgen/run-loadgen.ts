/**
 * The load generator: produces JSON records to a Kafka topic following a target-rate profile,
 * for tests, benchmarks, demos and `sluice tune` (`sluice loadgen`).
 *
 * kafkajs producers, acks=1, no idempotence, compression per --compression. With --threads N,
 * N worker threads each run one producer and one slice of the run (producer.ts explains the
 * split); with 1 the producer runs in this thread. The record value comes from a profile or a
 * template (records.ts); the Kafka timestamp (CreateTime) is set explicitly from the time plan.
 *
 * About once a second `onProgress` receives the achieved and target rates, the produce latency
 * and errors of that second. The result says whether the run held its target rate: at least
 * (1 - rateTolerance) of the records due were acknowledged by the end of the schedule (plus 1 s
 * for the last acknowledgements).
 *
 * The AbortSignal stops the run between requests: no new request starts, the ones in flight
 * are awaited, and the result says `aborted: true` with the exact counts acknowledged.
 */
import { randomBytes } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { Kafka, logLevel, type LogEntry } from 'kafkajs'
import type { Logger } from 'pino'
import { SluiceError } from '../errors.js'
import { kafkajsSecurity, kafkajsSecurityError, probeSecurity } from '../kafka-admin/security.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import { type LoadgenInput, type LoadgenOptions, resolveLoadgenOptions } from './options.js'
import { recordFactory, type RunPlan, scheduleOf, sliceInput } from './plan.js'
import { createProducer, runSlice, type SliceDelta, SliceStats } from './producer.js'
import type { RateSchedule } from './rate-profile.js'
import { LatencyHistogram, type LatencySummary } from './stats.js'
import { type CreateTopicFn, ensureTopic } from './topic.js'

export interface LoadgenProgress {
  produced: number
  elapsedMs: number
  /** Average acknowledged records/s since the start. */
  ratePerSec: number
  /** Acknowledged records/s in the last interval. */
  intervalRatePerSec: number
  /** What the profile asks for now; null at full speed. */
  targetRatePerSec: number | null
  /** Records the profile had scheduled by now, minus those acknowledged; null at full speed. */
  behind: number | null
  latencyMs: LatencySummary
  errors: number
}

export interface LoadgenHooks {
  /** Creates a missing topic instead of the kafkajs admin (e.g. the mock launcher's command). */
  createTopic?: CreateTopicFn
  /** Called about once a second while producing. */
  onProgress?: (progress: LoadgenProgress) => void
  /** Receives kafkajs warnings and errors of the admin client. */
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
  /** Acknowledged records with a broken JSON value (--malformed). */
  malformed: number
  /** Failed produce requests. */
  errors: number
  latencyMs: LatencySummary
  rateProfile: string
  threads: number
  compression: string
  /** Records the profile scheduled for the run; null at full speed. */
  due: number | null
  /** Of those, acknowledged in time. */
  onTime: number
  /** False when fewer than (1 - rateTolerance) × due were acknowledged in time. */
  rateHeld: boolean
}

const PROGRESS_EVERY_MS = 1000
const ON_TIME_GRACE_MS = 1000

function kafkaLogCreator(logger: Logger | undefined) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return
      const { message, ...extra } = log
      if (level <= logLevel.ERROR) logger.error(extra, `kafkajs: ${message}`)
      else logger.warn(extra, `kafkajs: ${message}`)
    }
}

function runIdFor(seed: number | undefined): string {
  if (seed === undefined) return randomBytes(4).toString('hex')
  // A seeded, stable id: the same seed gives the same messages.
  const x = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0
  return x.toString(16).padStart(8, '0')
}

function wrapConnectError(err: unknown, bootstrap: string[], security?: KafkaSecuritySpec | null): SluiceError {
  const auth = kafkajsSecurityError(bootstrap, security, err)
  if (auth !== null) return auth
  const reason = err instanceof Error ? err.message : String(err)
  return new SluiceError('SLUICE_LOADGEN_CONNECT', `loadgen: cannot reach Kafka at ${bootstrap.join(',')}: ${reason}; check --bootstrap and that the brokers are up`, {
    cause: err,
    retriable: true,
    details: { bootstrap },
  })
}

/** Sums the slices' deltas: the run's totals and the current interval. */
class Totals {
  readonly total: SliceDelta
  readonly totalLatency = new LatencyHistogram()
  readonly interval = new LatencyHistogram()
  intervalProduced = 0
  intervalErrors = 0

  constructor(partitions: number) {
    this.total = SliceStats.empty(partitions)
  }

  add(d: SliceDelta): void {
    const t = this.total
    t.produced += d.produced
    t.onTime += d.onTime
    t.valueBytes += d.valueBytes
    t.malformed += d.malformed
    t.errors += d.errors
    for (let p = 0; p < d.perPartition.length; p++) t.perPartition[p]! += d.perPartition[p]!
    if (d.firstTimestampMs !== null && (t.firstTimestampMs === null || d.firstTimestampMs < t.firstTimestampMs)) t.firstTimestampMs = d.firstTimestampMs
    if (d.lastTimestampMs !== null && (t.lastTimestampMs === null || d.lastTimestampMs > t.lastTimestampMs)) t.lastTimestampMs = d.lastTimestampMs
    t.lastAckMs = Math.max(t.lastAckMs, d.lastAckMs)
    t.failure ??= d.failure
    this.totalLatency.add(d.latency)
    this.interval.add(d.latency)
    this.intervalProduced += d.produced
    this.intervalErrors += d.errors
  }
}

/** A producer slice, in this thread or in a worker: started, then drained until done. */
interface SliceRunner {
  start(plan: RunPlan): void
  drain(): SliceDelta[]
  stop(): void
  done: Promise<void>
}

async function inProcessSlice(options: LoadgenOptions, partitions: number, signal: AbortSignal): Promise<SliceRunner> {
  const { producer } = createProducer(options, '')
  try {
    await producer.connect()
  } catch (err) {
    throw wrapConnectError(err, options.bootstrap, options.security)
  }
  const stats = new SliceStats(partitions)
  let resolveDone!: () => void
  let rejectDone!: (e: unknown) => void
  const done = new Promise<void>((res, rej) => ((resolveDone = res), (rejectDone = rej)))
  return {
    start(plan) {
      runSlice(sliceInput(plan, 0, 1), producer, stats, signal)
        .finally(() => producer.disconnect())
        .then(resolveDone, rejectDone)
    },
    drain: () => [stats.drain()],
    stop() {},
    done,
  }
}

async function workerSlice(options: LoadgenOptions, partitions: number, slice: number, slices: number): Promise<SliceRunner> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { options, partitions, slice, slices } })
  const pending: SliceDelta[] = []
  let resolveDone!: () => void
  let rejectDone!: (e: unknown) => void
  const done = new Promise<void>((res, rej) => ((resolveDone = res), (rejectDone = rej)))
  await new Promise<void>((ready, fail) => {
    worker.on('message', (m: { type: string; delta?: SliceDelta; message?: string }) => {
      if (m.type === 'ready') ready()
      else if (m.type === 'stats') pending.push(m.delta!)
      else if (m.type === 'done') {
        pending.push(m.delta!)
        void worker.terminate()
        resolveDone()
      } else if (m.type === 'error') {
        const err = wrapConnectError(new Error(m.message), options.bootstrap, options.security)
        fail(err)
        rejectDone(err)
        void worker.terminate()
      }
    })
    worker.on('error', (err) => {
      fail(err)
      rejectDone(err)
    })
  })
  return {
    start: (plan) => worker.postMessage({ type: 'go', plan }),
    drain: () => pending.splice(0),
    stop: () => worker.postMessage({ type: 'stop' }),
    done,
  }
}

/** What the profile asks of the run: records due and by when, see the file header. */
function dueOf(o: LoadgenOptions, schedule: RateSchedule | null, durationSec: number | undefined): { due: number | null; scheduledSec: number | undefined } {
  if (schedule === null) return { due: null, scheduledSec: durationSec }
  if (o.count !== undefined) return { due: o.count, scheduledSec: schedule.timeFor(o.count) }
  return { due: Math.floor(schedule.countBy(durationSec!)), scheduledSec: durationSec }
}

/** Makes sure the topic exists (creating it when missing); returns its partition count. */
async function prepareTopic(options: LoadgenOptions, hooks: LoadgenHooks): Promise<{ partitions: number; created: boolean }> {
  const kafka = new Kafka({ clientId: options.clientId, brokers: options.bootstrap, ...kafkajsSecurity(options.security), logLevel: logLevel.WARN, logCreator: kafkaLogCreator(hooks.logger), connectionTimeout: 3000, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } })
  // TLS or SASL: one handshake with sluice's own client first, so that a wrong password or an
  // untrusted certificate is one clear paragraph (as at a job's start), not kafkajs' retries.
  if (options.security != null && options.security.protocol !== 'PLAINTEXT') {
    await probeSecurity(options.bootstrap, options.clientId, 10_000, options.security)
  }
  const admin = kafka.admin()
  try {
    await admin.connect()
  } catch (err) {
    throw wrapConnectError(err, options.bootstrap, options.security)
  }
  try {
    return await ensureTopic(admin, options.topic, options.partitions, hooks.createTopic)
  } finally {
    await admin.disconnect()
  }
}

/** The once-a-second progress: drains the slices into `totals`, reports the last interval. */
function progressTicker(slices: SliceRunner[], totals: Totals, schedule: RateSchedule | null, plan: RunPlan, onProgress?: (p: LoadgenProgress) => void): { collect(): void; tick(): void } {
  const collect = (): void => slices.forEach((s) => s.drain().forEach((d) => totals.add(d)))
  let lastTick = plan.startMs
  return {
    collect,
    tick() {
      collect()
      const now = Date.now()
      const elapsedMs = now - plan.startMs
      const t = totals.total
      const progress: LoadgenProgress = {
        produced: t.produced,
        elapsedMs,
        ratePerSec: (t.produced * 1000) / Math.max(1, elapsedMs),
        intervalRatePerSec: (totals.intervalProduced * 1000) / Math.max(1, now - lastTick),
        targetRatePerSec: schedule === null ? null : schedule.rateAt(elapsedMs / 1000),
        behind: schedule === null ? null : Math.max(0, Math.floor(Math.min(plan.total, schedule.countBy(elapsedMs / 1000))) - t.produced),
        latencyMs: totals.interval.summary(),
        errors: totals.intervalErrors,
      }
      lastTick = now
      totals.interval.reset()
      totals.intervalProduced = 0
      totals.intervalErrors = 0
      onProgress?.(progress)
    },
  }
}

/**
 * Produces records as `input` describes. Resolves with the counts when the count or duration is
 * reached or `signal` aborts; rejects with SLUICE_LOADGEN_* errors.
 */
export async function runLoadgen(input: LoadgenInput, signal?: AbortSignal, hooks: LoadgenHooks = {}): Promise<LoadgenResult> {
  const options = resolveLoadgenOptions(input)
  const runId = options.runId ?? runIdFor(options.seed)
  const seed = options.seed ?? Number.parseInt(runId, 16)
  const schedule = scheduleOf(options)
  const durationSec = options.durationSec ?? (options.count === undefined ? schedule?.naturalDurationSec : undefined)
  const { due, scheduledSec } = dueOf(options, schedule, durationSec)
  const durationMs = durationSec === undefined ? undefined : durationSec * 1000
  const base = { options, runId, seed, expected: options.count ?? due ?? undefined, durationMs, total: options.count ?? Number.POSITIVE_INFINITY }
  // A bad template or size distribution fails here, before connecting.
  recordFactory({ ...base, partitions: 1 }, () => 0)
  const topicInfo = await prepareTopic(options, hooks)
  const partitions = topicInfo.partitions

  const local = new AbortController()
  const onAbort = (): void => local.abort()
  signal?.addEventListener('abort', onAbort, { once: true })
  const slices: SliceRunner[] =
    options.threads === 1
      ? [await inProcessSlice(options, partitions, local.signal)]
      : await Promise.all(Array.from({ length: options.threads }, (_, i) => workerSlice(options, partitions, i, options.threads)))
  local.signal.addEventListener('abort', () => slices.forEach((s) => s.stop()), { once: true })

  const startMs = Date.now()
  const plan: RunPlan = {
    ...base,
    partitions,
    startMs,
    deadlineMs: durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + durationMs,
    onTimeUntilMs: scheduledSec === undefined ? Number.POSITIVE_INFINITY : startMs + scheduledSec * 1000 + ON_TIME_GRACE_MS,
  }
  const totals = new Totals(partitions)
  const ticker = progressTicker(slices, totals, schedule, plan, hooks.onProgress)
  const timer = setInterval(ticker.tick, PROGRESS_EVERY_MS)
  slices.forEach((s) => s.start(plan))
  try {
    await Promise.all(slices.map((s) => s.done))
  } finally {
    clearInterval(timer)
    signal?.removeEventListener('abort', onAbort)
  }
  ticker.collect()
  const t = totals.total
  if (t.failure !== undefined) {
    throw new SluiceError(
      'SLUICE_LOADGEN_PRODUCE',
      `loadgen: producing to topic '${options.topic}' failed after ${t.produced} acknowledged records: ${t.failure}; check the brokers' health and run again (records already acknowledged stay in the topic)`,
      { retriable: true, details: { topic: options.topic, produced: t.produced, runId } },
    )
  }
  const durationMsActual = Math.max(1, (t.lastAckMs || startMs) - startMs)
  const aborted = signal?.aborted === true && t.produced < base.total
  return {
    topic: options.topic,
    runId,
    partitions,
    topicCreated: topicInfo.created,
    produced: t.produced,
    valueBytes: t.valueBytes,
    durationMs: durationMsActual,
    ratePerSec: (t.produced * 1000) / durationMsActual,
    perPartition: t.perPartition,
    firstTimestampMs: t.firstTimestampMs,
    lastTimestampMs: t.lastTimestampMs,
    aborted,
    malformed: t.malformed,
    errors: t.errors,
    latencyMs: totals.totalLatency.summary(),
    rateProfile: options.rateProfile === 'constant' && options.rate > 0 ? `constant:${options.rate}` : options.rateProfile,
    threads: options.threads,
    compression: options.compression,
    due,
    onTime: t.onTime,
    rateHeld: aborted || due === null || t.onTime >= (1 - options.rateTolerance) * due,
  }
}
