/**
 * The validated `kafka.security.*` / `kafka.sasl.*` / `kafka.ssl.*` options → one
 * {@link KafkaSecuritySpec}: the JAAS entry parsed, truststore and keystore files read and checked
 * (a TLS context is built once here, so a wrong password or a file of the wrong type stops the
 * job at load time, not at the first connection). Plain data: the spec crosses to the workers.
 * No message here repeats a secret value.
 */
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { secureContextOptions } from '../kafka/tls.js'
import type { KafkaSecuritySpec, SaslSpec, TlsSpec } from '../kafka/sasl/types.js'
import { type JaasEntry, LOGIN_MODULES, parseJaas } from './jaas.js'
import { type Pkcs12Error, pkcs12Certificates } from './pkcs12.js'
import { ConfigCode, type Problems } from './problems.js'
import type { securityFields } from './security-schema.js'
import type { RawSource } from './source-schema.js'

type Raw = Pick<RawSource, keyof typeof securityFields>

const P = 'source.'

/** JKS files start with 0xFEEDFEED; PKCS12 is DER (0x30); PEM is text with -----BEGIN. */
function sniff(buf: Buffer): 'PEM' | 'PKCS12' | 'JKS' | null {
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0xfeedfeed) return 'JKS'
  if (buf.includes('-----BEGIN')) return 'PEM'
  if (buf[0] === 0x30) return 'PKCS12'
  return null
}

export function jksCommand(path: string): string {
  const out = path.replace(/\.jks$/i, '') + '.p12'
  return `keytool -importkeystore -srckeystore ${path} -srcstoretype JKS -destkeystore ${out} -deststoretype PKCS12`
}

interface StoreFile {
  type: 'PEM' | 'PKCS12'
  data: Buffer
}

function readStore(
  key: 'truststore' | 'keystore',
  path: string,
  declared: 'PEM' | 'PKCS12' | 'JKS' | undefined,
  problems: Problems,
): StoreFile | undefined {
  const field = `${P}kafka.ssl.${key}.location`
  let data: Buffer
  try {
    data = readFileSync(path)
  } catch (err) {
    const code = (err as { code?: string }).code
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message
    problems.add(ConfigCode.VALUE, field, `cannot read ${path}: ${why}. Give the path of the ${key} file (PEM or PKCS12) as this host sees it`)
    return undefined
  }
  const found = sniff(data)
  const type = declared ?? found
  if (type === 'JKS' || found === 'JKS') {
    problems.add(
      ConfigCode.UNSUPPORTED,
      field,
      `${path} is a JKS ${key}, which Node.js cannot read. Convert it to PKCS12 (the same password works) with: ${jksCommand(path)} — then point kafka.ssl.${key}.location at the .p12 file and set kafka.ssl.${key}.type: PKCS12`,
    )
    return undefined
  }
  if (type === null) {
    problems.add(ConfigCode.VALUE, field, `${path} is neither PEM text nor a PKCS12 file; give a PEM or PKCS12 ${key}`)
    return undefined
  }
  if (declared !== undefined && found !== null && declared !== found) {
    problems.add(
      ConfigCode.VALUE,
      `${P}kafka.ssl.${key}.type`,
      `says ${declared} but ${path} is a ${found} file: set kafka.ssl.${key}.type: ${found} (or leave it unset to recognise the file)`,
    )
    return undefined
  }
  return { type, data }
}

function pemCerts(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
}

/** Maps an OpenSSL error from createSecureContext to what the user did wrong. */
function tlsProblem(err: unknown, what: string): string {
  const m = String((err as Error).message ?? err)
  if (/mac verify failure|invalid password|pkcs12 .*(?:password|mac)/i.test(m)) return `${what}: the password is wrong (the PKCS12 integrity check failed); fix the store password`
  if (/bad decrypt|bad password|wrong password|unsupported.*decoder|DECODER routines::unsupported/i.test(m)) return `${what}: the private key cannot be decrypted, the key password is wrong or missing; set kafka.ssl.key.password (or the keystore password) to the key's password`
  if (/key values mismatch/i.test(m)) return `${what}: the private key does not belong to the first certificate of the chain; give the matching key`
  if (/no start line|not enough data|wrong tag|header too long|asn1/i.test(m)) return `${what}: not a valid PEM / PKCS12 content (${m}); check the file`
  return `${what}: cannot be used for TLS (${m}); check the file and passwords`
}

