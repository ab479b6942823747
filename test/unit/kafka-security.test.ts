/**
 * Kafka security without a broker: the JAAS parser, the kafka.security / sasl / ssl options as
 * the config turns them into a KafkaSecuritySpec (files read at load time, with their errors),
 * SCRAM against RFC 7677's test vector, OAUTHBEARER framing and the token file provider. Against
 * the real broker: test/integration/kafka-real-security*.test.ts.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parseJaas } from '../../src/config/jaas.js'
import { isSluiceError } from '../../src/errors.js'
import { fileTokenProvider, jwtExpiry, oauthInitialResponse } from '../../src/kafka/sasl/oauthbearer.js'
import { scramMechanism, scramProof } from '../../src/kafka/sasl/scram.js'
import type { SaslReply } from '../../src/kafka/sasl/types.js'
import { type TestCerts, makeJksTruststore, makePkcs12Truststore, makeTestCerts } from '../helpers/tls-certs.js'
import { fails, job, parse } from './config-helpers.js'

const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule'
const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule'

describe('JAAS parser', () => {
  test('the Java form, quoted and bare values, escapes', () => {
    assert.deepEqual(parseJaas(`${SCRAM} required username="alice" password="p;a\\"ss w=rd";`), {
      module: SCRAM,
      flag: 'required',
      options: { username: 'alice', password: 'p;a"ss w=rd' },
    })
    assert.deepEqual(parseJaas(`  software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=dev\n awsRoleArn="arn:aws:iam::1:role/r" ;  `), {
      module: 'software.amazon.msk.auth.iam.IAMLoginModule',
      flag: 'required',
      options: { awsProfileName: 'dev', awsRoleArn: 'arn:aws:iam::1:role/r' },
    })
    assert.deepEqual(parseJaas(`${OAUTH} required;`), { module: OAUTH, flag: 'required', options: {} })
  })

  test('malformed entries are explained without repeating values', () => {
    const cases: [string, RegExp][] = [
      ['', /login module class/],
      [`${SCRAM} username="a" password="secret-1";`, /control flag/],
      [`${SCRAM} required username="a" password="secret-1"`, /does not end with ";"/],
      [`${SCRAM} required username="a" password="secret-1;`, /no closing quote/],
      [`${SCRAM} required username password="secret-1";`, /option username has no value/],
      [`${SCRAM} required password="secret-1" password="secret-1";`, /twice/],
      [`${SCRAM} required password="secret-1"; ${PLAIN} required;`, /one login module entry/],
    ]
    for (const [text, want] of cases) {
      const out = parseJaas(text)
      assert.equal(typeof out, 'string', text)
      assert.match(out as string, want)
      assert.ok(!(out as string).includes('secret-1'), `message repeats the value: ${out as string}`)
    }
  })
})

describe('SASL options', () => {
  const sasl = (extra: Record<string, unknown>) => job({ source: { 'kafka.security.protocol': 'SASL_PLAINTEXT', ...extra } })

  test('SCRAM from a JAAS line with ${VAR} interpolation', () => {
    const j = parse(sasl({ 'kafka.sasl.mechanism': 'scram-sha-512', 'kafka.sasl.jaas.config': `${SCRAM} required username="alice" password="\${KAFKA_PW}";` }), { env: { KAFKA_PW: 'from-env' } })
    assert.deepEqual(j.source.kafka.security, { protocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'from-env' } })
  })

  test('OAUTHBEARER: a token file with extensions, or client credentials', () => {
    const a = parse(sasl({ 'kafka.sasl.mechanism': 'OAUTHBEARER', 'kafka.sasl.oauthbearer.token.file': '/t', 'kafka.sasl.jaas.config': `${OAUTH} required extension_traceId="abc";` }))
    assert.deepEqual(a.source.kafka.security.sasl, { mechanism: 'OAUTHBEARER', token: { kind: 'file', path: '/t' }, extensions: { traceId: 'abc' } })
    const b = parse(sasl({
      'kafka.sasl.mechanism': 'OAUTHBEARER',
      'kafka.sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
      'kafka.sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'kafka.sasl.jaas.config': `${OAUTH} required clientId="c" clientSecret="s" scope="kafka";`,
    }))
    assert.deepEqual(b.source.kafka.security.sasl, {
      mechanism: 'OAUTHBEARER',
      token: { kind: 'client-credentials', endpointUrl: 'https://idp.example/token', clientId: 'c', clientSecret: 's', scope: 'kafka' },
      extensions: {},
    })
  })

  test('AWS_MSK_IAM with or without a JAAS line', () => {
    const a = parse(job({ source: { 'kafka.security.protocol': 'SASL_SSL', 'kafka.sasl.mechanism': 'AWS_MSK_IAM', 'kafka.sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName="dev" awsRoleArn="arn:aws:iam::1:role/r" awsRoleSessionName="s";', 'kafka.sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler' } }))
    assert.deepEqual(a.source.kafka.security.sasl, { mechanism: 'AWS_MSK_IAM', region: null, profile: 'dev', roleArn: 'arn:aws:iam::1:role/r', roleSessionName: 's' })
    assert.deepEqual(a.source.kafka.security.tls, { ca: null, cert: null, key: null, keyPassphrase: null, pfx: null, verifyHostname: true })
    const b = parse(job({ source: { 'kafka.security.protocol': 'SASL_SSL', 'kafka.sasl.mechanism': 'AWS_MSK_IAM' } }))
    assert.equal(b.source.kafka.security.sasl?.mechanism, 'AWS_MSK_IAM')
  })

  test('mistakes name the option and never the secret', () => {
    const pw = 'very-secret-pw'
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{ 'kafka.sasl.mechanism': 'PLAIN' }, 'SLUICE_CONFIG_REQUIRED', 'source.kafka.sasl.jaas.config', 'PlainLoginModule'],
      [{ 'kafka.sasl.mechanism': 'PLAIN', 'kafka.sasl.jaas.config': `${SCRAM} required username="a" password="${pw}";` }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.jaas.config', 'needs org.apache.kafka.common.security.plain.PlainLoginModule'],
      [{ 'kafka.sasl.mechanism': 'SCRAM-SHA-256', 'kafka.sasl.jaas.config': `${SCRAM} required password="${pw}";` }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.jaas.config', 'no username'],
      [{ 'kafka.sasl.mechanism': 'SCRAM-SHA-256', 'kafka.sasl.jaas.config': `${SCRAM} required username="a" password="${pw}"` }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.jaas.config', 'semicolon'],
      [{ 'kafka.sasl.mechanism': 'OAUTHBEARER' }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.oauthbearer.token.endpoint.url', 'token.file'],
      [{ 'kafka.sasl.mechanism': 'OAUTHBEARER', 'kafka.sasl.oauthbearer.token.endpoint.url': 'https://x/t', 'kafka.sasl.jaas.config': `${OAUTH} required clientSecret="${pw}";` }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.jaas.config', 'clientId'],
      [{ 'kafka.sasl.mechanism': 'PLAIN', 'kafka.sasl.client.callback.handler.class': 'com.example.Handler' }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.client.callback.handler.class', 'IAMClientCallbackHandler'],
    ]
    for (const [extra, code, path, mention] of cases) {
      const err = fails(() => parse(sasl(extra)), code, path, mention)
      assert.ok(!err.message.includes(pw) && !JSON.stringify(err.details).includes(pw), err.message)
    }
  })
})

describe('TLS options', () => {
  let certs: TestCerts
  before(() => {
    certs = makeTestCerts()
  })
  after(() => rmSync(certs.dir, { recursive: true, force: true }))
  const ssl = (extra: Record<string, unknown>) => job({ source: { 'kafka.security.protocol': 'SSL', ...extra } })

  test('PEM truststore, PKCS12 keystore, inline PEM, host name verification', () => {
    const a = parse(ssl({ 'kafka.ssl.truststore.location': certs.caPem, 'kafka.ssl.keystore.location': certs.clientP12, 'kafka.ssl.keystore.password': certs.storePassword }))
    const tls = a.source.kafka.security.tls!
    assert.equal(tls.ca?.length, 1)
    assert.ok(tls.ca![0]!.startsWith('-----BEGIN CERTIFICATE-----'))
    assert.deepEqual(Buffer.from(tls.pfx!), readFileSync(certs.clientP12))
    assert.equal(tls.keyPassphrase, certs.storePassword)
    assert.equal(tls.verifyHostname, true)
    const b = parse(ssl({
      'kafka.ssl.truststore.certificates': readFileSync(certs.caPem, 'utf8'),
      'kafka.ssl.keystore.certificate.chain': readFileSync(certs.clientCertPem, 'utf8'),
      'kafka.ssl.keystore.key': readFileSync(certs.clientKeyEncryptedPem, 'utf8'),
      'kafka.ssl.key.password': certs.keyPassword,
      'kafka.ssl.endpoint.identification.algorithm': '',
    }))
    assert.equal(b.source.kafka.security.tls!.verifyHostname, false)
    assert.equal(b.source.kafka.security.tls!.keyPassphrase, certs.keyPassword)
    assert.ok(b.source.kafka.security.tls!.key!.includes('ENCRYPTED PRIVATE KEY'))
  })

  test('a PKCS12 truststore (keytool) yields its CA certificate; a wrong password is named', () => {
    const p12 = makePkcs12Truststore(certs)
    const j = parse(ssl({ 'kafka.ssl.truststore.location': p12, 'kafka.ssl.truststore.password': 'p12-trust-pw', 'kafka.ssl.truststore.type': 'PKCS12' }))
    const ca = new X509Certificate(readFileSync(certs.caPem))
    assert.deepEqual(j.source.kafka.security.tls!.ca!.map((c) => new X509Certificate(c).fingerprint256), [ca.fingerprint256])
    const err = fails(() => parse(ssl({ 'kafka.ssl.truststore.location': p12, 'kafka.ssl.truststore.password': 'wrong-p12-pw' })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.truststore.password', 'password is wrong')
    assert.ok(!err.message.includes('wrong-p12-pw'))
  })

  test('files are checked at load time: missing, wrong password, wrong type, JKS', () => {
    fails(() => parse(ssl({ 'kafka.ssl.truststore.location': join(certs.dir, 'nope.pem') })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.truststore.location', 'does not exist')
    const wrong = fails(() => parse(ssl({ 'kafka.ssl.keystore.location': certs.clientP12, 'kafka.ssl.keystore.password': 'not-the-pw' })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.keystore.location', 'password is wrong')
    assert.ok(!wrong.message.includes('not-the-pw'))
    fails(() => parse(ssl({ 'kafka.ssl.keystore.location': certs.clientP12, 'kafka.ssl.keystore.type': 'PEM', 'kafka.ssl.keystore.password': certs.storePassword })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.keystore.type', 'PKCS12 file')
    fails(() => parse(ssl({ 'kafka.ssl.keystore.certificate.chain': readFileSync(certs.clientCertPem, 'utf8'), 'kafka.ssl.keystore.key': readFileSync(certs.clientKeyEncryptedPem, 'utf8'), 'kafka.ssl.key.password': 'bad-key-pw' })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.keystore.key', 'key password')
    fails(() => parse(ssl({ 'kafka.ssl.keystore.certificate.chain': readFileSync(certs.clientCertPem, 'utf8') })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.keystore.key', 'both')
    const jks = makeJksTruststore(certs)
    fails(() => parse(ssl({ 'kafka.ssl.truststore.location': jks, 'kafka.ssl.truststore.password': 'jks-pw-1' })), 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.ssl.truststore.location',
      `keytool -importkeystore -srckeystore ${jks} -srcstoretype JKS -destkeystore ${jks.replace(/\.jks$/, '')}.p12 -deststoretype PKCS12`)
    fails(() => parse(ssl({ 'kafka.ssl.truststore.certificates': 'not a certificate' })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.truststore.certificates', 'no PEM certificate')
    fails(() => parse(ssl({ 'kafka.ssl.endpoint.identification.algorithm': 'http' })), 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.endpoint.identification.algorithm', '"https"')
  })
})

describe('SCRAM', () => {
  // RFC 7677 section 3.
  const clientNonce = 'rOprNGfwEbeRWgbNEkqO'
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'

  test('SCRAM-SHA-256 proof and server signature match RFC 7677', () => {
    const p = scramProof('sha256', 'pencil', `n=user,r=${clientNonce}`, serverFirst, clientNonce)
    assert.equal(p.clientFinal, 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
    assert.equal(p.serverSignature.toString('base64'), '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')
  })

  test('the exchange: a wrong server signature is refused, a right one accepted', async () => {
    const sent: string[] = []
    const run = (serverFinal: string) =>
      scramMechanism('SCRAM-SHA-256', 'user', 'pencil', () => clientNonce).authenticate(async (bytes): Promise<SaslReply> => {
        sent.push(bytes.toString())
        return { authBytes: Buffer.from(sent.length % 2 === 1 ? serverFirst : serverFinal), sessionLifetimeMs: 0 }
      })
    await run('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')
    assert.equal(sent[0], `n,,n=user,r=${clientNonce}`)
    await assert.rejects(run('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='), (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_AUTH_FAILED') && /server signature/.test(err.message) && !err.message.includes('pencil'))
  })
})

describe('OAUTHBEARER', () => {
  const jwt = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'svc', exp })).toString('base64url')}.`

  test('GS2 framing with extensions (RFC 7628, KIP-342)', () => {
    assert.equal(oauthInitialResponse('tok', {}).toString(), 'n,,\u0001auth=Bearer tok\u0001\u0001')
    assert.equal(oauthInitialResponse('tok', { traceId: 'a', 'bad-key': 'x' }).toString(), 'n,,\u0001auth=Bearer tok\u0001traceId=a\u0001\u0001')
    assert.equal(jwtExpiry(jwt(1700000000)), 1700000000_000)
    assert.equal(jwtExpiry('opaque'), null)
  })

  test('the token file is re-read when it changes or nears expiry; an expired token is refused', async () => {
    const file = join(tmpdir(), `sluice-token-${process.pid}.jwt`)
    let now = 1_000_000_000_000
    const p = fileTokenProvider(file, () => now)
    await assert.rejects(p.token(), (e: unknown) => isSluiceError(e, 'SLUICE_KAFKA_TOKEN') && /does not exist/.test(e.message))
    writeFileSync(file, `${jwt(now / 1000 + 3600)}\n`)
    const first = await p.token()
    assert.equal(first.expiresAtMs, now + 3_600_000)
    writeFileSync(file, jwt(now / 1000 + 7200))
    utimesSync(file, new Date(now + 5000), new Date(now + 5000))
    assert.equal((await p.token()).expiresAtMs, now + 7_200_000, 'changed file re-read')
    now += 7_200_000
    await assert.rejects(p.token(), (e: unknown) => isSluiceError(e, 'SLUICE_KAFKA_TOKEN') && /expired/.test(e.message))
    rmSync(file)
  })
})
