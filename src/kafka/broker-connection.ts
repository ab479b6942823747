/**
 * One connection to one broker: plain TCP or TLS (`kafka.security.protocol`), the ApiVersions
 * handshake, then SASL (SaslHandshake + SaslAuthenticate, sasl/handshake.ts) with KIP-368
 * re-authentication before the session the broker granted ends. It frames requests, matches
 * responses by correlation id, and times requests out. Kafka answers requests on one connection
 * in order, so several may be in flight (the fetch client keeps one ahead of the caller).
 * Network errors from here are retriable SLUICE_KAFKA_FETCH (the coordinator refreshes metadata
 * and re-plans the range); security failures (TLS, SASL, a listener of another protocol) are
 * not retriable and name the listener (connection-errors.ts).
 */
import net from 'node:net'
import tls from 'node:tls'
import { SluiceError, isSluiceError } from '../errors.js'
import { protocolMismatch, tlsFailure } from './connection-errors.js'
import { API_VERSIONS, ResponseReader, requestHeader, type RequestWriter } from './protocol-codec.js'
import { saslAuthenticate } from './sasl/handshake.js'
import type { KafkaSecuritySpec } from './sasl/types.js'
import { tlsConnectOptions } from './tls.js'
import type { BrokerAddress } from './types.js'