function truststore(raw: Raw, problems: Problems): string[] | null | undefined {
  const inline = raw['kafka.ssl.truststore.certificates']
  const path = raw['kafka.ssl.truststore.location']
  if (inline !== undefined && path !== undefined) {
    problems.add(ConfigCode.VALUE, `${P}kafka.ssl.truststore.certificates`, 'and kafka.ssl.truststore.location are both set: keep one')
    return undefined
  }
  if (inline !== undefined) {
    const certs = pemCerts(inline)
    if (certs.length === 0) {
      problems.add(ConfigCode.VALUE, `${P}kafka.ssl.truststore.certificates`, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----); paste the CA certificates in PEM')
      return undefined
    }
    return certs
  }
  if (path === undefined) return null
  const store = readStore('truststore', path, raw['kafka.ssl.truststore.type'], problems)
  if (store === undefined) return undefined
  let certs: string[]
  if (store.type === 'PKCS12') {
    try {
      certs = pkcs12Certificates(store.data, raw['kafka.ssl.truststore.password'] ?? '')
    } catch (err) {
      const e = err as Pkcs12Error
      const fix = e.kind === 'password'
        ? 'fix kafka.ssl.truststore.password'
        : `export its certificates to PEM with: openssl pkcs12 -in ${path} -nokeys -out ${path.replace(/\.(p12|pfx|pkcs12)$/i, '')}.pem, then point kafka.ssl.truststore.location at the .pem file`
      problems.add(ConfigCode.VALUE, `${P}kafka.ssl.truststore.${e.kind === 'password' ? 'password' : 'location'}`, `PKCS12 truststore ${path}: ${e.message}; ${fix}`)
      return undefined
    }
  } else certs = pemCerts(store.data.toString('utf8'))
  if (certs.length === 0) {
    problems.add(ConfigCode.VALUE, `${P}kafka.ssl.truststore.location`, `${path} holds no certificate; give the CA certificates (PEM or PKCS12)`)
    return undefined
  }
  return certs
}

interface Keystore {
  cert: string | null
  key: string | null
  pfx: Buffer | null
  passphrase: string | null
}

function keystore(raw: Raw, problems: Problems): Keystore | undefined {
  const chain = raw['kafka.ssl.keystore.certificate.chain']
  const inlineKey = raw['kafka.ssl.keystore.key']
  const path = raw['kafka.ssl.keystore.location']
  const keyPassword = raw['kafka.ssl.key.password'] ?? null
  const none: Keystore = { cert: null, key: null, pfx: null, passphrase: null }
  if ((chain !== undefined) !== (inlineKey !== undefined)) {
    const missing = chain === undefined ? 'kafka.ssl.keystore.certificate.chain' : 'kafka.ssl.keystore.key'
    problems.add(ConfigCode.VALUE, `${P}${missing}`, 'is required with the other inline keystore option: give both the certificate chain and the key (PEM)')
    return undefined
  }
  if (chain !== undefined && path !== undefined) {
    problems.add(ConfigCode.VALUE, `${P}kafka.ssl.keystore.location`, 'and the inline kafka.ssl.keystore.certificate.chain / .key are both set: keep one')
    return undefined
  }
  if (chain !== undefined) return { cert: chain, key: inlineKey!, pfx: null, passphrase: keyPassword }
  if (path === undefined) return none
  const store = readStore('keystore', path, raw['kafka.ssl.keystore.type'], problems)
  if (store === undefined) return undefined
  if (store.type === 'PKCS12') {
    return { cert: null, key: null, pfx: store.data, passphrase: raw['kafka.ssl.keystore.password'] ?? keyPassword ?? '' }
  }
  const text = store.data.toString('utf8')
  const key = text.match(/-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/)?.[0]
  const certs = pemCerts(text)
  if (key === undefined || certs.length === 0) {
    problems.add(ConfigCode.VALUE, `${P}kafka.ssl.keystore.location`, `${path} must hold a private key and its certificate chain in PEM; it has ${key === undefined ? 'no private key' : 'no certificate'}`)
    return undefined
  }
  return { cert: certs.join('\n'), key, pfx: null, passphrase: keyPassword ?? raw['kafka.ssl.keystore.password'] ?? null }
}

