/**
 * The seam between the connection layer (src/kafka/broker-connection.ts: TLS, SaslHandshake,
 * SaslAuthenticate framing, re-authentication) and the SASL mechanisms (src/kafka/sasl/*.ts).
 * Everything in a *Spec type is plain data: it crosses the thread boundary to the workers inside
 * WriterTask.kafka and is turned into a mechanism there, per connection.
 */
import type { BrokerAddress } from '../types.js'

/** What the broker answered to one SaslAuthenticate request. */
export interface SaslReply {
  authBytes: Buffer
  /** KIP-368: the session lifetime the broker granted, 0 when it does not expire. */
  sessionLifetimeMs: number
}

/**
 * The client side of one mechanism on one connection. `exchange` sends one SaslAuthenticate
 * request with the given auth bytes and resolves with the broker's reply; it rejects with a
 * SluiceError when the broker answers with an error code (the connection layer words it).
 */
export interface SaslMechanism {
  readonly name: SaslMechanismName
  authenticate(exchange: (authBytes: Buffer) => Promise<SaslReply>): Promise<void>
}

export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER' | 'AWS_MSK_IAM'

/** An OAUTHBEARER token and when it stops being valid. */
export interface OAuthToken {
  value: string
  expiresAtMs: number
}

/** Hands out a valid token, fetching or re-reading it before expiry (shared by connections). */
export interface TokenProvider {
  token(): Promise<OAuthToken>
}

export type OAuthTokenSpec =
  | { kind: 'file'; path: string }
  | { kind: 'client-credentials'; endpointUrl: string; clientId: string; clientSecret: string; scope: string | null }

export type SaslSpec =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | { mechanism: 'OAUTHBEARER'; token: OAuthTokenSpec; extensions: Record<string, string> }
  | { mechanism: 'AWS_MSK_IAM'; region: string | null; profile: string | null; roleArn: string | null; roleSessionName: string | null }

/** TLS settings, already read from the truststore / keystore files (PEM text). */
export interface TlsSpec {
  /** Trusted CA certificates (PEM); null = Node's default roots. */
  ca: string[] | null
  /** Client certificate chain and key for mutual TLS (PEM), or null. */
  cert: string | null
  key: string | null
  /** Passphrase of `key`, or of `pfx`. */
  keyPassphrase: string | null
  /** Mutual TLS from a PKCS12 keystore (certificate chain and key), instead of cert/key; or null. */
  pfx: Uint8Array | null
  /** kafka.ssl.endpoint.identification.algorithm: 'https' (default) checks the host name. */
  verifyHostname: boolean
}

export interface KafkaSecuritySpec {
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  tls: TlsSpec | null
  sasl: SaslSpec | null
}

/** Builds the mechanism for one connection (AWS_MSK_IAM signs for the broker's host name). */
export type SaslMechanismFactory = (spec: SaslSpec, broker: BrokerAddress) => SaslMechanism
