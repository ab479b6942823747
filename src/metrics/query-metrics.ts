/**
 * The Prometheus families of one query (docs/metrics.md), on their own prom-client Registry with
 * the label `query` on every series. Updated per batch, per trigger, or per scrape, never per
 * record: the hot path runs in the workers and reports counts as data.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { RequestRecord } from '../storage/index.js'
import type { StreamingQueryProgress } from './progress.js'

export const PHASES = ['latestOffset', 'walCommit', 'addBatch', 'commitOffsets', 'triggerExecution'] as const

export interface PartitionLag {
  topic: string
  partition: number
  latestOffset: number
  committedOffset: number
  offsetsBehindLatest: number
  /** Age of the oldest record not yet committed; 0 when caught up; null while unknown. */
  lagSeconds: number | null
}

export class QueryMetrics {
  readonly registry = new Registry()
  readonly #inputRows: Counter
  readonly #inputRate: Gauge
  readonly #processedRate: Gauge
  readonly #duration: Histogram<'phase'>
  readonly #lastBatchId: Gauge
  readonly #lastBatchTime: Gauge
  readonly #batches: Counter<'outcome'>
  readonly #triggerInterval: Gauge
  readonly #behind: Gauge<'topic' | 'partition'>
  readonly #behindAvg: Gauge
  readonly #behindMax: Gauge
  readonly #behindMin: Gauge
  readonly #lagSeconds: Gauge<'topic' | 'partition'>
  readonly #lost: Counter
  readonly #files: Counter
  readonly #bytes: Counter
  readonly #corrupt: Counter
  readonly #badRecords: Counter
  readonly #inputBytes: Counter
  readonly #s3Requests: Counter<'operation' | 'outcome'>
  readonly #s3Duration: Histogram<'operation'>
  readonly #utilization: Gauge
  readonly #queue: Gauge
  /** Label sets currently exported per partition, to remove those of vanished partitions. */
  #partitionLabels = new Set<string>()