function tlsSpec(raw: Raw, problems: Problems): TlsSpec | undefined {
  const ca = truststore(raw, problems)
  const ks = keystore(raw, problems)
  if (ca === undefined || ks === undefined) return undefined
  const spec: TlsSpec = {
    ca,
    cert: ks.cert,
    key: ks.key,
    keyPassphrase: ks.passphrase,
    pfx: ks.pfx,
    verifyHostname: raw['kafka.ssl.endpoint.identification.algorithm'],
  }
  try {
    createSecureContext(secureContextOptions(spec))
  } catch (err) {
    const where = raw['kafka.ssl.keystore.location'] !== undefined ? 'kafka.ssl.keystore.location' : ks.cert !== null ? 'kafka.ssl.keystore.key' : 'kafka.ssl.truststore.location'
    const label = raw['kafka.ssl.keystore.location'] ?? (ks.cert !== null ? 'the inline key' : 'the truststore')
    problems.add(ConfigCode.VALUE, `${P}${where}`, tlsProblem(err, label))
    return undefined
  }
  return spec
}

function jaas(raw: Raw, problems: Problems): JaasEntry | null | undefined {
  const text = raw['kafka.sasl.jaas.config']
  if (text === undefined) return null
  const entry = parseJaas(text)
  if (typeof entry === 'string') {
    problems.add(ConfigCode.VALUE, `${P}kafka.sasl.jaas.config`, entry)
    return undefined
  }
  return entry
}

