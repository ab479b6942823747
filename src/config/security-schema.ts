/**
 * The Kafka security options of the `source` section, under the Java client's names (as Spark
 * passes them on with the `kafka.` prefix). Spread into sourceSchema; turned into a
 * KafkaSecuritySpec (files read, JAAS parsed) by security.ts. Messages about secret options never
 * repeat the value.
 */
import { Bad, choice, def, field, opt, text } from './fields.js'
import { show } from './problems.js'

/** A string option whose value must never appear in a message (passwords, keys, JAAS lines). */
function secret(what: string) {
  return field<string>((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') return new Bad(`expected ${what} as a string (value not shown)`)
    const s = String(v)
    if (s.trim() === '') return new Bad(`is empty: give ${what} (value not shown)`)
    return s
  })
}

/** kafka.ssl.endpoint.identification.algorithm: "https" (host name verified) or "" (off). */
const endpointIdentification = field<boolean>((v) => {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : undefined
  if (s === 'https') return true
  if (s === '') return false
  return new Bad(`expected "https" (verify the broker's host name, the default) or "" (do not), got ${show(v)}`)
})

const STORE_TYPES = ['PEM', 'PKCS12', 'JKS'] as const

/** Callback handler classes Java job files name for the mechanisms sluice implements itself. */
export const CALLBACK_HANDLERS = [
  'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
] as const

function handler() {
  return field<string>((v) => {
    const s = typeof v === 'string' ? v.trim() : ''
    if ((CALLBACK_HANDLERS as readonly string[]).includes(s)) return s
    return new Bad(
      `${show(v)} is not a handler sluice knows: sluice implements the mechanisms itself and accepts only ${CALLBACK_HANDLERS.join(', ')} (for AWS_MSK_IAM and OAUTHBEARER client credentials); remove it otherwise`,
    )
  })
}

