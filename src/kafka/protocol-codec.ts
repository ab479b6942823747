/**
 * Minimal Kafka wire encoding for the requests the worker sends (ApiVersions, Fetch) and a
 * cursor for the non-flexible responses it reads. Grammar (Kafka protocol guide):
 *
 *   Request  => Size:int32 RequestHeader Body
 *   RequestHeader v1 => api_key:int16 api_version:int16 correlation_id:int32 client_id:nullable_string
 *   Response => Size:int32 correlation_id:int32 Body      (response header v0)
 *   string => int16 length + UTF-8;  array => int32 count + items;  bytes => int32 length + data
 *
 * Only per-request objects are allocated here; record data is decoded by record-batch.ts.
 */

/** Growable write buffer for one request. */
export class RequestWriter {
  #buf: Buffer
  #pos = 4 // leave room for the size prefix

  constructor(size = 256) {
    this.#buf = Buffer.allocUnsafe(size)
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n))
    this.#buf.copy(next, 0, 0, this.#pos)
    this.#buf = next
  }

  int8(v: number): this {
    this.#ensure(1)
    this.#buf.writeInt8(v, this.#pos)
    this.#pos += 1
    return this
  }

  int16(v: number): this {
    this.#ensure(2)
    this.#buf.writeInt16BE(v, this.#pos)
    this.#pos += 2
    return this
  }

  int32(v: number): this {
    this.#ensure(4)
    this.#buf.writeInt32BE(v, this.#pos)
    this.#pos += 4
    return this
  }

  int64(v: number): this {
    this.#ensure(8)
    this.#buf.writeBigInt64BE(BigInt(v), this.#pos)
    this.#pos += 8
    return this
  }

  string(v: string | null): this {
    if (v === null) return this.int16(-1)
    const len = Buffer.byteLength(v)
    this.int16(len)
    this.#ensure(len)
    this.#buf.write(v, this.#pos)
    this.#pos += len
    return this
  }

  /** bytes: int32 length + data. */
  bytes(v: Buffer): this {
    this.int32(v.length)
    this.#ensure(v.length)
    v.copy(this.#buf, this.#pos)
    this.#pos += v.length
    return this
  }

  /** The framed request: size prefix filled in. */
  finish(): Buffer {
    this.#buf.writeInt32BE(this.#pos - 4, 0)
    return this.#buf.subarray(0, this.#pos)
  }
}

/** Writes request header v1 and returns the writer for the body. */
export function requestHeader(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string,
): RequestWriter {
  return new RequestWriter().int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId)
}

/** Sequential reader over one response body (after the correlation id). */
export class ResponseReader {
  readonly buf: Buffer
  pos: number

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf
    this.pos = pos
  }

  get remaining(): number {
    return this.buf.length - this.pos
  }

  int8(): number {
    const v = this.buf.readInt8(this.pos)
    this.pos += 1
    return v
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.pos)
    this.pos += 2
    return v
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }

  /** int64 as a double: exact below 2^53, which every real offset and timestamp is. */
  int64(): number {
    const hi = this.buf.readInt32BE(this.pos)
    const lo = this.buf.readUInt32BE(this.pos + 4)
    this.pos += 8
    return hi * 4294967296 + lo
  }

  string(): string | null {
    const len = this.int16()
    if (len < 0) return null
    const s = this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }

  /** bytes: int32 length (-1 = null, read as empty) + data, a view of the response. */
  bytes(): Buffer {
    const len = this.int32()
    if (len < 0) return Buffer.alloc(0)
    const v = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return v
  }

  skip(n: number): void {
    this.pos += n
  }
}

export const API_FETCH = 1
export const API_VERSIONS = 18
export const API_SASL_HANDSHAKE = 17
export const API_SASL_AUTHENTICATE = 36

/** Kafka error codes the fetch path names; others print as `code N`. */
const ERROR_NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  1: 'OFFSET_OUT_OF_RANGE',
  2: 'CORRUPT_MESSAGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  8: 'BROKER_NOT_AVAILABLE',
  9: 'REPLICA_NOT_AVAILABLE',
  13: 'NETWORK_EXCEPTION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  56: 'KAFKA_STORAGE_ERROR',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  78: 'OFFSET_NOT_AVAILABLE',
  100: 'UNKNOWN_TOPIC_ID',
}

export function kafkaErrorName(code: number): string {
  return ERROR_NAMES[code] ?? `code ${code}`
}

/** Error codes after which a metadata refresh and a retry can succeed. */
const RETRIABLE = new Set([-1, 2, 3, 5, 6, 7, 8, 9, 13, 56, 74, 75, 78, 100])

export function isRetriableKafkaError(code: number): boolean {
  return RETRIABLE.has(code)
}
