/**
 * An S3 fault proxy for tests: a small HTTP proxy on 127.0.0.1 in front of any S3 server (s3rver,
 * versitygw, AWS) that forwards every request unchanged and injects faults into the ones a rule
 * matches. Point the client's `endpoint` at `proxy.endpoint` with path-style addressing; SigV4
 * signatures stay valid because the proxy forwards the Host header and the body byte for byte.
 *
 * A rule = which requests (method, bucket, key, query) + which of them (the nth, a fraction drawn
 * from a seeded generator, at most `times`) + what to do:
 *
 *   error            answer with an S3 XML error (503 SlowDown, 500 InternalError, ...), upstream untouched
 *   reset-request    forward `afterBytes` bytes of the request body, then reset both connections
 *   reset-response   send the upstream status, headers and `afterBytes` bytes of its body, then reset
 *   latency          wait `ms` before forwarding, and `perChunkMs` before each response body chunk
 *   hold             stop before forwarding ('request') or after `afterBytes` bytes of the response
 *                    ('response'), until the test calls `release()` (a stalled S3: client timeouts)
 *   truncate         send only the first `bytes` bytes of the response body: either with the
 *                    original Content-Length and then close the connection (`keepLength`, a
 *                    premature end), or with a Content-Length that matches the cut body (a 200
 *                    whose XML is cut short). For CompleteMultipartUpload, match method POST and
 *                    query /uploadId=/.
 *   hook             call `fn` when the request arrives ('request': nothing forwarded yet) or when
 *                    upstream has answered in full ('response': the write is done on the server, the
 *                    client has not seen the answer). The proxy waits for `fn`; it returns
 *                    'continue' or 'drop' (close the client connection without forwarding or
 *                    answering). A test SIGKILLs a process inside the hook to stop it at an exact
 *                    step of a protocol.
 *
 * Rules are tried in the order they were added; the first one whose match and selection apply
 * injects its fault (the request counts toward `seen` of every rule it matches, so `nth` means "the
 * nth matching request", whether or not an earlier rule took it). A request that no rule takes is
 * forwarded as is. `proxy.log` records every request with what was done to it.
 */

import { once } from 'node:events'
import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { seededRandom } from '../../src/loadgen/profile.js'

export type ProxyFault =
  | { type: 'error'; status: number; code?: string; message?: string; retryAfterSeconds?: number }
  | { type: 'reset-request'; afterBytes: number }
  | { type: 'reset-response'; afterBytes: number }
  | { type: 'latency'; ms?: number; perChunkMs?: number }
  | { type: 'hold'; stage?: 'request' | 'response'; afterBytes?: number }
  | { type: 'truncate'; bytes: number; keepLength?: boolean }
  | {
      type: 'hook'
      phase?: 'request' | 'response'
      /** Read the whole request body first and pass it as `req.body` (small requests only). */
      body?: boolean
      fn: (req: ProxiedRequest) => HookResult | Promise<HookResult>
    }

export type HookResult = 'continue' | 'drop' | void

export interface ProxyMatch {
  /** HTTP method, e.g. 'PUT' (any when unset). */
  method?: string
  /** Bucket name (path-style URLs: the first path segment). */
  bucket?: string | RegExp
  /** Object key (the decoded path after the bucket); a string must match exactly. */
  key?: string | RegExp
  /** Tested against the raw query string without '?', e.g. /uploadId=/ or /list-type=2/. */
  query?: string | RegExp
  /** Any other condition on the request (headers, query parameters). */
  filter?: (req: ProxiedRequest) => boolean
}

export interface ProxyRule extends ProxyMatch {
  /** Only the nth matching request (1-based), or one of a list of them. */
  nth?: number | number[]
  /** Each matching request with this probability (seeded generator: runs repeat). */
  fraction?: number
  /** At most this many injections (unlimited when unset). */
  times?: number
  fault: ProxyFault
}