function moduleFor(mechanism: SaslSpec['mechanism']): string {
  if (mechanism === 'PLAIN') return LOGIN_MODULES.PLAIN
  if (mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') return LOGIN_MODULES.SCRAM
  return LOGIN_MODULES[mechanism]
}

function saslSpec(raw: Raw, problems: Problems): SaslSpec | undefined {
  const mechanism = raw['kafka.sasl.mechanism']
  const path = `${P}kafka.sasl.jaas.config`
  if (mechanism === undefined) {
    problems.add(
      ConfigCode.REQUIRED,
      `${P}kafka.sasl.mechanism`,
      `is required with kafka.security.protocol ${raw['kafka.security.protocol']}: set PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER or AWS_MSK_IAM (the Java default, GSSAPI, is not implemented)`,
    )
    return undefined
  }
  const entry = jaas(raw, problems)
  if (entry === undefined) return undefined
  const expected = moduleFor(mechanism)
  if (entry !== null && entry.module !== expected) {
    problems.add(ConfigCode.VALUE, path, `names the login module ${entry.module}, but kafka.sasl.mechanism ${mechanism} needs ${expected}`)
    return undefined
  }
  const opts = entry?.options ?? {}
  if (mechanism === 'PLAIN' || mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') {
    if (entry === null) {
      problems.add(ConfigCode.REQUIRED, path, `is required with ${mechanism}: write ${expected} required username="..." password="\${KAFKA_PASSWORD}";`)
      return undefined
    }
    const missing = ['username', 'password'].filter((k) => opts[k] === undefined || opts[k] === '')
    if (missing.length > 0) {
      problems.add(ConfigCode.VALUE, path, `has no ${missing.join(' and ')} option: ${mechanism} needs username="..." password="..."`)
      return undefined
    }
    return { mechanism, username: opts.username!, password: opts.password! }
  }
  if (mechanism === 'OAUTHBEARER') {
    const extensions: Record<string, string> = {}
    for (const [k, v] of Object.entries(opts)) if (k.startsWith('extension_')) extensions[k.slice('extension_'.length)] = v
    const file = raw['kafka.sasl.oauthbearer.token.file']
    const url = raw['kafka.sasl.oauthbearer.token.endpoint.url']
    if ((file === undefined) === (url === undefined)) {
      problems.add(
        ConfigCode.VALUE,
        `${P}kafka.sasl.oauthbearer.token.${file === undefined ? 'endpoint.url' : 'file'}`,
        file === undefined
          ? 'is required with OAUTHBEARER: set kafka.sasl.oauthbearer.token.endpoint.url (OIDC client credentials, with clientId and clientSecret in the JAAS entry) or kafka.sasl.oauthbearer.token.file (a token file)'
          : 'and kafka.sasl.oauthbearer.token.endpoint.url are both set: keep one source of tokens',
      )
      return undefined
    }
    if (file !== undefined) return { mechanism, token: { kind: 'file', path: file }, extensions }
    if (!/^https?:\/\/\S+$/.test(url!)) {
      problems.add(ConfigCode.VALUE, `${P}kafka.sasl.oauthbearer.token.endpoint.url`, 'is not an http(s) URL; write e.g. https://idp.example.com/oauth2/token')
      return undefined
    }
    const missing = ['clientId', 'clientSecret'].filter((k) => opts[k] === undefined || opts[k] === '')
    if (missing.length > 0) {
      problems.add(ConfigCode.VALUE, path, `${entry === null ? 'is required with kafka.sasl.oauthbearer.token.endpoint.url' : `has no ${missing.join(' and ')} option`}: write ${LOGIN_MODULES.OAUTHBEARER} required clientId="..." clientSecret="\${CLIENT_SECRET}" scope="...";`)
      return undefined
    }
    return {
      mechanism,
      token: { kind: 'client-credentials', endpointUrl: url!, clientId: opts.clientId!, clientSecret: opts.clientSecret!, scope: opts.scope ?? null },
      extensions,
    }
  }
  return {
    mechanism,
    region: opts.awsStsRegion ?? null,
    profile: opts.awsProfileName ?? null,
    roleArn: opts.awsRoleArn ?? null,
    roleSessionName: opts.awsRoleSessionName ?? null,
  }
}

/** The connection security of the job; undefined when a problem was reported. */
export function securitySpec(raw: Raw, problems: Problems): KafkaSecuritySpec | undefined {
  const protocol = raw['kafka.security.protocol']
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL'
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
  if (!usesSasl) {
    const set = (['kafka.sasl.mechanism', 'kafka.sasl.jaas.config', 'kafka.sasl.oauthbearer.token.endpoint.url', 'kafka.sasl.oauthbearer.token.file'] as const).find((k) => raw[k] !== undefined)
    if (set !== undefined) {
      problems.add(ConfigCode.VALUE, `${P}${set}`, `is set but kafka.security.protocol is ${protocol}, which does not use SASL: set kafka.security.protocol to ${usesTls ? 'SASL_SSL' : 'SASL_PLAINTEXT or SASL_SSL'}, or remove the SASL options`)
      return undefined
    }
  }
  if (!usesTls) {
    const set = (Object.keys(raw) as (keyof Raw)[]).find((k) => k.startsWith('kafka.ssl.') && k !== 'kafka.ssl.endpoint.identification.algorithm' && raw[k] !== undefined)
    if (set !== undefined) {
      problems.add(ConfigCode.VALUE, `${P}${set}`, `is set but kafka.security.protocol is ${protocol}, which does not use TLS: set kafka.security.protocol to ${usesSasl ? 'SASL_SSL' : 'SSL'}, or remove the kafka.ssl.* options`)
      return undefined
    }
  }
  const tls = usesTls ? tlsSpec(raw, problems) : null
  const sasl = usesSasl ? saslSpec(raw, problems) : null
  if (tls === undefined || sasl === undefined) return undefined
  return { protocol, tls, sasl }
}
