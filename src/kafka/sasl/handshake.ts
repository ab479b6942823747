/**
 * SASL on one connection, after ApiVersions: SaslHandshake v1 (the mechanism; the broker answers
 * with the ones it enables) then SaslAuthenticate v1 frames carrying the mechanism's messages
 * (KIP-152), whose last answer gives the session lifetime (KIP-368). The same sequence
 * re-authenticates a live connection. Broker errors are worded by connection-errors.ts.
 */
import { isSluiceError } from '../../errors.js'
import type { BrokerConnection } from '../broker-connection.js'
import { authFailed, unsupportedMechanism, withListener } from '../connection-errors.js'
import { API_SASL_AUTHENTICATE, API_SASL_HANDSHAKE, ResponseReader } from '../protocol-codec.js'
import { createSaslMechanism } from './index.js'
import type { SaslReply, SaslSpec } from './types.js'

const UNSUPPORTED_SASL_MECHANISM = 33

/** Authenticates `conn`; resolves with the session lifetime in ms (0 = no expiry). */
export async function saslAuthenticate(conn: BrokerConnection, spec: SaslSpec, listener: string, reauth = false): Promise<number> {
  const name = spec.mechanism
  const hs = new ResponseReader(await conn.saslRequest(API_SASL_HANDSHAKE, 1, (w) => w.string(name)))
  const code = hs.int16()
  const enabled: string[] = []
  for (let i = 0, n = hs.int32(); i < n; i++) enabled.push(hs.string() ?? '')
  if (code === UNSUPPORTED_SASL_MECHANISM) throw unsupportedMechanism(listener, name, enabled)
  if (code !== 0) throw authFailed(listener, name, `SaslHandshake error code ${code}${reauth ? ' on re-authentication' : ''}`)
  let lifetime = 0
  const exchange = async (authBytes: Buffer): Promise<SaslReply> => {
    const r = new ResponseReader(await conn.saslRequest(API_SASL_AUTHENTICATE, 1, (w) => w.bytes(authBytes)))
    const err = r.int16()
    const message = r.string()
    const bytes = Buffer.from(r.bytes())
    const sessionLifetimeMs = r.int64()
    if (err !== 0) throw authFailed(listener, name, message ?? `error code ${err}`)
    lifetime = sessionLifetimeMs
    return { authBytes: bytes, sessionLifetimeMs }
  }
  try {
    await createSaslMechanism(spec, conn.broker).authenticate(exchange)
  } catch (err) {
    throw isSluiceError(err) ? withListener(listener, err) : err
  }
  return lifetime
}
