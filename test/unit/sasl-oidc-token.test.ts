/**
 * The client-credentials provider's pure parts: the refresh rule (the Java client's window, jitter,
 * buffer and minimum period), the JWT exp reader, one shared provider per endpoint and client, and
 * a URL that is not http(s) refused without a request. The exchange with a real endpoint is in
 * test/integration/sasl-oidc-token.test.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { clientCredentialsTokenProvider, jwtExp, OAUTH_REFRESH, refreshTime, sharedClientCredentialsTokenProvider } from '../../src/kafka/sasl/oidc-token.js'

const spec = { kind: 'client-credentials' as const, endpointUrl: 'https://idp.example.com/token', clientId: 'c', clientSecret: 's', scope: null }

test('refresh time: 80% of the lifetime plus up to 5% jitter, within [fetch + 1 min, expiry - 5 min], halfway when too short', () => {
  const hour = 3_600_000
  assert.equal(refreshTime(0, hour, 0), 0.8 * hour)
  assert.equal(refreshTime(0, hour, 1), 0.85 * hour)
  assert.equal(refreshTime(1_000, 1_000 + hour, 0.5), 1_000 + 0.825 * hour)
  // 10 minutes: 80% would be 2 minutes before expiry, the buffer moves it to 5 minutes before.
  assert.equal(refreshTime(0, 600_000, 0), 600_000 - OAUTH_REFRESH.bufferMs)
  // Shorter than minimum period + buffer (6 minutes): halfway.
  assert.equal(refreshTime(0, 300_000, 1), 150_000)
  assert.equal(refreshTime(0, 359_999, 0), 179_999)
  // Exactly minimum period + buffer: the buffer bound, which equals the minimum period.
  assert.equal(refreshTime(0, 360_000, 0), 60_000)
})

test('jwtExp reads the exp claim of a JWT and nothing else', () => {
  const jwt = (claims: unknown): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
  assert.equal(jwtExp(jwt({ exp: 1_900_000_000, sub: 'x' })), 1_900_000_000)
  assert.equal(jwtExp(jwt({ sub: 'x' })), null)
  assert.equal(jwtExp(jwt({ exp: '1900000000' })), null)
  assert.equal(jwtExp('opaque-token'), null)
  assert.equal(jwtExp('a.%%%.c'), null)
})

test('one shared provider per endpoint, client, secret and scope', () => {
  const a = sharedClientCredentialsTokenProvider(spec)
  assert.equal(sharedClientCredentialsTokenProvider({ ...spec }), a)
  assert.notEqual(sharedClientCredentialsTokenProvider({ ...spec, scope: 'kafka' }), a)
  assert.notEqual(sharedClientCredentialsTokenProvider({ ...spec, clientSecret: 'other' }), a)
})

test('an endpoint that is not an http(s) URL is refused at once, not retried, without the secret', async () => {
  for (const endpointUrl of ['file:///etc/token', 'idp.example.com/token', '']) {
    const err = await clientCredentialsTokenProvider({ ...spec, endpointUrl, clientSecret: 'hush-hush' }).token().catch((e: unknown) => e)
    assert.ok(isSluiceError(err, 'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT'), `${endpointUrl}: ${String(err)}`)
    assert.equal(err.retriable, false)
    assert.equal(err.details['attempts'], 1)
    assert.equal(err.message.includes('hush-hush'), false)
  }
})