export interface ProxiedRequest {
  /** 1-based sequence number over all requests the proxy received. */
  seq: number
  method: string
  bucket: string
  key: string
  query: string
  headers: IncomingMessage['headers']
  /** Upstream status ('response' hooks and the log; undefined before upstream answered). */
  status?: number
  /** The request body, for hooks with `body: true`. */
  body?: Buffer
}

export interface LogEntry extends ProxiedRequest {
  /** The fault applied ('forward' when none), or 'client-gone'. */
  action: string
}

export interface RuleHandle {
  /** Matching requests seen so far. */
  readonly seen: number
  /** Faults injected so far. */
  readonly injected: number
  /** Resolves with the first request the rule injected its fault into. */
  readonly hit: Promise<ProxiedRequest>
  /** For 'hold': lets every held request (present and future) go on. */
  release(): void
  /** Stops matching (held requests are released). */
  remove(): void
}

export interface S3FaultProxyOptions {
  /** The S3 server to forward to, e.g. 'http://127.0.0.1:4568'. */
  upstream: string
  /** Seed of the generator behind `fraction` (default 1). */
  seed?: number
}

export interface S3FaultProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  addRule(rule: ProxyRule): RuleHandle
  /** Shorthand for a 'hook' rule. */
  onRequest(
    match: ProxyMatch & { nth?: number | number[]; times?: number; phase?: 'request' | 'response'; body?: boolean },
    fn: (req: ProxiedRequest) => HookResult | Promise<HookResult>,
  ): RuleHandle
  /** Removes every rule (held requests are released). */
  clearRules(): void
  readonly log: readonly LogEntry[]
  close(): Promise<void>
}

interface RuleState {
  rule: ProxyRule
  seen: number
  injected: number
  released: boolean
  removed: boolean
  waiters: (() => void)[]
  resolveHit: (r: ProxiedRequest) => void
}

export async function startS3FaultProxy(options: S3FaultProxyOptions): Promise<S3FaultProxy> {
  const upstream = new URL(options.upstream)
  const rules: RuleState[] = []
  const log: LogEntry[] = []
  const sockets = new Set<Socket>()
  let random = seededRandom(options.seed ?? 1)
  let seq = 0

  const server = createServer((req, res) => {
    const info = describe(req, ++seq)
    const entry: LogEntry = { ...info, action: 'forward' }
    log.push(entry)
    const state = pick(rules, info, random)
    if (state) entry.action = state.rule.fault.type
    handle(req, res, info, entry, state, upstream).catch(() => destroy(req.socket))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port

  const release = (s: RuleState) => {
    s.released = true
    for (const w of s.waiters.splice(0)) w()
  }
  const addRule = (rule: ProxyRule): RuleHandle => {
    let resolveHit!: (r: ProxiedRequest) => void
    const hit = new Promise<ProxiedRequest>((resolve) => (resolveHit = resolve))
    const s: RuleState = { rule, seen: 0, injected: 0, released: false, removed: false, waiters: [], resolveHit }
    rules.push(s)
    return {
      get seen() {
        return s.seen
      },
      get injected() {
        return s.injected
      },
      hit,
      release: () => release(s),
      remove: () => {
        s.removed = true
        release(s)
        const i = rules.indexOf(s)
        if (i >= 0) rules.splice(i, 1)
      },
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    addRule,
    onRequest: (match, fn) =>
      addRule({ ...match, fault: { type: 'hook', phase: match.phase ?? 'request', body: match.body ?? false, fn } }),
    clearRules() {
      for (const s of rules.splice(0)) {
        s.removed = true
        release(s)
      }
      random = seededRandom(options.seed ?? 1)
    },
    log,
    async close() {
      for (const s of rules.splice(0)) release(s)
      server.close()
      for (const socket of sockets) socket.destroy()
      if (server.listening) await once(server, 'close')
    },
  }
}

function describe(req: IncomingMessage, seq: number): ProxiedRequest {
  const url = new URL(req.url ?? '/', 'http://proxy')
  const path = url.pathname.replace(/^\//, '')
  const slash = path.indexOf('/')
  const bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash))
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1))
  return { seq, method: req.method ?? 'GET', bucket, key, query: url.search.replace(/^\?/, ''), headers: req.headers }
}

