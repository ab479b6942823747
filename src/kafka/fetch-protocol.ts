/**
 * Fetch (ApiKey 1) v4-v11 for a single partition: encoding the request, reading the response
 * (with its aborted transactions, which read_committed needs to skip aborted records).
 * v4 is the first version with RecordBatch v2 and isolation levels, v5 adds log_start_offset,
 * v11 is the last non-flexible one. The version is the highest both sides support.
 *
 *   FetchRequest => replica_id:int32 max_wait_ms:int32 min_bytes:int32 max_bytes:int32
 *                   isolation_level:int8 [v7+ session_id:int32 session_epoch:int32]
 *                   [topic:string [partition:int32 [v9+ current_leader_epoch:int32]
 *                    fetch_offset:int64 [v5+ log_start_offset:int64] partition_max_bytes:int32]]
 *                   [v7+ forgotten_topics:[topic:string [partition:int32]]] [v11+ rack_id:string]
 *   FetchResponse => throttle_time_ms:int32 [v7+ error_code:int16 session_id:int32]
 *                   [topic:string [partition:int32 error_code:int16 high_watermark:int64
 *                    last_stable_offset:int64 [v5+ log_start_offset:int64]
 *                    aborted_transactions:[producer_id:int64 first_offset:int64]
 *                    [v11+ preferred_read_replica:int32] records:bytes]]
 */
import { SluiceError } from '../errors.js'
import type { BrokerConnection } from './broker-connection.js'
import type { AbortedTransaction } from './record-batch.js'
import { API_FETCH, ResponseReader, type RequestWriter } from './protocol-codec.js'

export const FETCH_MIN_VERSION = 4
export const FETCH_MAX_VERSION = 11

/** Picks the Fetch version to use with this broker. */
export function fetchVersion(conn: BrokerConnection): number {
  const range = conn.versions.get(API_FETCH)
  const max = Math.min(range?.max ?? -1, FETCH_MAX_VERSION)
  if (range === undefined || max < FETCH_MIN_VERSION || max < range.min) {
    const { host, port } = conn.broker
    throw new SluiceError(
      'SLUICE_KAFKA_BROKER_VERSION',
      `Kafka broker ${host}:${port} supports Fetch versions ${range ? `${range.min}-${range.max}` : 'none'}; ` +
        `sluice needs one of ${FETCH_MIN_VERSION}-${FETCH_MAX_VERSION} (Kafka 0.11 or newer). ` +
        'Upgrade the brokers.',
      { details: { broker: `${host}:${port}`, fetch: range ?? null } },
    )
  }
  return max
}

export interface FetchParams {
  topic: string
  partition: number
  offset: number
  maxWaitMs: number
  maxBytes: number
  partitionMaxBytes: number
  /** 0 read_uncommitted (the Kafka consumer's and Spark's default), 1 read_committed. */
  isolationLevel: 0 | 1
}

/** Body writer for a one-partition Fetch of version `v` (no fetch session). */
export function writeFetchRequest(w: RequestWriter, v: number, f: FetchParams): void {
  w.int32(-1).int32(f.maxWaitMs).int32(1).int32(f.maxBytes)
  w.int8(f.isolationLevel)
  if (v >= 7) w.int32(0).int32(-1)
  w.int32(1).string(f.topic)
  w.int32(1).int32(f.partition)
  if (v >= 9) w.int32(-1)
  w.int64(f.offset)
  if (v >= 5) w.int64(-1)
  w.int32(f.partitionMaxBytes)
  if (v >= 7) w.int32(0)
  if (v >= 11) w.string('')
}

/** The one partition's part of a Fetch response. */
export interface PartitionFetch {
  errorCode: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
  /** The aborted transactions in the returned records (read_committed only), else null. */
  aborted: AbortedTransaction[] | null
  /** Record set position in `buf`; start === end when the broker returned none. */
  buf: Buffer
  start: number
  end: number
}

/** Reads a Fetch response body; finds `topic`/`partition` in it. */
export function readFetchResponse(
  body: Buffer,
  v: number,
  topic: string,
  partition: number,
): PartitionFetch {
  const r = new ResponseReader(body)
  r.int32() // throttle_time_ms
  let topError = 0
  if (v >= 7) {
    topError = r.int16()
    r.int32() // session_id
  }
  const out: PartitionFetch = {
    errorCode: topError,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    aborted: null,
    buf: body,
    start: 0,
    end: 0,
  }
  if (topError !== 0) return out
  let found = false
  const topics = r.int32()
  for (let t = 0; t < topics; t++) {
    const name = r.string()
    const parts = r.int32()
    for (let i = 0; i < parts; i++) {
      const index = r.int32()
      const errorCode = r.int16()
      const highWatermark = r.int64()
      const lastStableOffset = r.int64()
      const logStartOffset = v >= 5 ? r.int64() : -1
      const count = r.int32()
      let aborted: AbortedTransaction[] | null = null
      if (count > 0) {
        aborted = []
        for (let a = 0; a < count; a++) aborted.push({ producerId: r.int64(), firstOffset: r.int64() })
      }
      if (v >= 11) r.int32() // preferred_read_replica
      const size = r.int32()
      const start = r.pos
      if (size > 0) r.skip(size)
      if (name === topic && index === partition) {
        found = true
        out.errorCode = errorCode
        out.highWatermark = highWatermark
        out.lastStableOffset = lastStableOffset
        out.logStartOffset = logStartOffset
        out.aborted = aborted
        out.start = start
        out.end = size > 0 ? start + size : start
      }
    }
  }
  if (!found) out.errorCode = 3 // UNKNOWN_TOPIC_OR_PARTITION: the broker did not answer for it
  return out
}
