/**
 * The one wording of connection-security failures (TLS, SASL, a listener of another protocol),
 * shared by the workers' connections and the coordinator's probe: each names the listener
 * (host:port), the cause and the fix, and none is retriable (retrying a wrong password or an
 * untrusted certificate only delays the message). Messages never hold a secret.
 */
import { SluiceError } from '../errors.js'
import type { KafkaSecuritySpec } from './sasl/types.js'

export type Protocol = KafkaSecuritySpec['protocol']

const CERT_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
])
const CERT_DATES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])

function errCode(err: unknown): string {
  return String((err as { code?: unknown }).code ?? '')
}

/** A TLS-level failure as a security error, or null when it is an ordinary network error. */
export function tlsFailure(listener: string, protocol: Protocol, err: unknown, phase: 'handshake' | 'session'): SluiceError | null {
  const code = errCode(err)
  const msg = String((err as Error).message ?? err)
  const details = { broker: listener, reason: code || msg }
  if (CERT_DATES.has(code)) {
    return new SluiceError(
      'SLUICE_KAFKA_TLS_CERTIFICATE',
      `Kafka listener ${listener}: the broker's TLS certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'} (${code}). Renew the broker's certificate (or fix the clock of this host or the broker); sluice does not connect to a broker with an out-of-date certificate.`,
      { cause: err, details },
    )
  }
  if (CERT_UNTRUSTED.has(code)) {
    return new SluiceError(
      'SLUICE_KAFKA_TLS_CERTIFICATE',
      `Kafka listener ${listener}: the broker's TLS certificate is not signed by a CA sluice trusts (${code}). Give the CA that signed it in kafka.ssl.truststore.location (PEM) or kafka.ssl.truststore.certificates; without one only Node.js's public root CAs are trusted.`,
      { cause: err, details },
    )
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new SluiceError(
      'SLUICE_KAFKA_TLS_HOSTNAME',
      `Kafka listener ${listener}: the broker's TLS certificate does not name the host dialled (${msg}). Dial a name the certificate covers (kafka.bootstrap.servers, or the broker's advertised.listeners), reissue the certificate with that name in its subject alternative names, or, for tests only, set kafka.ssl.endpoint.identification.algorithm: "" to skip host name verification.`,
      { cause: err, details },
    )
  }
  if (/ALERT_CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_CERTIFICATE_EXPIRED|ALERT_CERTIFICATE_UNKNOWN|ALERT_HANDSHAKE_FAILURE|ALERT_ACCESS_DENIED/.test(code)) {
    return new SluiceError(
      'SLUICE_KAFKA_TLS_CLIENT_CERT',
      `Kafka listener ${listener}: the broker ended the TLS session (${code}): it requires a client certificate it trusts (ssl.client.auth=required). Set kafka.ssl.keystore.location (PKCS12 or PEM) or kafka.ssl.keystore.certificate.chain and kafka.ssl.keystore.key to a certificate signed by a CA in the broker's truststore, and check that it has not expired.`,
      { cause: err, details },
    )
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|UNKNOWN_PROTOCOL/.test(code) || (phase === 'handshake' && (code === 'ECONNRESET' || /before secure TLS connection/.test(msg)))) {
    return protocolMismatch(listener, protocol, 'the listener closed the connection during the TLS handshake or did not answer with TLS: it is a plaintext (PLAINTEXT or SASL_PLAINTEXT) listener', err)
  }
  return null
}

export function protocolMismatch(listener: string, protocol: Protocol, seen: string, cause?: unknown): SluiceError {
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL'
  const fix = tls
    ? 'set kafka.security.protocol to PLAINTEXT or SASL_PLAINTEXT as that listener expects, or dial the port of the broker\'s TLS listener'
    : 'set kafka.security.protocol to the listener\'s protocol (SSL or SASL_SSL for a TLS listener, SASL_PLAINTEXT for a SASL one; see the broker\'s listener.security.protocol.map), or dial the port of a listener with your protocol'
  return new SluiceError(
    'SLUICE_KAFKA_PROTOCOL_MISMATCH',
    `Kafka listener ${listener}: kafka.security.protocol is ${protocol}, but ${seen}. Fix: ${fix}.`,
    { cause, details: { broker: listener, expected: protocol, seen } },
  )
}

export function unsupportedMechanism(listener: string, mechanism: string, enabled: string[]): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_SASL_MECHANISM',
    `Kafka listener ${listener}: the broker does not enable SASL mechanism ${mechanism} on this listener; it enables ${enabled.length > 0 ? enabled.join(', ') : 'none'}. Set kafka.sasl.mechanism to one of those (with the matching login module in kafka.sasl.jaas.config), or dial the listener that enables ${mechanism}.`,
    { details: { broker: listener, mechanism, enabled } },
  )
}

export function authFailed(listener: string, mechanism: string, brokerMessage: string | null): SluiceError {
  const hint =
    mechanism === 'OAUTHBEARER'
      ? 'the broker rejected the OAUTHBEARER token: check its expiry, audience, issuer, scope and subject against the broker\'s validator'
      : `the username or password is wrong, or the user is unknown to the broker for ${mechanism} (Kafka does not say which${mechanism.startsWith('SCRAM') ? '; a SCRAM user exists per hash, so check it was created for this one' : ''}): fix the username and password in kafka.sasl.jaas.config`
  return new SluiceError(
    'SLUICE_KAFKA_AUTH_FAILED',
    `Kafka listener ${listener}: SASL ${mechanism} authentication failed${brokerMessage ? ` (broker: "${brokerMessage}")` : ''}. Likely cause: ${hint}; then restart.`,
    { details: { broker: listener, mechanism, brokerMessage } },
  )
}

/** A SluiceError thrown inside a mechanism (SCRAM's signature check, a token file) gets the listener. */
export function withListener(listener: string, err: SluiceError): SluiceError {
  if (err.message.includes(listener)) return err
  return new SluiceError(err.code as 'SLUICE_KAFKA_AUTH_FAILED', `Kafka listener ${listener}: ${err.message}`, {
    cause: err.cause,
    details: { ...(err.details as Record<string, unknown>), broker: listener },
  })
}
