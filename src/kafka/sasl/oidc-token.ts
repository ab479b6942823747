/**
 * OAUTHBEARER tokens from an OAuth 2.0 / OIDC token endpoint with the client-credentials grant
 * (RFC 6749 §4.4), as the Java client's OAuthBearerLoginCallbackHandler gets them
 * (`kafka.sasl.oauthbearer.token.endpoint.url`, JAAS clientId / clientSecret / scope):
 *
 *   POST <endpoint>
 *   Authorization: Basic base64(<clientId>:<clientSecret>)    (not URL-encoded: the Java default)
 *   Content-Type: application/x-www-form-urlencoded
 *   Accept: application/json
 *   grant_type=client_credentials[&scope=<scope, URL-encoded>]
 *
 *   200 {"access_token": "…", "expires_in": <seconds>, …}   expires_in absent: the JWT's `exp`
 *
 * Refresh: like the Java client's ExpiringCredentialRefreshingLogin with its defaults
 * (sasl.login.refresh.window.factor 0.8, .window.jitter 0.05, .min.period.seconds 60,
 * .buffer.seconds 300): a token is replaced once 80-85% of its lifetime has passed, but not later
 * than 5 minutes before it expires nor sooner than 1 minute after it was fetched; a lifetime too
 * short for both is refreshed halfway. Refreshing is lazy (on the first `token()` call past that
 * point); callers arriving during a fetch share it. When a refresh fails while the old token is
 * still valid, the old token is handed out and the fetch is tried again 10 s later.
 *
 * Retries: network errors, timeouts (10 s per request), 408, 429 and 5xx are retried with backoff,
 * 100 ms doubling, until 10 s have been spent (the Java client's sasl.login.retry.backoff.ms and
 * .max.ms); other 4xx are not. Error messages name the endpoint and the OAuth `error` /
 * `error_description` fields, never the secret or the token.
 */
import { SluiceError } from '../../errors.js'
import type { OAuthToken, OAuthTokenSpec, TokenProvider } from './types.js'

export type ClientCredentialsSpec = Extract<OAuthTokenSpec, { kind: 'client-credentials' }>

export const OAUTH_REFRESH = {
  windowFactor: 0.8,
  windowJitter: 0.05,
  minPeriodMs: 60_000,
  bufferMs: 300_000,
  /** After a failed refresh while the old token is still valid. */
  retryAfterFailureMs: 10_000,
} as const

export const OAUTH_RETRY = { backoffMs: 100, totalMs: 10_000, requestTimeoutMs: 10_000 } as const

/** Test hooks: a clock (refresh decisions and expiry), the jitter's random source, the retry budget. */
export interface TokenProviderOptions {
  now?: () => number
  random?: () => number
  retryTotalMs?: number
}

export function clientCredentialsTokenProvider(spec: ClientCredentialsSpec, options: TokenProviderOptions = {}): TokenProvider {
  return new ClientCredentialsTokenProvider(spec, options)
}

const shared = new Map<string, TokenProvider>()

/** One provider per endpoint, client and scope in this thread: all connections share its token. */
export function sharedClientCredentialsTokenProvider(spec: ClientCredentialsSpec): TokenProvider {
  const key = JSON.stringify([spec.endpointUrl, spec.clientId, spec.clientSecret, spec.scope])
  let p = shared.get(key)
  if (p === undefined) {
    p = clientCredentialsTokenProvider(spec)
    shared.set(key, p)
  }
  return p
}

class ClientCredentialsTokenProvider implements TokenProvider {
  #current: OAuthToken | null = null
  #refreshAtMs = 0
  #inFlight: Promise<OAuthToken> | null = null
  readonly #spec: ClientCredentialsSpec
  readonly #now: () => number
  readonly #random: () => number
  readonly #retryTotalMs: number

  constructor(spec: ClientCredentialsSpec, options: TokenProviderOptions) {
    this.#spec = spec
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#retryTotalMs = options.retryTotalMs ?? OAUTH_RETRY.totalMs
  }

