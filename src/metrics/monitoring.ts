/**
 * Monitoring for one query: subscribes to its events (progress, per-trigger source status, S3
 * request stats, retries), keeps the Prometheus families and the lag figures current, and serves
 * them (server.ts). Everything here runs per batch or per trigger or per scrape.
 */
import { Gauge } from 'prom-client'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { Logger } from '../log.js'
import type { StreamingQueryProgress } from './progress.js'
import type { RequestRecord } from '../storage/index.js'
import { LagTracker, type SourceStatus } from './lag-tracker.js'
import { CompactionMetrics, type CompactionEvent } from './compaction-metrics.js'
import { QueryMetrics, type PartitionLag } from './query-metrics.js'
import { MonitoringServer } from './server.js'

/** What monitoring needs from a query (StreamingQuery implements it). */
export interface MonitoredQuery {
  readonly id: string
  readonly runId: string
  readonly config: {
    name: string
    sink: { trigger: { kind: string; intervalMs?: number } }
    source: { kafka: { clientId: string; requestTimeoutMs: number; security?: KafkaSecuritySpec | undefined } }
    metrics?: { showRecordContent?: boolean }
  }
  readonly recentProgress: readonly StreamingQueryProgress[]
  readonly lastProgress: StreamingQueryProgress | null
  readonly exception: { message: string; details?: Record<string, unknown> } | null
  readonly state: 'starting' | 'active' | 'idle' | 'terminated'
  poolStats(): { utilization: number; queueSize: number }
  on(event: 'progress', fn: (p: StreamingQueryProgress) => void): unknown
  on(event: 'sourceStatus', fn: (s: SourceStatus) => void): unknown
  on(event: 's3Requests', fn: (r: RequestRecord[]) => void): unknown
  on(event: 'batchRetry', fn: () => void): unknown
  on(event: 'compaction', fn: (e: CompactionEvent) => void): unknown
  on(event: 'terminated', fn: (e: { exception: string | null }) => void): unknown
}

export interface Monitoring {
  readonly metrics: QueryMetrics
  /** `http://127.0.0.1:<port>/` when the server runs, else null. */
  readonly url: string | null
  close(): Promise<void>
}

/** Readiness: a batch within this many trigger intervals (at least 10 s each). */
const READY_INTERVALS = 3
const READY_MIN_INTERVAL_MS = 10_000

/**
 * Wires a query's events to the metric families and the HTTP server. Over 80 lines on purpose: a
 * flat list of listeners, one per event, that share the families and the last-seen state.
 */
