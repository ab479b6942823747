/**
 * OAUTHBEARER tokens from a real (small) OIDC token endpoint on loopback
 * (test/helpers/oidc-endpoint.ts): the request as the Java client's OAuthBearerLoginCallbackHandler
 * sends it, the first token, one fetch for concurrent callers, the refresh at 80-85% of the
 * lifetime (the clock is injected, so no test waits), the JWT's exp when there is no expires_in,
 * 401 (bad client secret: one request, no retry, the secret never in the message even when the
 * endpoint echoes it), 500 then success (retried), 5xx that never ends (the retry budget, given
 * in the test as 1 s), 404 (not retried), an unreachable endpoint, and the old token kept when a
 * refresh fails while it is still valid.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { clientCredentialsTokenProvider, jwtExp, OAUTH_REFRESH, refreshTime, type ClientCredentialsSpec } from '../../src/kafka/sasl/oidc-token.js'
import { startOidcEndpoint, type OidcEndpoint } from '../helpers/oidc-endpoint.js'

const SECRET = 's3cr3t-value-that-must-not-leak'
let idp: OidcEndpoint
let spec: ClientCredentialsSpec

before(async () => {
  idp = await startOidcEndpoint({ clients: { 'sluice-job': SECRET } })
  spec = { kind: 'client-credentials', endpointUrl: idp.tokenUrl, clientId: 'sluice-job', clientSecret: SECRET, scope: 'kafka:read kafka:describe' }
})
after(() => idp.stop())

function reset(): void {
  idp.requests.length = 0
  idp.script.length = 0
  idp.lifetimeSeconds = 3600
}

test('the first token: POST form, HTTP Basic client id:secret, the scope; concurrent callers share one request', async () => {
  reset()
  let now = Date.now()
  const provider = clientCredentialsTokenProvider(spec, { now: () => now })
  const tokens = await Promise.all([provider.token(), provider.token(), provider.token()])
  assert.equal(idp.requests.length, 1, 'one request for three concurrent callers')
  const req = idp.requests[0]!
  assert.equal(req.method, 'POST')
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.equal(Buffer.from(req.headers.authorization!.replace(/^Basic /, ''), 'base64').toString(), `sluice-job:${SECRET}`)
  assert.equal(req.form.get('grant_type'), 'client_credentials')
  assert.equal(req.form.get('scope'), 'kafka:read kafka:describe')
  assert.equal(tokens[0]!.value, idp.issued[0])
  assert.equal(tokens[1], tokens[0])
  assert.equal(tokens[0]!.expiresAtMs, now + 3_600_000)
  now += 60_000
  assert.equal((await provider.token()).value, idp.issued[0], 'a fresh token is reused')
  assert.equal(idp.requests.length, 1)
})

test('refreshed once 80% (+ up to 5% jitter) of its lifetime has passed, before it expires', async () => {
  reset()
  const start = Date.now()
  let now = start
  const provider = clientCredentialsTokenProvider(spec, { now: () => now, random: () => 1 })
  const first = await provider.token()
  now = start + 0.849 * 3_600_000
  assert.equal((await provider.token()).value, first.value, 'at 84.9% (jitter 5%) the token is kept')
  assert.equal(idp.requests.length, 1)
  now = start + 0.851 * 3_600_000
  const second = await provider.token()
  assert.equal(idp.requests.length, 2, 'at 85.1% a new token is fetched')
  assert.notEqual(second.value, first.value)
  assert.ok(second.expiresAtMs > first.expiresAtMs)

  // The Java client's bounds: not later than 5 minutes before expiry, halfway for short lifetimes.
  assert.equal(refreshTime(0, 3_600_000, 0), 2_880_000)
  assert.equal(refreshTime(0, 1_000_000, 1), 1_000_000 - OAUTH_REFRESH.bufferMs)
  assert.equal(refreshTime(0, 200_000, 0.5), 100_000)
})

test('without expires_in the lifetime is the JWT\'s exp', async () => {
  const other = await startOidcEndpoint({ clients: { c: 'x' }, sendExpiresIn: false, lifetimeSeconds: 900 })
  try {
    const t = await clientCredentialsTokenProvider({ ...spec, endpointUrl: other.tokenUrl, clientId: 'c', clientSecret: 'x', scope: null }).token()
    assert.equal(t.expiresAtMs, jwtExp(t.value)! * 1000)
    assert.ok(Math.abs(t.expiresAtMs - (Date.now() + 900_000)) < 5_000)
    assert.equal(other.requests[0]!.form.has('scope'), false, 'no scope parameter without a scope')
  } finally {
    await other.stop()
  }
})

test('401: the client secret is wrong; one request, not retried, the secret never in the message', async () => {
  reset()
  const wrong = `${SECRET}-typo`
  const err = await clientCredentialsTokenProvider({ ...spec, clientSecret: wrong }).token().catch((e: unknown) => e)
  assert.ok(isSluiceError(err, 'SLUICE_KAFKA_OAUTH_CLIENT'), String(err))
  assert.equal(err.retriable, false)
  assert.equal(idp.requests.length, 1, 'a refused client is not retried')
  assert.match(err.message, /HTTP 401/)
  assert.match(err.message, /invalid_client/)
  assert.match(err.message, /"sluice-job"/)
  assert.match(err.message, /clientSecret in kafka\.sasl\.jaas\.config/)
  assert.equal(err.message.includes(wrong), false, 'the endpoint echoed the secret; the message must not')
  assert.equal(JSON.stringify(err.details).includes(wrong), false)
})

test('500 then success: retried with backoff, the token arrives', async () => {
  reset()
  idp.script.push({ status: 500 }, { status: 503 })
  const t = await clientCredentialsTokenProvider(spec).token()
  assert.equal(idp.requests.length, 3)
  assert.equal(t.value, idp.issued.at(-1))
})

test('5xx without end: given up after the retry budget, retriable, the attempts counted', async () => {
  reset()
  for (let i = 0; i < 50; i++) idp.script.push({ status: 502 })
  const err = await clientCredentialsTokenProvider(spec, { retryTotalMs: 1_000 }).token().catch((e: unknown) => e)
  assert.ok(isSluiceError(err, 'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT'), String(err))
  assert.equal(err.retriable, true)
  assert.match(err.message, /HTTP 502/)
  assert.ok(idp.requests.length >= 3, `retried (${idp.requests.length} requests)`)
  assert.equal(err.details['attempts'], idp.requests.length)
})

test('404 (a wrong URL) is not retried; an unreachable endpoint is named', async () => {
  reset()
  const notFound = await clientCredentialsTokenProvider({ ...spec, endpointUrl: idp.tokenUrl.replace(/token$/, 'oauth/token') }).token().catch((e: unknown) => e)
  assert.ok(isSluiceError(notFound, 'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT'))
  assert.equal(notFound.retriable, false)
  assert.match(notFound.message, /HTTP 404/)

  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const down = await clientCredentialsTokenProvider({ ...spec, endpointUrl: `http://127.0.0.1:${port}/token` }, { retryTotalMs: 300 }).token().catch((e: unknown) => e)
  assert.ok(isSluiceError(down, 'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT'), String(down))
  assert.equal(down.retriable, true)
  assert.match(down.message, /cannot be reached: ECONNREFUSED/)
  assert.match(down.message, new RegExp(`127\\.0\\.0\\.1:${port}/token`))
})

test('a refresh that fails while the old token is valid hands out the old token and tries again later', async () => {
  reset()
  const start = Date.now()
  let now = start
  const provider = clientCredentialsTokenProvider(spec, { now: () => now, random: () => 0, retryTotalMs: 200 })
  const first = await provider.token()
  for (let i = 0; i < 50; i++) idp.script.push({ status: 503 })
  now = start + 0.9 * 3_600_000
  assert.equal((await provider.token()).value, first.value)
  const failed = idp.requests.length
  assert.ok(failed > 1)
  assert.equal((await provider.token()).value, first.value, 'within 10 s of the failure: no new request')
  assert.equal(idp.requests.length, failed)
  idp.script.length = 0
  now += OAUTH_REFRESH.retryAfterFailureMs + 1
  const second = await provider.token()
  assert.notEqual(second.value, first.value)
  now = first.expiresAtMs + 1
  assert.equal((await provider.token()).value, second.value)
})
