/**
 * Certificates for the security tests, generated at test time with openssl (EC P-256, fast) in a
 * temporary directory: a CA, broker certificates signed by it (good: SAN 127.0.0.1 + localhost;
 * expired; for another host name), a client certificate for mutual TLS, and a second CA nobody
 * trusts. Broker stores are PKCS12 (Java reads them), client material is PEM and PKCS12.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCerts {
  dir: string
  /** CA certificate (PEM) that signed every broker and client certificate. */
  caPem: string
  /** Another CA (PEM) that signed nothing used here. */
  otherCaPem: string
  /** PKCS12 keystores for broker listeners, password {@link storePassword}. */
  brokerP12: string
  expiredP12: string
  wrongHostP12: string
  /** Client certificate: PEM chain, PEM key (unencrypted and encrypted with keyPassword), PKCS12. */
  clientCertPem: string
  clientKeyPem: string
  clientKeyEncryptedPem: string
  clientP12: string
  storePassword: string
  keyPassword: string
}

function tool(cmd: 'openssl' | 'keytool', args: string[], cwd?: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new Error(cmd === 'openssl'
        ? 'tls-certs: openssl is not installed; make test installs the Debian package openssl as root (mk/secwire.mk), or: sudo apt-get install -y openssl'
        : 'tls-certs: keytool is not installed; it comes with the JDK 17 that make kafka-real needs (apt-get install -y openjdk-17-jdk-headless)')
    }
    throw err
  }
}

function ossl(args: string[], cwd: string): void {
  tool('openssl', args, cwd)
}

function keyAndCsr(dir: string, name: string, cn: string): void {
  ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir)
}

function sign(dir: string, name: string, ca: string, days: number, san: string | null, clientAuth = false): void {
  const ext = join(dir, `${name}.ext`)
  const lines = [`extendedKeyUsage=${clientAuth ? 'clientAuth' : 'serverAuth'}`]
  if (san !== null) lines.push(`subjectAltName=${san}`)
  writeFileSync(ext, lines.join('\n') + '\n')
  ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', String(days), '-extfile', ext, '-out', `${name}.pem`], dir)
}

function p12(dir: string, name: string, password: string): string {
  ossl(['pkcs12', '-export', '-in', `${name}.pem`, '-inkey', `${name}.key`, '-out', `${name}.p12`, '-passout', `pass:${password}`, '-name', name], dir)
  return join(dir, `${name}.p12`)
}

function ca(dir: string, name: string): void {
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir)
}

export function makeTestCerts(storePassword = 'store-pw-1', keyPassword = 'key-pw-1'): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-certs-'))
  ca(dir, 'ca')
  ca(dir, 'other-ca')
  keyAndCsr(dir, 'broker', 'localhost')
  sign(dir, 'broker', 'ca', 30, 'IP:127.0.0.1,DNS:localhost')
  keyAndCsr(dir, 'expired', 'localhost')
  sign(dir, 'expired', 'ca', -1, 'IP:127.0.0.1,DNS:localhost')
  keyAndCsr(dir, 'wronghost', 'kafka.example.invalid')
  sign(dir, 'wronghost', 'ca', 30, 'DNS:kafka.example.invalid')
  keyAndCsr(dir, 'client', 'sluice-client')
  sign(dir, 'client', 'ca', 30, null, true)
  ossl(['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client-enc.key', '-passout', `pass:${keyPassword}`, '-v2', 'aes-256-cbc'], dir)
  return {
    dir,
    caPem: join(dir, 'ca.pem'),
    otherCaPem: join(dir, 'other-ca.pem'),
    brokerP12: p12(dir, 'broker', storePassword),
    expiredP12: p12(dir, 'expired', storePassword),
    wrongHostP12: p12(dir, 'wronghost', storePassword),
    clientCertPem: join(dir, 'client.pem'),
    clientKeyPem: join(dir, 'client.key'),
    clientKeyEncryptedPem: join(dir, 'client-enc.key'),
    clientP12: p12(dir, 'client', storePassword),
    storePassword,
    keyPassword,
  }
}

/** A PKCS12 truststore holding the CA, as keytool writes it (Java 17: PBES2, AES-256). */
export function makePkcs12Truststore(certs: TestCerts, password = 'p12-trust-pw'): string {
  const out = join(certs.dir, 'truststore.p12')
  tool('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', certs.caPem, '-keystore', out, '-storetype', 'PKCS12', '-storepass', password])
  return out
}

/** A JKS truststore holding the CA (keytool from the JDK the real broker needs anyway). */
export function makeJksTruststore(certs: TestCerts, password = 'jks-pw-1'): string {
  const out = join(certs.dir, 'truststore.jks')
  tool('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', certs.caPem, '-keystore', out, '-storetype', 'JKS', '-storepass', password])
  return out
}