export async function attachMonitoring(
  query: MonitoredQuery,
  o: { host: string; port: number; serve: boolean; logger: Logger },
): Promise<Monitoring> {
  const trigger = query.config.sink.trigger
  const showRecordContent = query.config.metrics?.showRecordContent === true
  const intervalMs = trigger.kind === 'processingTime' ? (trigger.intervalMs ?? 0) : 0
  const metrics = new QueryMetrics(query.config.name, { triggerIntervalMs: intervalMs })
  const lag = new LagTracker(query.config.source.kafka)
  // The protocol and mechanism in use, never a credential (docs/metrics.md).
  const sec = query.config.source.kafka.security
  const security = { protocol: sec?.protocol ?? 'PLAINTEXT', mechanism: sec?.sasl?.mechanism ?? 'none' }
  new Gauge({
    name: 'sluice_kafka_security_info',
    help: 'Always 1; the labels say how sluice connects to Kafka: protocol (kafka.security.protocol) and SASL mechanism (none without SASL).',
    labelNames: ['protocol', 'mechanism'],
    registers: [metrics.registry],
  }).set(security, 1)
  const startedAt = new Date()
  let lastBatchAt = 0
  let partitions: PartitionLag[] = []
  const totals = { inputRows: 0, batches: 0, filesWritten: 0, bytesWritten: 0, corruptRows: 0 }

  query.on('progress', (p) => {
    metrics.onProgress(p)
    lastBatchAt = Date.now()
    totals.inputRows += p.numInputRows
    totals.batches++
    totals.filesWritten += p.sluice.filesWritten
    totals.bytesWritten += p.sluice.bytesWritten
    totals.corruptRows += p.sluice.corruptRows
  })
  query.on('sourceStatus', (s) => {
    lag.update(s).then(
      (parts) => {
        partitions = parts
        metrics.setLag(parts)
      },
      (err: unknown) => o.logger.warn({ err: String(err) }, 'lag update failed'),
    )
  })
  query.on('s3Requests', (r) => metrics.recordS3(r))
  query.on('batchRetry', () => metrics.batchOutcome('retried'))
  const compaction = new CompactionMetrics(metrics.registry)
  query.on('compaction', (e) => compaction.record(e))
  query.on('terminated', (e) => {
    if (e.exception !== null) metrics.batchOutcome('failed')
  })

  const backlog = (): number => partitions.reduce((s, p) => s + p.offsetsBehindLatest, 0)
  const source = {
    metricsContentType: metrics.contentType,
    async metricsText() {
      const pool = query.poolStats()
      metrics.setPool(pool.utilization, pool.queueSize)
      return metrics.text()
    },
    lastProgress: () => query.lastProgress,
    status: () => ({
      query: {
        id: query.id,
        runId: query.runId,
        name: query.config.name,
        trigger: describeTrigger(trigger.kind, intervalMs),
        triggerIntervalMs: intervalMs > 0 ? intervalMs : null,
        kafkaSecurity: security,
        state: query.state,
        startedAt: startedAt.toISOString(),
        exception: exposedMessage(query.exception, showRecordContent),
      },
      progress: query.recentProgress,
      partitions,
      totals,
      now: new Date().toISOString(),
    }),
    readiness: () => {
      if (query.state === 'terminated') return { ready: false, reason: `query terminated${query.exception ? `: ${exposedMessage(query.exception, showRecordContent)}` : ''}` }
      const window = READY_INTERVALS * Math.max(intervalMs, READY_MIN_INTERVAL_MS)
      const since = Date.now() - lastBatchAt
      if (lastBatchAt > 0 && since <= window) return { ready: true, reason: `last batch ${Math.round(since / 1000)} s ago` }
      if (query.state === 'idle' && backlog() === 0) return { ready: true, reason: 'idle: no new data, no backlog' }
      if (query.state === 'starting') return { ready: false, reason: 'starting' }
      return {
        ready: false,
        reason: lastBatchAt === 0 ? `no batch yet; ${backlog()} offsets behind` : `no batch for ${Math.round(since / 1000)} s (limit ${window / 1000} s); ${backlog()} offsets behind`,
      }
    },
  }

  let server: MonitoringServer | null = null
  let url: string | null = null
  if (o.serve) {
    server = new MonitoringServer(source)
    url = await server.listen(o.host, o.port)
    o.logger.info({ url, metrics: `${url}metrics` }, 'metrics server listening')
  }
  return {
    metrics,
    url,
    async close() {
      await Promise.allSettled([server?.close(), lag.close()])
    },
  }
}

function describeTrigger(kind: string, intervalMs: number): string {
  if (kind !== 'processingTime') return kind
  if (intervalMs === 0) return 'as fast as possible'
  return intervalMs % 1000 === 0 ? `${intervalMs / 1000} seconds` : `${intervalMs} ms`
}

/**
 * An error message as HTTP answers show it: record content (the `recordSample` an error carries in
 * its details, e.g. FAILFAST's 200 characters of the bad record) is replaced by a note, unless
 * metrics.showRecordContent is set. The endpoint has no authentication; logs keep the full text.
 */
export function exposedMessage(err: { message: string; details?: Record<string, unknown> } | null, showRecordContent: boolean): string | null {
  if (err === null) return null
  const sample = err.details?.recordSample
  if (showRecordContent || typeof sample !== 'string' || sample === '') return err.message
  return err.message.split(sample).join('[record content hidden: set metrics.showRecordContent: true to show it here; the log has it]')
}
