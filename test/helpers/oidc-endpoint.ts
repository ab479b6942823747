/**
 * A small OIDC identity provider for tests, on loopback (node:http): the client-credentials token
 * endpoint and the JWKS a Kafka broker validates tokens with. Tokens are RS256 JWTs signed with a
 * key generated at start (node:crypto), claims sub (the client id), iss, aud, iat, exp, scope.
 *
 *   const idp = await startOidcEndpoint({ clients: { 'sluice-job': 'the-secret' } })
 *   idp.tokenUrl   // POST: grant_type=client_credentials, HTTP Basic client id:secret
 *   idp.jwksUrl    // GET: {"keys": [{kty, n, e, kid, alg: RS256, use: sig}]}
 *   idp.requests   // every token request as received (method, headers, form)
 *   idp.script.push({ status: 500 })   // the next token requests' answers, before the normal one
 *   await idp.stop()
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TokenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  form: URLSearchParams
}

/** A scripted answer: a status and a JSON body (default: an OAuth error body for 4xx/5xx). */
export interface ScriptedAnswer {
  status: number
  body?: unknown
}

export interface OidcEndpointOptions {
  /** client id → secret. */
  clients: Record<string, string>
  /** Token lifetime in seconds (expires_in and exp). Default 3600. */
  lifetimeSeconds?: number
  /** Send expires_in (default) or leave the lifetime to the JWT's exp only. */
  sendExpiresIn?: boolean
  audience?: string
}

export interface OidcEndpoint {
  readonly tokenUrl: string
  readonly jwksUrl: string
  readonly issuer: string
  readonly requests: TokenRequest[]
  readonly script: ScriptedAnswer[]
  /** Tokens issued so far, in order. */
  readonly issued: string[]
  lifetimeSeconds: number
  stop(): Promise<void>
}

export async function startOidcEndpoint(o: OidcEndpointOptions): Promise<OidcEndpoint> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = 'test-key-1'
  const requests: TokenRequest[] = []
  const script: ScriptedAnswer[] = []
  const issued: string[] = []
  const state = { lifetimeSeconds: o.lifetimeSeconds ?? 3600 }
  let base = ''

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (req.method === 'GET' && req.url === '/jwks') {
        send(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] })
        return
      }
      if (req.url !== '/token') {
        send(404, { error: 'not_found' })
        return
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      requests.push({ method: req.method ?? '', url: req.url, headers: req.headers, form })
      const next = script.shift()
      if (next !== undefined) {
        send(next.status, next.body ?? { error: next.status >= 500 ? 'server_error' : 'invalid_request' })
        return
      }
      const client = basicAuth(req.headers.authorization)
      if (req.method !== 'POST' || client === null || o.clients[client.id] !== client.secret) {
        send(401, { error: 'invalid_client', error_description: `Client authentication failed for ${client?.id ?? '?'}:${client?.secret ?? '?'}` })
        return
      }
      if (form.get('grant_type') !== 'client_credentials') {
        send(400, { error: 'unsupported_grant_type' })
        return
      }
      const now = Math.floor(Date.now() / 1000)
      const claims: Record<string, unknown> = { iss: base, sub: client.id, iat: now, exp: now + state.lifetimeSeconds, jti: `t${issued.length + 1}` }
      if (o.audience !== undefined) claims['aud'] = o.audience
      const scope = form.get('scope')
      if (scope !== null) claims['scope'] = scope
      const token = signJwt(claims, privateKey, kid)
      issued.push(token)
      const reply: Record<string, unknown> = { access_token: token, token_type: 'Bearer' }
      if (o.sendExpiresIn !== false) reply['expires_in'] = state.lifetimeSeconds
      send(200, reply)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    tokenUrl: `${base}/token`,
    jwksUrl: `${base}/jwks`,
    issuer: base,
    requests,
    script,
    issued,
    get lifetimeSeconds() {
      return state.lifetimeSeconds
    },
    set lifetimeSeconds(v: number) {
      state.lifetimeSeconds = v
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  const input = `${enc({ alg: 'RS256', typ: 'JWT', kid })}.${enc(claims)}`
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`
}

function basicAuth(header: string | undefined): { id: string; secret: string } | null {
  const m = /^Basic (.+)$/.exec(header ?? '')
  if (m === null) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? null : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}