  token(): Promise<OAuthToken> {
    const now = this.#now()
    if (this.#current !== null && now < this.#refreshAtMs && now < this.#current.expiresAtMs) {
      return Promise.resolve(this.#current)
    }
    this.#inFlight ??= this.#refresh().finally(() => {
      this.#inFlight = null
    })
    return this.#inFlight
  }

  async #refresh(): Promise<OAuthToken> {
    const fetchedAtMs = this.#now()
    try {
      const token = await fetchToken(this.#spec, this.#now, this.#retryTotalMs)
      this.#current = token
      this.#refreshAtMs = refreshTime(fetchedAtMs, token.expiresAtMs, this.#random())
      return token
    } catch (err) {
      const old = this.#current
      if (old !== null && this.#now() < old.expiresAtMs) {
        this.#refreshAtMs = this.#now() + OAUTH_REFRESH.retryAfterFailureMs
        return old
      }
      throw err
    }
  }
}

/** When a token fetched at `fetchedAtMs` is replaced (the Java client's rule, see the file comment). */
export function refreshTime(fetchedAtMs: number, expiresAtMs: number, random: number): number {
  const { windowFactor, windowJitter, minPeriodMs, bufferMs } = OAUTH_REFRESH
  const lifetime = expiresAtMs - fetchedAtMs
  if (lifetime < minPeriodMs + bufferMs) return fetchedAtMs + Math.floor(lifetime / 2)
  const at = fetchedAtMs + Math.floor(lifetime * (windowFactor + windowJitter * random))
  return Math.max(fetchedAtMs + minPeriodMs, Math.min(at, expiresAtMs - bufferMs))
}

