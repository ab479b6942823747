/**
 * One TCP connection to one broker: frames requests, matches responses by correlation id, and
 * times requests out. Kafka answers requests on one connection in order, so several may be in
 * flight (the fetch client keeps one ahead of the caller). Errors from here are retriable
 * SLUICE_KAFKA_FETCH: the coordinator refreshes metadata and re-plans the range.
 */
import net from 'node:net'
import { SluiceError } from '../errors.js'
import { API_VERSIONS, ResponseReader, requestHeader, type RequestWriter } from './protocol-codec.js'
import type { BrokerAddress } from './types.js'

interface Pending {
  correlationId: number
  resolve: (body: Buffer) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/** Highest version per ApiKey the broker accepts: filled by the ApiVersions handshake. */
export type ApiVersionMap = Map<number, { min: number; max: number }>

export class BrokerConnection {
  readonly broker: BrokerAddress
  #clientId: string
  #timeoutMs: number
  #socket: net.Socket | null = null
  #connecting: Promise<void> | null = null
  #nextId = 1
  #pending: Pending[] = []
  #chunks: Buffer[] = []
  #buffered = 0
  #frameSize = -1
  versions: ApiVersionMap = new Map()

  constructor(broker: BrokerAddress, clientId: string, requestTimeoutMs: number) {
    this.broker = broker
    this.#clientId = clientId
    this.#timeoutMs = requestTimeoutMs
  }

  get connected(): boolean {
    return this.#socket !== null && !this.#socket.destroyed
  }

  /** Opens the socket and runs the ApiVersions handshake; shared by concurrent callers. */
  connect(): Promise<void> {
    if (this.connected && this.#connecting === null) return Promise.resolve()
    if (this.#connecting) return this.#connecting
    this.#connecting = this.#open().finally(() => {
      this.#connecting = null
    })
    return this.#connecting
  }

  async #open(): Promise<void> {
    const { host, port } = this.broker
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(this.#error(`connect timed out after ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', onError)
        this.#attach(socket)
        resolve()
      })
      const onError = (err: Error) => {
        clearTimeout(timer)
        reject(this.#error(`cannot connect: ${err.message}`, err))
      }
      socket.once('error', onError)
    })
    // ApiVersions v0: error_code int16, [api_key int16 min_version int16 max_version int16]
    const body = await this.request(API_VERSIONS, 0, () => {})
    const r = new ResponseReader(body)
    const code = r.int16()
    if (code !== 0) throw this.#error(`ApiVersions failed with error code ${code}`)
    const n = r.int32()
    const versions: ApiVersionMap = new Map()
    for (let i = 0; i < n; i++) {
      const key = r.int16()
      versions.set(key, { min: r.int16(), max: r.int16() })
    }
    this.versions = versions
  }

  #attach(socket: net.Socket): void {
    this.#socket = socket
    this.#chunks = []
    this.#buffered = 0
    this.#frameSize = -1
    socket.on('data', (data: Buffer) => {
      if (this.#socket === socket) this.#onData(data)
    })
    socket.on('error', (err) => {
      if (this.#socket === socket) this.#fail(this.#error(`connection error: ${err.message}`, err))
    })
    socket.on('close', () => {
      if (this.#socket === socket) this.#fail(this.#error('connection closed by the broker'))
    })
  }

  #onData(data: Buffer): void {
    this.#chunks.push(data)
    this.#buffered += data.length
    for (;;) {
      if (this.#frameSize < 0) {
        if (this.#buffered < 4) return
        this.#flatten()
        this.#frameSize = this.#chunks[0]!.readInt32BE(0)
      }
      if (this.#buffered < 4 + this.#frameSize) return
      this.#flatten()
      const all = this.#chunks[0]!
      const end = 4 + this.#frameSize
      const frame = all.subarray(4, end)
      const rest = all.subarray(end)
      this.#chunks = rest.length > 0 ? [rest] : []
      this.#buffered = rest.length
      this.#frameSize = -1
      this.#deliver(frame)
    }
  }

  /** Joins buffered chunks into one (one copy per response, not per record). */
  #flatten(): void {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)]
  }

  #deliver(frame: Buffer): void {
    const id = frame.readInt32BE(0)
    const p = this.#pending[0]
    if (p === undefined || p.correlationId !== id) {
      this.#fail(this.#error(`response with unexpected correlation id ${id}`))
      return
    }
    this.#pending.shift()
    clearTimeout(p.timer)
    p.resolve(frame.subarray(4))
  }

  /**
   * Sends one request; resolves with the response body (after the correlation id).
   * `writeBody` appends the request body to the header writer.
   */
  request(apiKey: number, version: number, writeBody: (w: RequestWriter) => void): Promise<Buffer> {
    const socket = this.#socket
    if (socket === null || socket.destroyed) {
      return Promise.reject(this.#error('not connected'))
    }
    const correlationId = this.#nextId
    this.#nextId = (this.#nextId + 1) & 0x7fffffff
    const w = requestHeader(apiKey, version, correlationId, this.#clientId)
    writeBody(w)
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(this.#error(`request (ApiKey ${apiKey}) timed out after ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      this.#pending.push({ correlationId, resolve, reject, timer })
      socket.write(w.finish())
    })
  }

  /** Rejects every pending request and drops the socket; the next connect() opens a new one. */
  #fail(err: SluiceError): void {
    const pending = this.#pending
    this.#pending = []
    for (const p of pending) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    const socket = this.#socket
    this.#socket = null
    socket?.destroy()
  }

  #error(what: string, cause?: unknown): SluiceError {
    const { nodeId, host, port } = this.broker
    return new SluiceError(
      'SLUICE_KAFKA_FETCH',
      `Kafka broker ${nodeId} at ${host}:${port}: ${what}. The broker may be down or have moved; ` +
        'the range is retried after a metadata refresh. If this persists, check that ' +
        'kafka.bootstrap.servers and the advertised listeners are reachable from this host.',
      { retriable: true, cause, details: { broker: `${host}:${port}`, nodeId } },
    )
  }

  close(): Promise<void> {
    const socket = this.#socket
    this.#fail(this.#error('connection closed by the client'))
    if (socket === null) return Promise.resolve()
    return new Promise((resolve) => {
      if (socket.closed) resolve()
      else socket.once('close', () => resolve())
    })
  }
}
