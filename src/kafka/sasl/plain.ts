/**
 * SASL PLAIN (RFC 4616): one message, `authzid NUL authcid NUL password`, with an empty authzid
 * as the Java client sends it. Only over TLS does this keep the password from the network.
 */
import type { SaslMechanism } from './types.js'

export function plainMechanism(username: string, password: string): SaslMechanism {
  return {
    name: 'PLAIN',
    async authenticate(exchange) {
      await exchange(Buffer.from(`\u0000${username}\u0000${password}`, 'utf8'))
    },
  }
}
