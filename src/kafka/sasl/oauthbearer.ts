/**
 * SASL OAUTHBEARER (RFC 7628) as Kafka runs it (KIP-255, extensions KIP-342): the client's
 * initial response `n,,\x01auth=Bearer <token>[\x01key=value...]\x01\x01`. A broker that rejects
 * the token answers with a JSON error status as a challenge; the client answers `\x01` and the
 * broker then fails the exchange. Also the `file` TokenProvider: a token file re-read before the
 * token in it expires.
 */
import { readFileSync, statSync } from 'node:fs'
import { SluiceError, isSluiceError } from '../../errors.js'
import type { OAuthToken, SaslMechanism, TokenProvider } from './types.js'

const SOH = '\u0001'
const KEY = /^[A-Za-z]+$/

/** The GS2-framed initial client response (exported for tests). */
export function oauthInitialResponse(token: string, extensions: Record<string, string>): Buffer {
  const ext = Object.entries(extensions)
    .filter(([k]) => KEY.test(k) && k !== 'auth')
    .map(([k, v]) => `${SOH}${k}=${v}`)
    .join('')
  return Buffer.from(`n,,${SOH}auth=Bearer ${token}${ext}${SOH}${SOH}`, 'utf8')
}

export function oauthBearerMechanism(provider: TokenProvider, extensions: Record<string, string>): SaslMechanism {
  return {
    name: 'OAUTHBEARER',
    async authenticate(exchange) {
      const { value } = await provider.token()
      const reply = await exchange(oauthInitialResponse(value, extensions))
      if (reply.authBytes.length === 0) return
      // An error challenge: {"status":"invalid_token",...}. Finish the exchange; the broker fails it.
      let status = reply.authBytes.toString('utf8')
      try {
        status = String((JSON.parse(status) as { status?: unknown }).status ?? status)
      } catch {
        // not JSON: quote as is
      }
      try {
        await exchange(Buffer.from(SOH, 'utf8'))
      } catch (err) {
        if (!isSluiceError(err)) throw err
      }
      throw new SluiceError('SLUICE_KAFKA_AUTH_FAILED', `OAUTHBEARER: the broker rejected the token (status ${status}); check its expiry, audience, issuer and scope against the broker's validator.`, {
        details: { mechanism: 'OAUTHBEARER', brokerMessage: status },
      })
    },
  }
}

/** `exp` of a JWT in ms, or null when the token is not a JWT with a numeric exp. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.')
  if (parts.length < 2) return null
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null
  } catch {
    return null
  }
}

/** An opaque token (not a JWT) is re-read this often. */
const OPAQUE_LIFETIME_MS = 60_000
/** A cached token is re-read once it expires within this margin. */
const REFRESH_MARGIN_MS = 30_000

/**
 * kafka.sasl.oauthbearer.token.file: the file is read at the first call, and again when it
 * changed on disk or its token expires within 30 s. An expired token is an error, never sent.
 */
export function fileTokenProvider(path: string, now: () => number = Date.now): TokenProvider {
  let cached: (OAuthToken & { mtimeMs: number }) | null = null
  const fail = (why: string, cause?: unknown) =>
    new SluiceError('SLUICE_KAFKA_TOKEN', `OAUTHBEARER token file ${path}: ${why}. Keep the file present and fresh (its writer must replace the token before it expires), or fix kafka.sasl.oauthbearer.token.file.`, {
      cause,
      details: { file: path },
    })
  return {
    async token() {
      let mtimeMs: number
      try {
        mtimeMs = statSync(path).mtimeMs
      } catch (err) {
        throw fail((err as { code?: string }).code === 'ENOENT' ? 'it does not exist' : 'it cannot be read', err)
      }
      if (cached !== null && cached.mtimeMs === mtimeMs && cached.expiresAtMs - now() > REFRESH_MARGIN_MS) return cached
      let value: string
      try {
        value = readFileSync(path, 'utf8').trim()
      } catch (err) {
        throw fail('it cannot be read', err)
      }
      if (value === '') throw fail('it is empty')
      const exp = jwtExpiry(value)
      if (exp !== null && exp <= now()) throw fail(`the token in it expired at ${new Date(exp).toISOString()}`)
      cached = { value, expiresAtMs: exp ?? now() + OPAQUE_LIFETIME_MS, mtimeMs }
      return cached
    },
  }
}
