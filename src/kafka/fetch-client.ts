/**
 * The worker-side Kafka reader: fetches one partition's offset range straight over the Kafka
 * protocol and decodes it in place (record-batch.ts). One instance per worker thread, one TCP
 * connection per broker. No kafkajs here: its per-record objects cap a consumer near 170k
 * records/s, and a worker needs no group membership, only "offsets [start, end) of t-p".
 *
 * Pipelining: as soon as a response is decoded, the Fetch for the next offset is sent, so the
 * broker and the network work while the caller processes the current chunk (one request ahead;
 * bounded memory: at most two responses per range).
 */
import { SluiceError, isSluiceError } from '../errors.js'
import { BrokerConnection } from './broker-connection.js'
import { fetchVersion, readFetchResponse, writeFetchRequest } from './fetch-protocol.js'
import { API_FETCH, isRetriableKafkaError, kafkaErrorName } from './protocol-codec.js'
import { inflateAsyncBatches } from './codecs/index.js'
import { FetchSizer } from './fetch-sizing.js'
import { decodeRecordSet, peekRecordSet } from './record-batch.js'
import type {
  BrokerAddress,
  DecodedChunk,
  FetchClientOptions,
  FetchRange,
  RangeResult,
} from './types.js'

/** Responses in a row without progress below the high watermark before giving up. */
const MAX_STALLED_FETCHES = 20
/** Upper bound for growing the per-partition fetch size when one batch does not fit. */
const MAX_PARTITION_FETCH_BYTES = 256 * 1024 * 1024

export class FetchClient {
  #opts: FetchClientOptions
  #connections = new Map<string, BrokerConnection>()
  /** Sizes each Fetch to what its range still needs (fetch-sizing.ts). */
  #sizer: FetchSizer

  constructor(opts: FetchClientOptions) {
    this.#opts = { ...opts }
    this.#sizer = new FetchSizer(opts.maxPartitionFetchBytes, opts.sizeFetchesToRange ?? true)
  }

  async #connection(broker: BrokerAddress): Promise<BrokerConnection> {
    const key = `${broker.host}:${broker.port}`
    let conn = this.#connections.get(key)
    if (conn === undefined) {
      conn = new BrokerConnection(broker, this.#opts.clientId, this.#opts.requestTimeoutMs, this.#opts.security ?? null)
      this.#connections.set(key, conn)
    }
    await conn.connect()
    return conn
  }