export const securityFields = {
  'kafka.security.protocol': def(
    choice({ values: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const }),
    'PLAINTEXT',
    {
      type: 'PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL',
      default: 'PLAINTEXT',
      spark: 'kafka.security.protocol',
      description:
        'How every connection to the brokers is made, in the coordinator and in every worker: plain TCP, TLS, SASL over TCP, or SASL over TLS (as the Java client).',
    },
  ),
  'kafka.sasl.mechanism': opt(
    choice({
      values: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'AWS_MSK_IAM'] as const,
      unsupported: { GSSAPI: 'Kerberos (GSSAPI) is not implemented; use SCRAM, OAUTHBEARER or a listener with another mechanism' },
    }),
    {
      type: 'PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER | AWS_MSK_IAM',
      default: '(required with SASL_*)',
      spark: 'kafka.sasl.mechanism',
      description:
        "The SASL mechanism with SASL_PLAINTEXT / SASL_SSL. The Java client's default, GSSAPI (Kerberos), is not implemented, so it must be set.",
    },
  ),
  'kafka.sasl.jaas.config': opt(secret('a JAAS entry'), {
    type: 'JAAS entry',
    spark: 'kafka.sasl.jaas.config',
    description:
      'The login module and its options in the Java form, with `${VAR}` interpolation: `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="${KAFKA_PASSWORD}";` (PlainLoginModule for PLAIN; OAuthBearerLoginModule with clientId, clientSecret, scope and extension_<name> options; software.amazon.msk.auth.iam.IAMLoginModule with awsProfileName, awsRoleArn, awsRoleSessionName). Never shown in messages, logs or status.',
  }),
  'kafka.sasl.oauthbearer.token.endpoint.url': opt(text('https://idp.example.com/oauth2/token'), {
    type: 'URL',
    spark: 'kafka.sasl.oauthbearer.token.endpoint.url',
    description:
      'OAUTHBEARER: the OIDC token endpoint; tokens are fetched with the client-credentials grant (clientId, clientSecret, scope from the JAAS entry) and refreshed before they expire.',
  }),
  'kafka.sasl.oauthbearer.token.file': opt(text('/var/run/secrets/kafka/token'), {
    type: 'path',
    spark: '(none; sluice extension)',
    description:
      'OAUTHBEARER: a file holding the token (a JWT, e.g. a projected Kubernetes token); read again before the token in it expires (its `exp` claim) and at every new connection.',
  }),
  'kafka.sasl.client.callback.handler.class': opt(handler(), {
    type: 'class name',
    spark: 'kafka.sasl.client.callback.handler.class',
    description: `Accepted for job files written for the Java client: ${CALLBACK_HANDLERS.join(', ')}. sluice implements the mechanism itself; any other class is refused.`,
  }),
  'kafka.sasl.login.callback.handler.class': opt(handler(), {
    type: 'class name',
    spark: 'kafka.sasl.login.callback.handler.class',
    description: 'As kafka.sasl.client.callback.handler.class (Java names the OAuth client-credentials handler here).',
  }),
  'kafka.ssl.truststore.location': opt(text('/etc/kafka/ca.pem'), {
    type: 'path',
    spark: 'kafka.ssl.truststore.location',
    description:
      "CA certificates to trust (PEM or PKCS12), read at start. Unset: Node's default roots (public CAs). JKS is refused with the keytool command that converts it.",
  }),
  'kafka.ssl.truststore.password': opt(secret('the truststore password'), {
    type: 'string',
    spark: 'kafka.ssl.truststore.password',
    description: 'Password of a PKCS12 truststore (not needed for PEM).',
  }),
  'kafka.ssl.truststore.type': opt(choice({ values: STORE_TYPES }), {
    type: 'PEM | PKCS12 | JKS',
    default: '(from the file)',
    spark: 'kafka.ssl.truststore.type',
    description: 'Format of the truststore file; when unset it is recognised from the content.',
  }),
  'kafka.ssl.truststore.certificates': opt(secret('PEM certificates'), {
    type: 'PEM text',
    spark: 'kafka.ssl.truststore.certificates',
    description: 'CA certificates inline (PEM), instead of a truststore file.',
  }),
  'kafka.ssl.keystore.location': opt(text('/etc/kafka/client.p12'), {
    type: 'path',
    spark: 'kafka.ssl.keystore.location',
    description: 'Mutual TLS: the client certificate chain and key (PKCS12, or PEM with the key and the chain), read at start.',
  }),
  'kafka.ssl.keystore.password': opt(secret('the keystore password'), {
    type: 'string',
    spark: 'kafka.ssl.keystore.password',
    description: 'Password of a PKCS12 keystore.',
  }),
  'kafka.ssl.keystore.type': opt(choice({ values: STORE_TYPES }), {
    type: 'PEM | PKCS12 | JKS',
    default: '(from the file)',
    spark: 'kafka.ssl.keystore.type',
    description: 'Format of the keystore file; when unset it is recognised from the content.',
  }),
  'kafka.ssl.keystore.certificate.chain': opt(secret('a PEM certificate chain'), {
    type: 'PEM text',
    spark: 'kafka.ssl.keystore.certificate.chain',
    description: 'Mutual TLS: the client certificate chain inline (PEM), with kafka.ssl.keystore.key.',
  }),
  'kafka.ssl.keystore.key': opt(secret('a PEM private key'), {
    type: 'PEM text',
    spark: 'kafka.ssl.keystore.key',
    description: 'Mutual TLS: the private key inline (PEM, encrypted with kafka.ssl.key.password or not).',
  }),
  'kafka.ssl.key.password': opt(secret('the key password'), {
    type: 'string',
    spark: 'kafka.ssl.key.password',
    description: 'Password of the private key (PEM key encrypted, or a PKCS12 key protected apart from its store).',
  }),
  'kafka.ssl.endpoint.identification.algorithm': def(endpointIdentification, true, {
    type: '"https" | ""',
    default: 'https',
    spark: 'kafka.ssl.endpoint.identification.algorithm',
    description:
      'https: the broker certificate must name the host dialled (as the Java client). "" turns the check off (a warning is logged at start): any certificate signed by a trusted CA is accepted.',
  }),
}
