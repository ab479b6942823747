/**
 * Codes of Kafka connection security (TLS, SASL): raised by the connection layer
 * (src/kafka/broker-connection.ts, src/kafka/sasl/) in the coordinator and in every worker, and by
 * the coordinator's kafkajs admin. None is retriable: a wrong password or an untrusted certificate
 * does not fix itself, so the query stops at once instead of retrying. Part of the Kafka area.
 */
import type { ErrorCodeInfo } from './types.js'

export const KAFKA_SECURITY_CODES = {
  SLUICE_KAFKA_AUTH_FAILED: {
    meaning: 'The broker rejected the SASL credentials',
    retriable: false,
    what: 'SASL authentication with the listener (host:port named) failed: the broker answered SaslAuthenticate with an error.',
    why:
      'a wrong password, a user the broker does not know (Kafka answers both the same way, on purpose), a SCRAM user created for the other hash (SCRAM-SHA-256 vs -512), or an OAUTHBEARER token the broker rejects (expired, wrong audience or issuer; the broker\'s status is quoted).',
    todo:
      'check the username and password in `kafka.sasl.jaas.config` (the value is never shown), that the user exists for this mechanism (`kafka-configs --describe --entity-type users`), or the token\'s claims; then restart.',
    details: '`broker` (host:port), `mechanism`, `brokerMessage` (the broker\'s text, which never holds the secret).',
  },
  SLUICE_KAFKA_SASL_MECHANISM: {
    meaning: 'The listener does not enable the SASL mechanism',
    retriable: false,
    what: 'the listener answered SaslHandshake with UNSUPPORTED_SASL_MECHANISM; the message names the mechanisms it enables.',
    why: '`kafka.sasl.mechanism` differs from the listener\'s `sasl.enabled.mechanisms`, or the bootstrap address is another listener of the broker.',
    todo: 'set `kafka.sasl.mechanism` to one the listener enables (listed), or dial the listener that has yours.',
    details: '`broker`, `mechanism`, `enabled` (the broker\'s list).',
  },
  SLUICE_KAFKA_TLS_CERTIFICATE: {
    meaning: 'The broker\'s TLS certificate is not trusted or not valid',
    retriable: false,
    what: 'the TLS handshake with the listener failed because its certificate is not signed by a trusted CA, is self-signed, has expired or is not valid yet.',
    why: 'the broker\'s CA is not in `kafka.ssl.truststore.location` / `.certificates` (without one, only Node\'s public roots are trusted), or the certificate\'s validity period does not include now.',
    todo: 'give the CA that signed the broker certificate in `kafka.ssl.truststore.location` (PEM) or `kafka.ssl.truststore.certificates`; renew an expired certificate on the broker.',
    details: '`broker`, `reason` (Node\'s verification code, e.g. `CERT_HAS_EXPIRED`, `SELF_SIGNED_CERT_IN_CHAIN`).',
  },
  SLUICE_KAFKA_TLS_HOSTNAME: {
    meaning: 'The broker\'s certificate does not name the host dialled',
    retriable: false,
    what: 'host name verification failed: the certificate\'s subject alternative names do not include the host sluice dialled.',
    why: 'the broker advertises (or the bootstrap list names) an address its certificate does not cover, e.g. an IP address with a certificate for a DNS name.',
    todo: 'dial the names in the certificate (fix `kafka.bootstrap.servers` or the broker\'s `advertised.listeners`), reissue the certificate with the right SANs, or, only for tests, set `kafka.ssl.endpoint.identification.algorithm: ""`.',
    details: '`broker`, `reason`.',
  },
  SLUICE_KAFKA_TLS_CLIENT_CERT: {
    meaning: 'The broker rejected the client certificate',
    retriable: false,
    what: 'the listener requires a client certificate (`ssl.client.auth=required`) and closed the TLS session: none was given, or it is not signed by a CA the broker trusts.',
    why: '`kafka.ssl.keystore.*` is not set, or names a certificate the broker\'s truststore does not accept (or an expired one).',
    todo: 'set `kafka.ssl.keystore.location` (PKCS12 or PEM) or `kafka.ssl.keystore.certificate.chain` / `.key` to a certificate signed by a CA in the broker\'s `ssl.truststore`.',
    details: '`broker`, `reason`.',
  },
  SLUICE_KAFKA_PROTOCOL_MISMATCH: {
    meaning: 'The listener speaks another security protocol',
    retriable: false,
    what: 'the listener did not answer as `kafka.security.protocol` expects: a TLS listener dialled as plaintext, a plaintext listener dialled with TLS, or a SASL listener dialled without SASL (the message says which was seen).',
    why: '`kafka.security.protocol` does not match the listener at that port (brokers often have several: 9092 plaintext, 9093 TLS, 9094 SASL), or the broker advertises another listener than the one dialled.',
    todo: 'set `kafka.security.protocol` to the listener\'s protocol (`listener.security.protocol.map` on the broker), or dial the port of the listener you configured.',
    details: '`broker`, `expected` (the configured protocol), `seen`.',
  },
  SLUICE_KAFKA_TOKEN: {
    meaning: 'No valid OAUTHBEARER token is available',
    retriable: false,
    what: 'the OAUTHBEARER token could not be obtained: the token file is missing, empty or holds an expired token, or the token provider failed.',
    why: '`kafka.sasl.oauthbearer.token.file` names a file that is not (or no longer) refreshed by its writer, or the identity provider refused the client credentials.',
    todo: 'make sure the file exists and is kept fresh (a projected token, a sidecar), or check the client id, secret and scope; then restart.',
    details: '`file` or `endpoint`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>