  /**
   * Reads [start, end) of one partition, calling onChunk for each decoded chunk in offset
   * order, each offset exactly once. Offsets missing inside the range (compacted topics,
   * transaction markers) are skipped. When the log ends before `end`, resolves with
   * `complete: false`.
   */
  async readRange(
    range: FetchRange,
    onChunk: (chunk: DecodedChunk) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<RangeResult> {
    const { topic, partition, end } = range
    const result: RangeResult = {
      records: 0,
      lastOffset: -1,
      nextOffset: range.start,
      complete: true,
      highWatermark: -1,
      logStartOffset: -1,
      fetches: 0,
      bytes: 0,
    }
    if (range.start >= end) return result
    signal?.throwIfAborted()
    const conn = await this.#connection(range.leader).catch((err) => {
      throw withRange(err, range)
    })
    const version = fetchVersion(conn)
    const key = `${topic}:${partition}`
    let offset = range.start
    // At least what a batch too large for the limit made it grow to (see 'partial' below).
    let grown = 0
    let partitionMaxBytes = this.#sizer.size(key, end - offset)
    let stalled = 0
    let inflight: Promise<Buffer> | null = this.#send(conn, version, range, offset, partitionMaxBytes)
    try {
      while (inflight !== null) {
        let body: Buffer
        try {
          body = await inflight
        } catch (err) {
          throw withRange(err, range)
        }
        inflight = null
        signal?.throwIfAborted()
        result.fetches++
        const pf = readFetchResponse(body, version, topic, partition)
        if (pf.errorCode !== 0) throw partitionError(pf.errorCode, range, offset, conn, pf)
        result.highWatermark = pf.highWatermark
        result.logStartOffset = pf.logStartOffset
        result.bytes += pf.end - pf.start
        // Headers first: the next Fetch goes out before this response is inflated and decoded.
        const peek = peekRecordSet(pf.buf, pf.start, pf.end, offset, end)
        const fetchedFrom = offset
        offset = peek.nextOffset
        result.nextOffset = Math.min(offset, end)
        this.#sizer.learn(key, peek.bytes, offset - fetchedFrom)
        if (!peek.reachedEnd && offset < end) {
          if (peek.batches > 0) {
            stalled = 0
            partitionMaxBytes = Math.max(grown, this.#sizer.size(key, end - offset))
          } else if (peek.partial) {
            // One batch is larger than the fetch size: grow it for this range.
            grown = partitionMaxBytes = Math.min(partitionMaxBytes * 2, MAX_PARTITION_FETCH_BYTES)
            if (++stalled > MAX_STALLED_FETCHES) throw stallError(range, offset, 'partial')
          } else if (logEnd(pf, this.#opts.isolationLevel) >= 0 && logEnd(pf, this.#opts.isolationLevel) <= offset) {
            // The log ends before the range does (deleted or truncated records).
            result.complete = false
            result.nextOffset = offset
          } else if (++stalled > MAX_STALLED_FETCHES) {
            throw stallError(range, offset, 'empty')
          }
          if (result.complete) inflight = this.#send(conn, version, range, offset, partitionMaxBytes)
        }
        // zstd batches inflate on the thread pool first (undefined when the response has none).
        const inflated = await inflateAsyncBatches(pf.buf, pf.start, pf.end, topic, partition, fetchedFrom, end)
        const aborted = this.#opts.isolationLevel === 'read_committed' ? pf.aborted ?? undefined : undefined
        const dec = decodeRecordSet(pf.buf, pf.start, pf.end, topic, partition, fetchedFrom, end, { inflated, aborted })
        const chunk = dec.chunk
        if (chunk.count > 0) {
          result.records += chunk.count
          result.lastOffset = chunk.offsets[chunk.count - 1]!
          await onChunk(chunk)
        }
      }
    } finally {
      // A request still in flight after an error or abort: its response is read and dropped.
      if (inflight !== null) inflight.catch(() => {})
    }
    return result
  }

  #send(
    conn: BrokerConnection,
    version: number,
    range: FetchRange,
    offset: number,
    partitionMaxBytes: number,
  ): Promise<Buffer> {
    const params = {
      topic: range.topic,
      partition: range.partition,
      offset,
      maxWaitMs: this.#opts.fetchMaxWaitMs,
      maxBytes: Math.max(this.#opts.fetchMaxBytes, partitionMaxBytes),
      partitionMaxBytes,
      isolationLevel: this.#opts.isolationLevel === 'read_committed' ? (1 as const) : (0 as const),
    }
    return conn.request(API_FETCH, version, (w) => writeFetchRequest(w, version, params))
  }

  /** Closes every broker connection. */
  async close(): Promise<void> {
    const conns = [...this.#connections.values()]
    this.#connections.clear()
    await Promise.all(conns.map((c) => c.close()))
  }
}

/** Where this client's view of the log ends: the last stable offset under read_committed. */
function logEnd(pf: { highWatermark: number; lastStableOffset: number }, isolation: FetchClientOptions['isolationLevel']): number {
  return isolation === 'read_committed' && pf.lastStableOffset >= 0 ? pf.lastStableOffset : pf.highWatermark
}

function withRange(err: unknown, range: FetchRange): unknown {
  if (!isSluiceError(err, 'SLUICE_KAFKA_FETCH')) return err
  return new SluiceError(
    err.code,
    `reading ${range.topic}-${range.partition} [${range.start}, ${range.end}): ${err.message}`,
    {
      retriable: err.retriable,
      cause: err.cause,
      details: { ...err.details, topic: range.topic, partition: range.partition },
    },
  )
}

function partitionError(
  code: number,
  range: FetchRange,
  offset: number,
  conn: BrokerConnection,
  pf: { highWatermark: number; logStartOffset: number },
): SluiceError {
  const { topic, partition } = range
  const name = kafkaErrorName(code)
  const broker = `${conn.broker.host}:${conn.broker.port}`
  const details = {
    broker,
    topic,
    partition,
    offset,
    code: name,
    errorCode: code,
    logStartOffset: pf.logStartOffset,
    highWatermark: pf.highWatermark,
  }
  if (code === 1) {
    return new SluiceError(
      'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE',
      `offset ${offset} of ${topic}-${partition} is not on broker ${broker} (OFFSET_OUT_OF_RANGE): ` +
        'the records were deleted by retention or the partition was truncated. With ' +
        'failOnDataLoss=true this stops the query; set failOnDataLoss=false to skip to the ' +
        'earliest available offset.',
      { details },
    )
  }
  const retriable = isRetriableKafkaError(code)
  return new SluiceError(
    'SLUICE_KAFKA_FETCH',
    `Fetch of ${topic}-${partition} at offset ${offset} from broker ${broker} failed with ${name}` +
      (retriable
        ? ': the partition moved or is unavailable; metadata is refreshed and the range retried.'
        : '. Check the topic exists and that this client is allowed to read it (ACLs).'),
    { retriable, details },
  )
}

function stallError(range: FetchRange, offset: number, why: 'partial' | 'empty'): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_FETCH',
    `Fetch of ${range.topic}-${range.partition} at offset ${offset} made no progress after ` +
      `${MAX_STALLED_FETCHES} responses (${why === 'partial' ? 'a record batch larger than 256 MiB' : 'no records below the high watermark'}). ` +
      'The range is retried; if this persists, raise kafka.max.partition.fetch.bytes or check the broker.',
    { retriable: true, details: { topic: range.topic, partition: range.partition, offset } },
  )
}