function matches(m: ProxyMatch, r: ProxiedRequest): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== r.method) return false
  if (!(test(m.bucket, r.bucket, true) && test(m.key, r.key, true) && test(m.query, r.query, false))) return false
  return m.filter === undefined || m.filter(r)
}

function test(p: string | RegExp | undefined, value: string, exact: boolean): boolean {
  if (p === undefined) return true
  if (typeof p === 'string') return exact ? p === value : value.includes(p)
  p.lastIndex = 0
  return p.test(value)
}

/** Counts the request toward every matching rule; returns the first that injects. */
function pick(rules: RuleState[], info: ProxiedRequest, random: () => number): RuleState | undefined {
  let chosen: RuleState | undefined
  for (const s of rules) {
    if (!matches(s.rule, info)) continue
    s.seen++
    if (chosen) continue
    const { nth, fraction, times } = s.rule
    if (times !== undefined && s.injected >= times) continue
    if (nth !== undefined && !(Array.isArray(nth) ? nth.includes(s.seen) : nth === s.seen)) continue
    if (fraction !== undefined && random() >= fraction) continue
    if (s.rule.fault.type === 'hold' && s.released) continue
    s.injected++
    s.resolveHit(info)
    chosen = s
  }
  return chosen
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  info: ProxiedRequest,
  entry: LogEntry,
  state: RuleState | undefined,
  upstream: URL,
): Promise<void> {
  const socket = req.socket
  let clientGone = false
  const onClose = () => (clientGone = true)
  socket.once('close', onClose)
  try {
    await proxy(req, res, info, entry, state, upstream, () => clientGone || socket.destroyed)
  } finally {
    socket.off('close', onClose)
  }
}

async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  info: ProxiedRequest,
  entry: LogEntry,
  state: RuleState | undefined,
  upstream: URL,
  gone: () => boolean,
): Promise<void> {
  const fault = state?.rule.fault

  if (fault?.type === 'error') {
    req.resume()
    await once(req, 'end')
    sendError(res, fault, info)
    return
  }
  if (fault?.type === 'latency' && fault.ms) await delay(fault.ms)
  if (fault?.type === 'hold' && (fault.stage ?? 'request') === 'request') await waitRelease(state!)
  let body: Buffer | undefined
  if (fault?.type === 'hook' && fault.body) {
    const chunks: Buffer[] = []
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c)
    body = Buffer.concat(chunks)
    info.body = body
  }
  if (fault?.type === 'hook' && (fault.phase ?? 'request') === 'request') {
    req.pause()
    if ((await fault.fn(info)) === 'drop') {
      destroy(req.socket)
      return
    }
  }
  if (gone()) {
    entry.action = 'client-gone'
    return
  }

  const up = httpRequest({
    host: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
  })
  const upRes = new Promise<IncomingMessage>((resolve, reject) => {
    up.once('response', resolve)
    up.once('error', reject)
  })
  upRes.catch(() => {})
  if (body !== undefined) up.end(body)
  else await forwardBody(req, up, fault)
  if (fault?.type === 'reset-request') return

  let response: IncomingMessage
  try {
    response = await upRes
  } catch {
    destroy(req.socket)
    return
  }
  info.status = response.statusCode
  entry.status = response.statusCode
  await sendResponse(response, res, info, state, gone)
}

async function forwardBody(req: IncomingMessage, up: ReturnType<typeof httpRequest>, fault: ProxyFault | undefined) {
  const limit = fault?.type === 'reset-request' ? fault.afterBytes : Infinity
  let sent = 0
  req.resume()
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (sent + chunk.length >= limit) {
      const part = chunk.subarray(0, Math.max(0, limit - sent))
      if (part.length > 0) await new Promise<void>((resolve) => up.write(part, () => resolve()))
      up.destroy()
      resetAndDestroy(req.socket)
      return
    }
    sent += chunk.length
    if (!up.write(chunk)) await once(up, 'drain')
  }
  if (limit !== Infinity) {
    // The body was shorter than afterBytes: reset once it is all sent.
    await new Promise<void>((resolve) => up.end(() => resolve()))
    up.destroy()
    resetAndDestroy(req.socket)
    return
  }
  up.end()
}

