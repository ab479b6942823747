/**
 * The job's connection security on the coordinator side: kafkajs `ssl` and `sasl` options from a
 * KafkaSecuritySpec (PLAIN and SCRAM natively; OAUTHBEARER through `oauthBearerProvider` backed
 * by the same TokenProvider the wire client uses; AWS_MSK_IAM through kafkajs' custom
 * `authenticationProvider`, adapted from the SaslMechanism), and the start-up probe: one
 * connection with sluice's own client (TLS, ApiVersions, SASL, one Metadata request) to the
 * bootstrap servers, so a wrong password, an untrusted certificate or a listener of another
 * protocol stops the query at once with one paragraph naming the listener, instead of kafkajs'
 * retries and generic messages.
 */
import type { KafkaConfig, SASLOptions, Mechanism } from 'kafkajs'
import { SluiceError, isSluiceError } from '../errors.js'
import { BrokerConnection } from '../kafka/broker-connection.js'
import { protocolMismatch } from '../kafka/connection-errors.js'
import { createSaslMechanism, tokenProvider } from '../kafka/sasl/index.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import { tlsConnectOptions } from '../kafka/tls.js'

/** The kafkajs client options for `spec` (none for PLAINTEXT). */
export function kafkajsSecurity(spec: KafkaSecuritySpec | null | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (spec == null || spec.protocol === 'PLAINTEXT') return {}
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}
  if (spec.tls !== null) {
    // host and port are kafkajs' per connection; servername (SNI) too.
    const { host: _h, port: _p, servername: _s, ...ssl } = tlsConnectOptions(spec.tls, 'broker.invalid', 0)
    out.ssl = ssl
  }
  const sasl = spec.sasl
  if (sasl === null) return out
  switch (sasl.mechanism) {
    case 'PLAIN':
      out.sasl = { mechanism: 'plain', username: sasl.username, password: sasl.password }
      break
    case 'SCRAM-SHA-256':
      out.sasl = { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password }
      break
    case 'SCRAM-SHA-512':
      out.sasl = { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password }
      break
    case 'OAUTHBEARER': {
      const extensions = sasl.extensions
      const provider = tokenProvider(sasl.token)
      const oauth = {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await provider.token()).value, extensions }),
      }
      out.sasl = oauth as SASLOptions
      break
    }
    case 'AWS_MSK_IAM': {
      const mechanism: Mechanism = {
        mechanism: 'AWS_MSK_IAM',
        authenticationProvider: ({ host, port, saslAuthenticate }) => ({
          authenticate: async () => {
            await createSaslMechanism(sasl, { nodeId: -1, host, port }).authenticate(async (authBytes) => {
              const reply = await saslAuthenticate<Buffer>({
                request: { encode: () => authBytes },
                response: { decode: (raw) => raw, parse: (data) => data },
              })
              return { authBytes: reply ?? Buffer.alloc(0), sessionLifetimeMs: 0 }
            })
          },
        }),
      }
      out.sasl = mechanism
      break
    }
  }
  return out
}

const API_METADATA = 3

/**
 * Connects to the bootstrap servers in order with the job's security until one completes the
 * handshake and answers a Metadata request. A security failure (not retriable) is thrown at
 * once; when every server is unreachable, the last network error is returned for the caller to
 * let kafkajs report (and retry) as usual.
 */
export async function probeSecurity(servers: string[], clientId: string, timeoutMs: number, spec: KafkaSecuritySpec): Promise<void> {
  for (const server of servers) {
    const sep = server.lastIndexOf(':')
    const host = server.slice(0, sep).replace(/^\[|\]$/g, '')
    const conn = new BrokerConnection({ nodeId: -1, host, port: Number(server.slice(sep + 1)) }, clientId, Math.min(timeoutMs, 15_000), spec, { probe: true })
    try {
      await conn.connect()
      try {
        // Metadata v1 for no topic: a SASL listener dialled without SASL hangs up here.
        await conn.request(API_METADATA, 1, (w) => w.int32(0))
      } catch (err) {
        if (isSluiceError(err) && !err.retriable) throw err
        if (spec.sasl === null) {
          throw protocolMismatch(server, spec.protocol, 'the broker closed the connection at the first request after ApiVersions: it is most likely a SASL (SASL_PLAINTEXT or SASL_SSL) listener that expects authentication', err)
        }
        throw err
      }
      return
    } catch (err) {
      if (isSluiceError(err) && !err.retriable) throw err
      // unreachable: try the next server
    } finally {
      await conn.close().catch(() => {})
    }
  }
}

/** A kafkajs failure as a security error (SASL rejected, TLS), or null. */
export function kafkajsSecurityError(servers: string[], spec: KafkaSecuritySpec | null | undefined, err: unknown): SluiceError | null {
  let e = err as { name?: string; message?: string; originalError?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 5 && e; i++) {
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      const mechanism = spec?.sasl?.mechanism ?? 'SASL'
      return new SluiceError(
        'SLUICE_KAFKA_AUTH_FAILED',
        `Kafka bootstrap servers ${servers.join(',')}: SASL ${mechanism} authentication failed (${e.message ?? 'rejected'}). Check the credentials in kafka.sasl.jaas.config (never shown) and the mechanism the listener enables; then restart.`,
        { cause: err, details: { broker: servers.join(','), mechanism, brokerMessage: e.message ?? null } },
      )
    }
    e = (e.originalError ?? e.cause) as typeof e
  }
  return null
}

/** What logs, status and metrics may say about the connection security: never a credential. */
export function securitySummary(spec: KafkaSecuritySpec): { protocol: string; mechanism: string | null } {
  return { protocol: spec.protocol, mechanism: spec.sasl?.mechanism ?? null }
}

/** The start-up warning for kafka.ssl.endpoint.identification.algorithm: "". */
export function warnInsecure(spec: KafkaSecuritySpec, log: { warn(obj: object, msg: string): void }): void {
  if (spec.tls?.verifyHostname !== false) return
  log.warn(
    { kafkaSecurity: securitySummary(spec) },
    'kafka.ssl.endpoint.identification.algorithm is empty: broker host names are NOT verified, so any certificate signed by a trusted CA is accepted (whoever holds one can read and alter the traffic); set it to https outside tests',
  )
}