/** One token from the endpoint, with the retries of the file comment. */
export async function fetchToken(spec: ClientCredentialsSpec, now: () => number = Date.now, retryTotalMs: number = OAUTH_RETRY.totalMs): Promise<OAuthToken> {
  const started = Date.now()
  let attempt = 0
  for (;;) {
    attempt++
    const outcome = await attemptFetch(spec, now)
    if (outcome.token !== undefined) return outcome.token
    const waitMs = Math.min(OAUTH_RETRY.backoffMs * 2 ** (attempt - 1), started + retryTotalMs - Date.now())
    if (!outcome.error.retriable || waitMs <= 0) {
      outcome.error.details['attempts'] = attempt
      throw outcome.error
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}

type Outcome = { token: OAuthToken; error?: undefined } | { token?: undefined; error: SluiceError }

async function attemptFetch(spec: ClientCredentialsSpec, now: () => number): Promise<Outcome> {
  const endpoint = redactUrl(spec.endpointUrl)
  if (!/^https?:$/.test(safeProtocol(spec.endpointUrl))) {
    return {
      error: new SluiceError(
        'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT',
        `kafka.sasl.oauthbearer.token.endpoint.url ${endpoint} is not an http:// or https:// URL: ` +
          'set it to the identity provider\'s token endpoint.',
        { retriable: false, details: { endpoint } },
      ),
    }
  }
  const body = new URLSearchParams({ grant_type: 'client_credentials' })
  if (spec.scope !== null && spec.scope !== '') body.set('scope', spec.scope)
  let res: Response
  let text: string
  try {
    res = await fetch(spec.endpointUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${spec.clientId}:${spec.clientSecret}`, 'utf8').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'cache-control': 'no-cache',
      },
      body: body.toString(),
      signal: AbortSignal.timeout(OAUTH_RETRY.requestTimeoutMs),
    })
    text = await res.text()
  } catch (err) {
    return {
      error: new SluiceError(
        'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT',
        `the OAuth token endpoint ${endpoint} (kafka.sasl.oauthbearer.token.endpoint.url) cannot be reached: ` +
          `${networkCause(err)}. Check the URL and that this host can reach it (proxy, firewall, DNS).`,
        { retriable: true, cause: err, details: { endpoint } },
      ),
    }
  }
  const status = res.status
  const json = parseJson(text)
  if (status >= 200 && status < 300) return parseTokenReply(spec, json, endpoint, status, now)
  const oauthError = describeOAuthError(json, spec)
  if (status === 400 || status === 401 || status === 403) {
    return {
      error: new SluiceError(
        'SLUICE_KAFKA_OAUTH_CLIENT',
        `the OAuth token endpoint ${endpoint} refused the client credentials of client id ` +
          `"${spec.clientId}" with HTTP ${status}${oauthError.text}: ` +
          (status === 401 || oauthError.code === 'invalid_client'
            ? 'the client id or secret is wrong (check clientId and clientSecret in kafka.sasl.jaas.config, and that the ${VAR}s they use are set)'
            : 'the client may not use the client-credentials grant or request this scope (check the client\'s grants and the scope in kafka.sasl.jaas.config)') +
          '.',
        { details: { endpoint, status, ...(oauthError.code !== undefined ? { error: oauthError.code } : {}) } },
      ),
    }
  }
  const retriable = status >= 500 || status === 408 || status === 429
  return {
    error: new SluiceError(
      'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT',
      `the OAuth token endpoint ${endpoint} answered the client-credentials request with HTTP ${status}` +
        `${oauthError.text}: ` +
        (retriable
          ? 'the identity provider is failing or overloaded; sluice retried with backoff and gave up. Check the provider\'s status.'
          : 'check kafka.sasl.oauthbearer.token.endpoint.url: it must be the provider\'s token endpoint (often …/oauth2/token or …/protocol/openid-connect/token).'),
      { retriable, details: { endpoint, status, ...(oauthError.code !== undefined ? { error: oauthError.code } : {}) } },
    ),
  }
}

function parseTokenReply(spec: ClientCredentialsSpec, json: unknown, endpoint: string, status: number, now: () => number): Outcome {
  const reply = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  const value = reply['access_token']
  const bad = (why: string): Outcome => ({
    error: new SluiceError(
      'SLUICE_KAFKA_OAUTH_TOKEN_ENDPOINT',
      `the OAuth token endpoint ${endpoint} answered HTTP ${status} for client id "${spec.clientId}" ` +
        `but ${why}. Check that kafka.sasl.oauthbearer.token.endpoint.url is the provider's token endpoint.`,
      { retriable: false, details: { endpoint, status } },
    ),
  })
  if (typeof value !== 'string' || value === '') return bad('the reply has no access_token (it is not an OAuth token reply)')
  const expiresIn = typeof reply['expires_in'] === 'string' ? Number(reply['expires_in']) : reply['expires_in']
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) {
    return { token: { value, expiresAtMs: now() + expiresIn * 1000 } }
  }
  const exp = jwtExp(value)
  if (exp !== null) return { token: { value, expiresAtMs: exp * 1000 } }
  return bad('the reply has neither expires_in nor a JWT access_token with an exp claim, so its lifetime is unknown')
}

/** The `exp` claim (seconds) of a JWT, or null when the token is not a JWT or has none. */
export function jwtExp(token: string): number | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown
    const exp = (claims as { exp?: unknown } | null)?.exp
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null
  } catch {
    return null
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** ` (invalid_client: Bad client credentials)` from an RFC 6749 §5.2 error reply; the secret masked. */
function describeOAuthError(json: unknown, spec: ClientCredentialsSpec): { text: string; code?: string } {
  const reply = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  const code = typeof reply['error'] === 'string' ? mask(reply['error'].slice(0, 80), spec) : undefined
  const desc = typeof reply['error_description'] === 'string' ? mask(reply['error_description'].slice(0, 200), spec) : undefined
  if (code === undefined) return { text: '' }
  return { text: ` (${code}${desc !== undefined ? `: ${desc}` : ''})`, code }
}

function mask(s: string, spec: ClientCredentialsSpec): string {
  return spec.clientSecret === '' ? s : s.split(spec.clientSecret).join('***')
}

/** The URL without user info or query (where a careless setup may keep a secret). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(an invalid URL)'
  }
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol
  } catch {
    return ''
  }
}

function networkCause(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${OAUTH_RETRY.requestTimeoutMs / 1000} s`
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message
  }
  return String(cause)
}