async function sendResponse(
  response: IncomingMessage,
  res: ServerResponse,
  info: ProxiedRequest,
  state: RuleState | undefined,
  gone: () => boolean,
): Promise<void> {
  const fault = state?.rule.fault
  const needsWholeBody = fault?.type === 'truncate' || (fault?.type === 'hook' && fault.phase === 'response')
  if (needsWholeBody) {
    const chunks: Buffer[] = []
    for await (const c of response as AsyncIterable<Buffer>) chunks.push(c)
    const body = Buffer.concat(chunks)
    if (fault.type === 'hook') {
      if ((await fault.fn(info)) === 'drop' || gone()) {
        destroy(res.socket)
        return
      }
      res.writeHead(response.statusCode ?? 502, response.headers)
      res.end(body)
      return
    }
    const cut = body.subarray(0, Math.min(fault.bytes, body.length))
    const headers = { ...response.headers }
    if (!fault.keepLength) headers['content-length'] = String(cut.length)
    else headers['content-length'] = String(body.length)
    res.writeHead(response.statusCode ?? 502, headers)
    if (fault.keepLength) {
      res.write(cut, () => destroy(res.socket))
    } else {
      res.end(cut)
    }
    return
  }

  if (gone()) {
    response.resume()
    return
  }
  res.writeHead(response.statusCode ?? 502, response.headers)
  res.flushHeaders()
  const cutAt =
    fault?.type === 'reset-response'
      ? fault.afterBytes
      : fault?.type === 'hold' && fault.stage === 'response'
        ? (fault.afterBytes ?? 0)
        : Infinity
  let sent = 0
  let cutDone = false
  for await (const chunk of response as AsyncIterable<Buffer>) {
    let c = chunk
    if (!cutDone && sent + c.length >= cutAt) {
      const head = c.subarray(0, cutAt - sent)
      if (head.length > 0) await writeAsync(res, head)
      sent += head.length
      c = c.subarray(head.length)
      cutDone = true
      if (fault?.type === 'reset-response') {
        response.destroy()
        resetAndDestroy(res.socket)
        return
      }
      await waitRelease(state!)
      if (gone()) {
        response.destroy()
        return
      }
    }
    if (fault?.type === 'latency' && fault.perChunkMs) await delay(fault.perChunkMs)
    if (c.length === 0) continue
    sent += c.length
    if (!res.write(c)) await once(res, 'drain')
  }
  if (!cutDone && fault?.type === 'reset-response') {
    await writeAsync(res, Buffer.alloc(0))
    resetAndDestroy(res.socket)
    return
  }
  if (!cutDone && fault?.type === 'hold' && fault.stage === 'response') await waitRelease(state!)
  res.end()
}

function sendError(res: ServerResponse, fault: Extract<ProxyFault, { type: 'error' }>, info: ProxiedRequest): void {
  const code = fault.code ?? (fault.status === 503 ? 'SlowDown' : 'InternalError')
  const message =
    fault.message ?? (code === 'SlowDown' ? 'Please reduce your request rate.' : 'We encountered an internal error. Please try again.')
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<Resource>/${info.bucket}/${info.key}</Resource><RequestId>sluice-fault-proxy-${info.seq}</RequestId></Error>`
  const headers: Record<string, string> = {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-request-id': `sluice-fault-proxy-${info.seq}`,
  }
  if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds)
  res.writeHead(fault.status, headers)
  res.end(info.method === 'HEAD' ? undefined : body)
}

function waitRelease(s: RuleState): Promise<void> {
  if (s.released) return Promise.resolve()
  return new Promise((resolve) => s.waiters.push(resolve))
}

function writeAsync(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => res.write(chunk, () => resolve()))
}

function resetAndDestroy(socket: Socket | null): void {
  if (!socket || socket.destroyed) return
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
}

function destroy(socket: Socket | null): void {
  if (socket && !socket.destroyed) socket.destroy()
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
