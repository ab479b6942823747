/**
 * Lag per partition, in records and in seconds, after every trigger.
 *
 * - offsets behind latest = latest offset − committed offset (the end of the last committed batch;
 *   before the first batch, the resolved starting offset);
 * - lag seconds = now − the Kafka timestamp of the record AT the committed offset, i.e. the age of
 *   the oldest record that is in Kafka but not yet committed to the sink; 0 when caught up.
 *
 * The timestamp is read with one small Fetch (the same client the workers use) per lagging
 * partition, only when its committed offset moved, and never on the batch's critical path: an
 * update that is still running when the next trigger ends is skipped. Because it is derived from
 * the checkpoint's offsets and Kafka's own timestamps, it stays right across restarts.
 */
import { FetchClient } from '../kafka/fetch-client.js'
import type { PartitionInfo } from '../kafka/index.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { PartitionLag } from './query-metrics.js'

export interface SourceStatus {
  /** `topic:partition` → latest offset (ListOffsets, READ_COMMITTED: the last stable offset). */
  latest: Map<string, number>
  /** `topic:partition` → committed offset (next offset to read). */
  committed: Map<string, number>
  parts: PartitionInfo[]
}

const PROBE_CONCURRENCY = 8

/**
 * Seconds from the Kafka timestamp of the oldest uncommitted record to `now`. A timestamp in the
 * future (a producer clock ahead) is 0, not a negative lag; no timestamp (Kafka's -1, or any
 * negative value: no producer clock reads before 1970) is unknown (null), not 56 years.
 */
export function lagSeconds(now: number, timestamp: number | null): number | null {
  if (timestamp === null || timestamp < 0) return null
  return Math.max(0, (now - timestamp) / 1000)
}

export class LagTracker {
  #client: FetchClient
  /** `topic:partition` → the committed offset last probed and its record's timestamp (null: gone). */
  #timestamps = new Map<string, { offset: number; timestamp: number | null }>()
  #running: Promise<PartitionLag[]> | null = null
  #last: PartitionLag[] = []

  constructor(o: { clientId: string; requestTimeoutMs: number; security?: KafkaSecuritySpec | null | undefined }) {
    this.#client = new FetchClient({
      clientId: `${o.clientId}-lag`,
      requestTimeoutMs: o.requestTimeoutMs,
      maxPartitionFetchBytes: 64 * 1024,
      fetchMaxBytes: 1024 * 1024,
      fetchMaxWaitMs: 0,
      security: o.security ?? null,
    })
  }

  /** The figures of the last completed update. */
  get last(): PartitionLag[] {
    return this.#last
  }

  /** Starts an update unless one is running; resolves with the latest figures. */
  update(status: SourceStatus): Promise<PartitionLag[]> {
    if (this.#running !== null) return this.#running
    this.#running = this.#compute(status).finally(() => {
      this.#running = null
    })
    return this.#running
  }

  async #compute(status: SourceStatus): Promise<PartitionLag[]> {
    const out: PartitionLag[] = []
    const probes: { lag: PartitionLag; part: PartitionInfo }[] = []
    for (const part of status.parts) {
      const key = `${part.topic}:${part.partition}`
      const latest = status.latest.get(key)
      if (latest === undefined) continue
      const committed = status.committed.get(key) ?? latest
      const behind = Math.max(0, latest - committed)
      const lag: PartitionLag = {
        topic: part.topic,
        partition: part.partition,
        latestOffset: latest,
        committedOffset: committed,
        offsetsBehindLatest: behind,
        lagSeconds: behind === 0 ? 0 : null,
      }
      out.push(lag)
      if (behind > 0) probes.push({ lag, part })
    }
    const now = Date.now()
    const queue = [...probes]
    const lanes = Array.from({ length: Math.min(PROBE_CONCURRENCY, queue.length) }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const ts = await this.#timestampAt(p.part, p.lag.committedOffset)
        p.lag.lagSeconds = lagSeconds(now, ts)
      }
    })
    await Promise.all(lanes)
    for (const key of this.#timestamps.keys()) {
      if (!status.latest.has(key)) this.#timestamps.delete(key)
    }
    this.#last = out
    return out
  }

  async #timestampAt(part: PartitionInfo, offset: number): Promise<number | null> {
    const key = `${part.topic}:${part.partition}`
    const cached = this.#timestamps.get(key)
    if (cached !== undefined && cached.offset === offset) return cached.timestamp
    let timestamp: number | null = null
    try {
      // The first record at or after the offset (offsets can have gaps).
      await this.#client.readRange(
        { topic: part.topic, partition: part.partition, start: offset, end: offset + 1, leader: part.leader },
        (chunk) => {
          if (chunk.count > 0 && timestamp === null) timestamp = chunk.timestamps[0]!
        },
      )
    } catch {
      // Gone (retention) or unreachable: unknown this time; the batch itself reports data loss.
      return null
    }
    this.#timestamps.set(key, { offset, timestamp })
    return timestamp
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