  constructor(queryName: string, o: { triggerIntervalMs: number; defaultMetrics?: boolean }) {
    const r = this.registry
    r.setDefaultLabels({ query: queryName })
    if (o.defaultMetrics !== false) {
      collectDefaultMetrics({ register: r, prefix: 'sluice_' })
      // Gauges named like counters: `promtool check metrics` rejects them. The per-type gauges
      // (sluice_nodejs_active_handles{type=…}, …) carry the same information.
      for (const name of ['sluice_nodejs_active_handles_total', 'sluice_nodejs_active_requests_total', 'sluice_nodejs_active_resources_total']) {
        r.removeSingleMetric(name)
      }
    }
    const registers = [r]
    this.#inputRows = new Counter({ name: 'sluice_input_rows_total', help: 'Rows read from Kafka (sum of numInputRows).', registers })
    this.#inputRate = new Gauge({ name: 'sluice_input_rows_per_second', help: "Spark's inputRowsPerSecond of the last batch.", registers })
    this.#processedRate = new Gauge({ name: 'sluice_processed_rows_per_second', help: "Spark's processedRowsPerSecond of the last batch.", registers })
    this.#duration = new Histogram({
      name: 'sluice_batch_duration_seconds',
      help: "Duration of a batch's phases (Spark's durationMs keys).",
      labelNames: ['phase'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    })
    this.#lastBatchId = new Gauge({ name: 'sluice_last_batch_id', help: 'Id of the last committed batch.', registers })
    this.#lastBatchTime = new Gauge({ name: 'sluice_last_batch_timestamp_seconds', help: 'Unix time the last batch was committed.', registers })
    this.#batches = new Counter({ name: 'sluice_batches_total', help: 'Batches by outcome: committed, retried, failed.', labelNames: ['outcome'], registers })
    this.#triggerInterval = new Gauge({ name: 'sluice_trigger_interval_seconds', help: 'The processing-time trigger interval (0: availableNow, once or as fast as possible).', registers })
    this.#behind = new Gauge({ name: 'sluice_kafka_offsets_behind_latest', help: "Latest offset minus the last batch's end offset, per partition.", labelNames: ['topic', 'partition'], registers })
    this.#behindAvg = new Gauge({ name: 'sluice_kafka_offsets_behind_latest_avg', help: "Spark's avgOffsetsBehindLatest.", registers })
    this.#behindMax = new Gauge({ name: 'sluice_kafka_offsets_behind_latest_max', help: "Spark's maxOffsetsBehindLatest.", registers })
    this.#behindMin = new Gauge({ name: 'sluice_kafka_offsets_behind_latest_min', help: "Spark's minOffsetsBehindLatest.", registers })
    this.#lagSeconds = new Gauge({
      name: 'sluice_kafka_lag_seconds',
      help: 'Age (now minus its Kafka timestamp) of the oldest record not yet committed to the sink, per partition; 0 when caught up.',
      labelNames: ['topic', 'partition'],
      registers,
    })
    this.#lost = new Counter({ name: 'sluice_kafka_lost_offsets_total', help: 'Offsets skipped because Kafka no longer had them (failOnDataLoss: false).', registers })
    this.#files = new Counter({ name: 'sluice_output_files_total', help: 'Files committed to the sink.', registers })
    this.#bytes = new Counter({ name: 'sluice_output_bytes_total', help: 'Bytes committed to the sink.', registers })
    this.#inputBytes = new Counter({ name: 'sluice_input_bytes_total', help: 'Bytes of Kafka record batches read by committed batches.', registers })
    this.#corrupt = new Counter({ name: 'sluice_corrupt_records_total', help: 'Malformed records (PERMISSIVE mode).', registers })
    this.#badRecords = new Counter({ name: 'sluice_bad_records_total', help: 'Malformed records written to sink.badRecordsPath by committed batches.', registers })
    this.#s3Requests = new Counter({ name: 'sluice_s3_requests_total', help: 'S3 requests by operation and outcome (after SDK retries).', labelNames: ['operation', 'outcome'], registers })
    this.#s3Duration = new Histogram({
      name: 'sluice_s3_request_duration_seconds',
      help: 'S3 request latency by operation (after SDK retries).',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    })
    this.#utilization = new Gauge({ name: 'sluice_worker_pool_utilization', help: 'Worker pool utilization (0..1) since start.', registers })
    this.#queue = new Gauge({ name: 'sluice_worker_queue_size', help: 'Writer tasks waiting for a worker thread.', registers })
    this.#triggerInterval.set(o.triggerIntervalMs / 1000)
    // Counters start at 0 so that rate() and increase() have a first point.
    for (const outcome of ['committed', 'retried', 'failed']) this.#batches.inc({ outcome }, 0)
    this.#lost.inc(0)
    this.#corrupt.inc(0)
    this.#badRecords.inc(0)
  }

  onProgress(p: StreamingQueryProgress): void {
    this.#inputRows.inc(p.numInputRows)
    this.#inputRate.set(p.inputRowsPerSecond)
    this.#processedRate.set(p.processedRowsPerSecond)
    for (const phase of PHASES) this.#duration.observe({ phase }, p.durationMs[phase] / 1000)
    this.#lastBatchId.set(p.batchId)
    this.#lastBatchTime.set(Date.now() / 1000)
    this.#batches.inc({ outcome: 'committed' })
    this.#files.inc(p.sluice.filesWritten)
    this.#bytes.inc(p.sluice.bytesWritten)
    this.#inputBytes.inc(p.sluice.inputBytes)
    this.#corrupt.inc(p.sluice.corruptRows)
    this.#badRecords.inc(p.sluice.badRecords ?? 0)
    this.#lost.inc(p.sluice.lostOffsets)
    const m = p.sources[0]?.metrics
    if (m !== undefined) {
      this.#behindAvg.set(Number(m.avgOffsetsBehindLatest))
      this.#behindMax.set(Number(m.maxOffsetsBehindLatest))
      this.#behindMin.set(Number(m.minOffsetsBehindLatest))
    }
  }

  batchOutcome(outcome: 'retried' | 'failed'): void {
    this.#batches.inc({ outcome })
  }

  /** Per-partition lag after a trigger; partitions no longer listed lose their series. */
  setLag(parts: PartitionLag[]): void {
    const now = new Set<string>()
    let sum = 0
    let max = Number.NEGATIVE_INFINITY
    let min = Number.POSITIVE_INFINITY
    for (const p of parts) {
      const labels = { topic: p.topic, partition: String(p.partition) }
      now.add(`${p.topic}\u0000${p.partition}`)
      this.#behind.set(labels, p.offsetsBehindLatest)
      if (p.lagSeconds !== null) this.#lagSeconds.set(labels, p.lagSeconds)
      sum += p.offsetsBehindLatest
      max = Math.max(max, p.offsetsBehindLatest)
      min = Math.min(min, p.offsetsBehindLatest)
    }
    for (const key of this.#partitionLabels) {
      if (now.has(key)) continue
      const [topic, partition] = key.split('\u0000') as [string, string]
      this.#behind.remove({ topic, partition })
      this.#lagSeconds.remove({ topic, partition })
    }
    this.#partitionLabels = now
    if (parts.length > 0) {
      this.#behindAvg.set(sum / parts.length)
      this.#behindMax.set(max)
      this.#behindMin.set(min)
    }
  }

  recordS3(records: readonly RequestRecord[]): void {
    for (const r of records) {
      this.#s3Requests.inc({ operation: r.operation, outcome: r.ok ? 'ok' : 'error' })
      this.#s3Duration.observe({ operation: r.operation }, r.seconds)
    }
  }

  setPool(utilization: number, queueSize: number): void {
    this.#utilization.set(utilization)
    this.#queue.set(queueSize)
  }

  async text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
