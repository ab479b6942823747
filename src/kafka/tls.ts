/**
 * node:tls options from a {@link TlsSpec} (plain data from the job's kafka.ssl.* options). Used
 * by the config check (a context is built once at load time, so a wrong password fails there)
 * and by every broker connection.
 */
import type { ConnectionOptions, SecureContextOptions } from 'node:tls'
import type { TlsSpec } from './sasl/types.js'

export function secureContextOptions(spec: TlsSpec): SecureContextOptions {
  const o: SecureContextOptions = {}
  if (spec.ca !== null) o.ca = spec.ca
  if (spec.pfx !== null) {
    o.pfx = Buffer.from(spec.pfx)
    o.passphrase = spec.keyPassphrase ?? ''
  } else if (spec.cert !== null && spec.key !== null) {
    o.cert = spec.cert
    o.key = spec.key
    if (spec.keyPassphrase !== null) o.passphrase = spec.keyPassphrase
  }
  return o
}

/** tls.connect options for one broker: SNI and, unless turned off, host name verification. */
export function tlsConnectOptions(spec: TlsSpec, host: string, port: number): ConnectionOptions {
  const o: ConnectionOptions = { ...secureContextOptions(spec), host, port, rejectUnauthorized: true }
  // SNI needs a name, not an IP literal.
  if (!/^[\d.]+$|:/.test(host)) o.servername = host
  if (!spec.verifyHostname) o.checkServerIdentity = () => undefined
  return o
}
