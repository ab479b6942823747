import type { KafkaSecuritySpec } from './sasl/types.js'

/**
 * Shapes shared by the worker-side fetch client and the coordinator-side admin
 * (src/kafka-admin/). Plain data only: a {@link FetchRange} crosses the thread boundary from the
 * planner to a worker.
 */

/** A broker as the cluster metadata names it. */
export interface BrokerAddress {
  nodeId: number
  host: string
  port: number
}

/** A partition a subscription covers and the broker that leads it (the admin's discovery). */
export interface PartitionInfo {
  topic: string
  partition: number
  leader: BrokerAddress
}

/** One partition's offset range for one task: [start, end). */
export interface FetchRange {
  topic: string
  partition: number
  start: number
  /** Exclusive: the next offset after the range (Spark's end offset). */
  end: number
  leader: BrokerAddress
}

/** What {@link FetchClient.readRange} reports when the range is done. */
export interface RangeResult {
  /** Records handed to onChunk (control records and skipped offsets excluded). */
  records: number
  /** Offset of the last record delivered; -1 when none was. */
  lastOffset: number
  /** Where the next read would start: `end` when the range completed. */
  nextOffset: number
  /**
   * True when every offset of [start, end) was accounted for. False when the broker's log ended
   * before `end` (records deleted or truncated): `nextOffset` is then the high watermark seen.
   */
  complete: boolean
  /** Last high watermark the broker reported for the partition. */
  highWatermark: number
  /** Last log start offset the broker reported. */
  logStartOffset: number
  /** Fetch responses processed. */
  fetches: number
  /** Bytes of record data received (compressed size). */
  bytes: number
}

/** One record header, decoded only on demand. */
export interface KafkaHeader {
  key: string
  value: Buffer | null
}

/**
 * A reusable, mutable view of one record, filled by {@link fillRecord}. Field-compatible with the
 * sql helper's `KafkaRecord`: key and value are byte ranges of `buf`; a start of -1 means null.
 */
export interface KafkaRecordView {
  topic: string
  partition: number
  offset: number
  timestamp: number
  /** 0 = CreateTime, 1 = LogAppendTime (Spark's `timestampType` column). */
  timestampType: number
  buf: Buffer
  keyStart: number
  keyEnd: number
  valueStart: number
  valueEnd: number
  /** Decoded headers when requested, else null. */
  headers: KafkaHeader[] | null
}

/**
 * The records of one Fetch response for one partition, decoded in place. `buf` is the record
 * data (a slice of the network buffer when uncompressed; the inflated batches when gzip was
 * used). Per record i, `offsets[i]` and `timestamps[i]` are numbers, and `index[i * STRIDE + k]`
 * holds the positions named by the `IDX_*` constants. No object is allocated per record.
 */
export interface DecodedChunk {
  topic: string
  partition: number
  buf: Buffer
  count: number
  offsets: Float64Array
  timestamps: Float64Array
  index: Int32Array
}

/** Int32 slots per record in {@link DecodedChunk.index}. */
export const STRIDE = 7
export const IDX_KEY_START = 0
export const IDX_KEY_END = 1
export const IDX_VALUE_START = 2
export const IDX_VALUE_END = 3
/** Position of the first header (after the header-count varint). */
export const IDX_HEADERS_START = 4
export const IDX_HEADER_COUNT = 5
export const IDX_TIMESTAMP_TYPE = 6

export interface FetchClientOptions {
  clientId: string
  requestTimeoutMs: number
  maxPartitionFetchBytes: number
  /** Default true: each Fetch asks for what the rest of its range needs, learned per partition,
   * at most maxPartitionFetchBytes (fetch-sizing.ts). false: always maxPartitionFetchBytes
   * (the baseline of bench/fetch-partitions.bench.ts). */
  sizeFetchesToRange?: boolean | undefined
  fetchMaxBytes: number
  fetchMaxWaitMs: number
  /** Default read_uncommitted. read_committed: Fetch stops at the last stable offset and the
   * records of aborted transactions are skipped. */
  isolationLevel?: 'read_uncommitted' | 'read_committed' | undefined
  /** kafka.security.protocol and its TLS / SASL settings; null or absent = PLAINTEXT. */
  security?: KafkaSecuritySpec | null | undefined
}
