/**
 * The SASL mechanism factory ({@link SaslMechanismFactory}): a SaslSpec (plain data from the job)
 * → the mechanism for one connection. Token providers are shared by every connection of the
 * thread (one token file read, one token fetched, for all of them).
 */
import type { BrokerAddress } from '../types.js'
import { awsMskIamMechanism } from './aws-msk-iam.js'
import { fileTokenProvider, oauthBearerMechanism } from './oauthbearer.js'
import { clientCredentialsTokenProvider } from './oidc-token.js'
import { plainMechanism } from './plain.js'
import { scramMechanism } from './scram.js'
import type { OAuthTokenSpec, SaslMechanism, SaslMechanismFactory, SaslSpec, TokenProvider } from './types.js'

export type { KafkaSecuritySpec, SaslMechanism, SaslSpec, TlsSpec, TokenProvider } from './types.js'

const providers = new Map<string, TokenProvider>()

/** The thread's shared provider for a token spec. */
export function tokenProvider(spec: OAuthTokenSpec): TokenProvider {
  const key = spec.kind === 'file' ? `file:${spec.path}` : `cc:${spec.endpointUrl}\u0000${spec.clientId}\u0000${spec.scope ?? ''}`
  let p = providers.get(key)
  if (p === undefined) {
    if (spec.kind === 'file') p = fileTokenProvider(spec.path)
    else p = clientCredentialsTokenProvider(spec)
    providers.set(key, p)
  }
  return p
}

export const createSaslMechanism: SaslMechanismFactory = (spec: SaslSpec, broker: BrokerAddress): SaslMechanism => {
  switch (spec.mechanism) {
    case 'PLAIN':
      return plainMechanism(spec.username, spec.password)
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512':
      return scramMechanism(spec.mechanism, spec.username, spec.password)
    case 'OAUTHBEARER':
      return oauthBearerMechanism(tokenProvider(spec.token), spec.extensions)
    case 'AWS_MSK_IAM':
      return awsMskIamMechanism(spec, broker)
  }
}
