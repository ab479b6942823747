/**
 * SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka runs it: client-first,
 * server-first (nonce, salt, iterations), client-final with the proof, server-final with the
 * server's signature, which is verified (a broker that does not know the password cannot
 * produce it). node:crypto only. Errors never include the password or derived keys.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { SluiceError } from '../../errors.js'
import type { SaslMechanism } from './types.js'

type Hash = 'sha256' | 'sha512'

/** RFC 5802 saslname: ',' and '=' escaped. */
function saslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1))
  }
  return out
}

function hmac(hash: Hash, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(hash, key).update(data).digest()
}

export interface ScramProof {
  clientFinal: string
  serverSignature: Buffer
}

/** The client-final message and the expected server signature (exported for the RFC test vectors). */
export function scramProof(hash: Hash, password: string, clientFirstBare: string, serverFirst: string, clientNonce: string): ScramProof {
  const attrs = attributes(serverFirst)
  const nonce = attrs.get('r')
  const salt = attrs.get('s')
  const iterations = Number(attrs.get('i'))
  if (nonce === undefined || salt === undefined || !Number.isSafeInteger(iterations) || iterations < 1) {
    throw new Error('the server-first message lacks a nonce, salt or iteration count')
  }
  if (!nonce.startsWith(clientNonce)) throw new Error('the server nonce does not extend the client nonce')
  const keyLength = hash === 'sha256' ? 32 : 64
  const salted = pbkdf2Sync(password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, keyLength, hash)
  const clientKey = hmac(hash, salted, 'Client Key')
  const storedKey = createHash(hash).update(clientKey).digest()
  const withoutProof = `c=biws,r=${nonce}`
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
  const signature = hmac(hash, storedKey, authMessage)
  const proof = Buffer.alloc(clientKey.length)
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!
  const serverKey = hmac(hash, salted, 'Server Key')
  return { clientFinal: `${withoutProof},p=${proof.toString('base64')}`, serverSignature: hmac(hash, serverKey, authMessage) }
}

export function scramMechanism(
  name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  username: string,
  password: string,
  nonce: () => string = () => randomBytes(24).toString('base64url'),
): SaslMechanism {
  const hash: Hash = name === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
  return {
    name,
    async authenticate(exchange) {
      const clientNonce = nonce()
      const clientFirstBare = `n=${saslName(username)},r=${clientNonce}`
      const first = await exchange(Buffer.from(`n,,${clientFirstBare}`, 'utf8'))
      const serverFirst = first.authBytes.toString('utf8')
      let proof: ScramProof
      try {
        proof = scramProof(hash, password, clientFirstBare, serverFirst, clientNonce)
      } catch (err) {
        throw new SluiceError('SLUICE_KAFKA_AUTH_FAILED', `${name}: the broker's first SCRAM message is malformed (${(err as Error).message}); the listener may not be a Kafka SCRAM listener.`, { details: { mechanism: name } })
      }
      const last = await exchange(Buffer.from(proof.clientFinal, 'utf8'))
      const attrs = attributes(last.authBytes.toString('utf8'))
      const e = attrs.get('e')
      if (e !== undefined) {
        throw new SluiceError('SLUICE_KAFKA_AUTH_FAILED', `${name}: the broker refused the credentials (${e}); check the username and password in kafka.sasl.jaas.config.`, { details: { mechanism: name, brokerMessage: e } })
      }
      const v = Buffer.from(attrs.get('v') ?? '', 'base64')
      if (v.length !== proof.serverSignature.length || !timingSafeEqual(v, proof.serverSignature)) {
        throw new SluiceError(
          'SLUICE_KAFKA_AUTH_FAILED',
          `${name}: the broker's server signature does not match: it does not hold this user's SCRAM credentials (a man in the middle, or a broker that accepts any password). sluice does not continue on such a connection; check that the bootstrap servers are your brokers.`,
          { details: { mechanism: name } },
        )
      }
    },
  }
}