/** Re-authenticate when this share of the session lifetime has passed (Java: 85-95 %, jittered). */
const REAUTH_AT = 0.85

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
  #security: KafkaSecuritySpec | null
  /** Until the handshake is done a close or TLS bytes mean a listener of another protocol. */
  #handshaking = false
  /** While re-authenticating, other requests wait (the broker accepts only SASL requests then). */
  #gate: Promise<void> | null = null
  #reauthTimer: NodeJS.Timeout | null = null
  /** KIP-368 re-authentications done on this connection (for tests and logs). */
  reauthentications = 0

  /**
   * `probe`: the coordinator's start-up check (kafka-admin/security.ts). Only there does a broker
   * that hangs up during the handshake count as a listener of another protocol; elsewhere it may
   * be a broker restarting, so it stays a retriable network error.
   */
  #probe: boolean

  constructor(broker: BrokerAddress, clientId: string, requestTimeoutMs: number, security: KafkaSecuritySpec | null = null, opts: { probe?: boolean } = {}) {
    this.#probe = opts.probe === true
    this.broker = broker
    this.#clientId = clientId
    this.#timeoutMs = requestTimeoutMs
    this.#security = security === null || security.protocol === 'PLAINTEXT' ? null : security
  }

  get #listener(): string {
    return `${this.broker.host}:${this.broker.port}`
  }

  get #protocol(): KafkaSecuritySpec['protocol'] {
    return this.#security?.protocol ?? 'PLAINTEXT'
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
    const socket = await this.#dial()
    this.#handshaking = true
    try {
      this.#attach(socket)
      await this.#apiVersions()
      const sasl = this.#security?.sasl ?? null
      if (sasl !== null) {
        const lifetime = await saslAuthenticate(this, sasl, this.#listener)
        this.#scheduleReauth(sasl, lifetime)
      }
    } catch (err) {
      this.#fail(isSluiceError(err) ? err : this.#error(`handshake failed: ${(err as Error).message}`, err))
      throw err
    } finally {
      this.#handshaking = false
    }
  }

  /** TCP, or TLS with the job's truststore / keystore; resolves once the socket is usable. */
  #dial(): Promise<net.Socket> {
    const { host, port } = this.broker
    const tlsSpec = this.#security?.tls ?? null
    return new Promise<net.Socket>((resolve, reject) => {
      const socket = tlsSpec === null ? net.connect({ host, port, noDelay: true }) : tls.connect(tlsConnectOptions(tlsSpec, host, port))
      socket.setNoDelay(true)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(this.#error(`connect timed out after ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      let tcpUp = false
      socket.once('connect', () => {
        tcpUp = true
        if (tlsSpec === null) done()
      })
      const done = () => {
        clearTimeout(timer)
        socket.off('error', onError)
        resolve(socket)
      }
      if (tlsSpec !== null) socket.once('secureConnect', done)
      const onError = (err: Error) => {
        clearTimeout(timer)
        socket.destroy()
        const security = tcpUp ? tlsFailure(this.#listener, this.#protocol, err, this.#probe ? 'handshake' : 'session') : null
        reject(security ?? this.#error(`cannot connect: ${err.message}`, err))
      }
      socket.once('error', onError)
    })
  }

  async #apiVersions(): Promise<void> {
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

  /** KIP-368: authenticate again on this connection before the broker's session ends. */
  #scheduleReauth(sasl: NonNullable<KafkaSecuritySpec['sasl']>, lifetimeMs: number): void {
    if (this.#reauthTimer !== null) clearTimeout(this.#reauthTimer)
    this.#reauthTimer = null
    if (lifetimeMs <= 0) return
    const socket = this.#socket
    this.#reauthTimer = setTimeout(() => {
      this.#reauthTimer = null
      if (this.#socket !== socket || socket === null || socket.destroyed) return
      let open!: () => void
      this.#gate = new Promise<void>((resolve) => (open = resolve))
      saslAuthenticate(this, sasl, this.#listener, true)
        .then((next) => {
          this.reauthentications++
          this.#scheduleReauth(sasl, next)
        })
        .catch((err: unknown) => {
          if (this.#socket === socket) this.#fail(isSluiceError(err) ? err : this.#error(`re-authentication failed: ${(err as Error).message}`, err))
        })
        .finally(() => {
          this.#gate = null
          open()
        })
    }, Math.max(1, Math.floor(lifetimeMs * REAUTH_AT)))
    this.#reauthTimer.unref()
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
      if (this.#socket !== socket) return
      const security = this.#security?.tls ? tlsFailure(this.#listener, this.#protocol, err, 'session') : null
      this.#fail(security ?? (this.#handshaking ? this.#handshakeClosed(err) : this.#error(`connection error: ${err.message}`, err)))
    })
    socket.on('close', () => {
      if (this.#socket === socket) this.#fail(this.#handshaking ? this.#handshakeClosed() : this.#error('connection closed by the broker'))
    })
  }

  /** The broker hung up before the handshake finished. */
  #handshakeClosed(cause?: unknown): SluiceError {
    if (this.#security?.tls || !this.#probe) return this.#error(`the broker closed the connection during the handshake${cause ? ` (${(cause as Error).message})` : ''}`, cause)
    return protocolMismatch(this.#listener, this.#protocol, 'the broker closed the connection at the first request without answering: it is most likely a TLS (SSL or SASL_SSL) listener', cause)
  }

  #onData(data: Buffer): void {
    // A TLS record (alert 0x15 / handshake 0x16, version 3.x) on a plaintext connection.
    if (this.#handshaking && this.#security?.tls == null && this.#buffered === 0 && data.length >= 2 && (data[0] === 0x15 || data[0] === 0x16) && data[1] === 0x03) {
      this.#fail(protocolMismatch(this.#listener, this.#protocol, 'it answered with TLS: it is a TLS (SSL or SASL_SSL) listener'))
      return
    }
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
    const gate = this.#gate
    if (gate !== null) return gate.then(() => this.#send(apiKey, version, writeBody))
    return this.#send(apiKey, version, writeBody)
  }

  /** Sends a SASL request now, past the re-authentication gate (sasl/handshake.ts only). */
  saslRequest(apiKey: number, version: number, writeBody: (w: RequestWriter) => void): Promise<Buffer> {
    return this.#send(apiKey, version, writeBody)
  }

  #send(apiKey: number, version: number, writeBody: (w: RequestWriter) => void): Promise<Buffer> {
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
    if (this.#reauthTimer !== null) clearTimeout(this.#reauthTimer)
    this.#reauthTimer = null
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
