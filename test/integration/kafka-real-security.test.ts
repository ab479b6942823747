/**
 * sluice over secured listeners of one real Apache Kafka broker, with certificates (openssl) and
 * SCRAM users (storage format --add-scram) the test creates: mutual TLS, SASL_SSL with
 * SCRAM-SHA-512 and with PLAIN, SASL_PLAINTEXT with OAUTHBEARER (the broker's unsecured-JWT
 * validator, a token file). The seed job's shape runs over each and lands every record exactly
 * once. Then each misconfiguration (wrong password, unknown user, a mechanism the listener does
 * not enable, an expired / untrusted certificate, a host name mismatch, a missing client
 * certificate, a listener of another protocol) stops `sluice run` at once with its code and a
 * paragraph naming the listener; and a worker-side connection re-authenticates (KIP-368) before
 * its session ends.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BrokerConnection } from '../../src/kafka/broker-connection.js'
import type { KafkaSecuritySpec } from '../../src/kafka/sasl/types.js'
import { until } from '../helpers/eventually.js'
import { type KafkaReal, startKafkaReal } from '../helpers/kafka-real.js'
import { OutputReader } from '../helpers/output-reader.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, type S3rverHandle, startS3rver } from '../helpers/s3rver.js'
import { logLines, readTopicWithKcat, runCli, spawnCli } from '../helpers/sluice-process.js'
import { type TestCerts, makePkcs12Truststore, makeTestCerts } from '../helpers/tls-certs.js'

const TOPIC = 'secured'
const RECORDS = 3000
const SCRAM_USER = 'alice'
const SCRAM_PASSWORD = 'scram-pw-Zq81'
const PLAIN_USER = 'bob'
const PLAIN_PASSWORD = 'plain-pw-Kd27'
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule'
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'

let kafka: KafkaReal
let s3: S3rverHandle
let certs: TestCerts
let dir: string
let tokenFile: string
let env: Record<string, string>
let produced: string[]

/** An unsecured JWS (alg none) as the broker's default OAUTHBEARER validator accepts. */
function unsecuredJwt(sub: string, lifetimeS: number): string {
  const now = Math.floor(Date.now() / 1000)
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'none' })}.${part({ sub, iat: now, exp: now + lifetimeS })}.`
}

function brokerConfig(c: TestCerts): Record<string, string> {
  const store = (l: string, p12: string) => ({
    [`listener.name.${l}.ssl.keystore.location`]: p12,
    [`listener.name.${l}.ssl.keystore.password`]: c.storePassword,
    [`listener.name.${l}.ssl.keystore.type`]: 'PKCS12',
  })
  return {
    ...store('mtls', c.brokerP12),
    'listener.name.mtls.ssl.truststore.location': c.caPem,
    'listener.name.mtls.ssl.truststore.type': 'PEM',
    'listener.name.mtls.ssl.client.auth': 'required',
    ...store('saslssl', c.brokerP12),
    'listener.name.saslssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
    'listener.name.saslssl.scram-sha-512.sasl.jaas.config': `${SCRAM_MODULE} required;`,
    'listener.name.saslssl.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_${PLAIN_USER}="${PLAIN_PASSWORD}";`,
    'listener.name.saslplain.sasl.enabled.mechanisms': 'OAUTHBEARER,SCRAM-SHA-512',
    'listener.name.saslplain.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    'listener.name.saslplain.scram-sha-512.sasl.jaas.config': `${SCRAM_MODULE} required;`,
    // KIP-368: sessions on this listener last 3 s, so a connection must re-authenticate.
    'listener.name.saslplain.scram-sha-512.connections.max.reauth.ms': '3000',
    ...store('expired', c.expiredP12),
    ...store('wronghost', c.wrongHostP12),
  }
}

before(async () => {
  certs = makeTestCerts('store-S3cr3t-7731', 'key-S3cr3t-4419')
  ;[kafka, s3] = await Promise.all([
    startKafkaReal({
      topics: [{ name: TOPIC, partitions: 3 }],
      listeners: { MTLS: 'SSL', SASLSSL: 'SASL_SSL', SASLPLAIN: 'SASL_PLAINTEXT', EXPIRED: 'SSL', WRONGHOST: 'SSL' },
      serverConfig: brokerConfig(certs),
      formatArgs: ['--add-scram', `SCRAM-SHA-512=[name=${SCRAM_USER},password=${SCRAM_PASSWORD}]`],
    }),
    startS3rver({ buckets: ['secured'] }),
  ])
  dir = await mkdtemp(join(tmpdir(), 'sluice-secured-'))
  tokenFile = join(dir, 'token.jwt')
  await writeFile(tokenFile, unsecuredJwt('sluice', 3600))
  env = {
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
    SCRAM_PASSWORD,
  }
  const gen = await runCli(['loadgen', '--bootstrap', kafka.bootstrap, '--topic', TOPIC, '--partitions', '3', '--rate', '0', '--count', String(RECORDS)], env, 300_000)
  assert.equal(gen.code, 0, gen.stderr)
  produced = (await readTopicWithKcat(kafka.bootstrap, TOPIC)).map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.equal(produced.length, RECORDS)
})
after(async () => {
  await Promise.allSettled([kafka?.stop(), s3?.stop()])
  if (dir) await rm(dir, { recursive: true, force: true })
  if (certs) rmSync(certs.dir, { recursive: true, force: true })
})

const listener = (name: string) => `127.0.0.1:${kafka.listenerPorts.get(name)}`

/** The seed job's shape with `security` (YAML lines under source) on its own output prefix. */
function jobYaml(name: string, bootstrap: string, security: string[]): string {
  return [
    `name: ${name}`,
    'source:',
    `  kafka.bootstrap.servers: "${bootstrap}"`,
    `  subscribe: ${TOPIC}`,
    '  startingOffsets: earliest',
    '  maxOffsetsPerTrigger: 1000',
    ...security.map((l) => `  ${l}`),
    'schema: message STRING',
    'select:',
    '  - json_data.*',
    '  - timestamp AS kafka_timestamp',
    "  - date_format(timestamp, 'yyyy-MM-dd') AS dt",
    "  - date_format(timestamp, 'yyyy-MM-dd-HH') AS dth",
    'sink:',
    `  path: s3a://secured/${name}/`,
    `  checkpointLocation: s3a://secured/${name}_checkpoint/`,
    '  partitionBy: [dt, dth]',
    '  coalesce: 3',
    '  trigger: 200 ms',
    'conf:',
    '  spark.sql.session.timeZone: UTC',
    's3:',
    '  endpoint: ${S3_ENDPOINT}',
    '  forcePathStyle: true',
    'workers: 2',
    'metrics:',
    '  port: 0',
    '',
  ].join('\n')
}

/** Every output of the runs, for the secrets check at the end. */
const outputs: string[] = []

async function runJob(name: string, bootstrap: string, security: string[], timeoutMs = 180_000) {
  const file = join(dir, `${name}.yaml`)
  await writeFile(file, jobYaml(name, bootstrap, security))
  const r = await runCli(['run', file, '--trigger', 'availableNow'], env, timeoutMs)
  outputs.push(r.stdout, r.stderr)
  return r
}

async function assertExactlyOnce(name: string): Promise<void> {
  const reader = new OutputReader({ endpoint: s3.endpoint, bucket: 'secured', prefix: `${name}/` })
  try {
    const got = (await reader.viaSparkMetadata()).map((r) => (JSON.parse(r.line) as { message: string }).message)
    const counts = new Map<string, number>()
    for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1)
    assert.deepEqual([...counts].filter(([, n]) => n > 1).slice(0, 5), [], `${name}: duplicates`)
    assert.deepEqual(produced.filter((m) => !counts.has(m)).slice(0, 5), [], `${name}: missing records`)
    assert.equal(got.length, RECORDS, `${name}: row count`)
  } finally {
    reader.close()
  }
}

const q = (s: string) => JSON.stringify(s)
const truststore = () => `kafka.ssl.truststore.location: ${q(certs.caPem)}`

describe('the seed job over each secured listener, every record exactly once', () => {
  const cases: [string, () => string, () => string[]][] = [
    ['mtls', () => listener('MTLS'), () => [
      'kafka.security.protocol: SSL',
      `kafka.ssl.truststore.location: ${q(makePkcs12Truststore(certs))}`,
      'kafka.ssl.truststore.password: p12-trust-pw',
      'kafka.ssl.truststore.type: PKCS12',
      `kafka.ssl.keystore.location: ${q(certs.clientP12)}`,
      `kafka.ssl.keystore.password: ${q(certs.storePassword)}`,
      'kafka.ssl.keystore.type: PKCS12',
    ]],
    ['scram512', () => listener('SASLSSL'), () => [
      'kafka.security.protocol: SASL_SSL',
      'kafka.sasl.mechanism: SCRAM-SHA-512',
      `kafka.sasl.jaas.config: '${SCRAM_MODULE} required username="${SCRAM_USER}" password="\${SCRAM_PASSWORD}";'`,
      truststore(),
    ]],
    ['plain', () => listener('SASLSSL'), () => [
      'kafka.security.protocol: SASL_SSL',
      'kafka.sasl.mechanism: PLAIN',
      `kafka.sasl.jaas.config: '${PLAIN_MODULE} required username="${PLAIN_USER}" password="${PLAIN_PASSWORD}";'`,
      `kafka.ssl.truststore.certificates: ${q(readFileSync(certs.caPem, 'utf8'))}`,
    ]],
    ['oauth', () => listener('SASLPLAIN'), () => [
      'kafka.security.protocol: SASL_PLAINTEXT',
      'kafka.sasl.mechanism: OAUTHBEARER',
      `kafka.sasl.oauthbearer.token.file: ${q(tokenFile)}`,
    ]],
  ]
  for (const [name, bootstrap, security] of cases) {
    test(name, { timeout: 240_000 }, async () => {
      const r = await runJob(name, bootstrap(), security())
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(-3000)}`)
      await assertExactlyOnce(name)
    })
  }
})

describe('misconfigurations stop the query at once with one paragraph naming the listener', () => {
  const cases: [string, string, () => string, () => string[], RegExp][] = [
    ['wrong password', 'SLUICE_KAFKA_AUTH_FAILED', () => listener('SASLSSL'), () => [
      'kafka.security.protocol: SASL_SSL', 'kafka.sasl.mechanism: SCRAM-SHA-512',
      `kafka.sasl.jaas.config: '${SCRAM_MODULE} required username="${SCRAM_USER}" password="not-the-password";'`, truststore(),
    ], /SCRAM-SHA-512 authentication failed.*username or password/],
    ['unknown user', 'SLUICE_KAFKA_AUTH_FAILED', () => listener('SASLSSL'), () => [
      'kafka.security.protocol: SASL_SSL', 'kafka.sasl.mechanism: PLAIN',
      `kafka.sasl.jaas.config: '${PLAIN_MODULE} required username="mallory" password="${PLAIN_PASSWORD}";'`, truststore(),
    ], /PLAIN authentication failed.*unknown/],
    ['mechanism not enabled', 'SLUICE_KAFKA_SASL_MECHANISM', () => listener('SASLSSL'), () => [
      'kafka.security.protocol: SASL_SSL', 'kafka.sasl.mechanism: SCRAM-SHA-256',
      `kafka.sasl.jaas.config: '${SCRAM_MODULE} required username="${SCRAM_USER}" password="x";'`, truststore(),
    ], /does not enable SASL mechanism SCRAM-SHA-256.*SCRAM-SHA-512, PLAIN/],
    ['expired certificate', 'SLUICE_KAFKA_TLS_CERTIFICATE', () => listener('EXPIRED'), () => ['kafka.security.protocol: SSL', truststore()], /has expired/],
    ['untrusted certificate', 'SLUICE_KAFKA_TLS_CERTIFICATE', () => listener('MTLS'), () => [
      'kafka.security.protocol: SSL', `kafka.ssl.truststore.location: ${q(certs.otherCaPem)}`,
      `kafka.ssl.keystore.location: ${q(certs.clientP12)}`, `kafka.ssl.keystore.password: ${q(certs.storePassword)}`,
    ], /not signed by a CA sluice trusts/],
    ['host name mismatch', 'SLUICE_KAFKA_TLS_HOSTNAME', () => listener('WRONGHOST'), () => ['kafka.security.protocol: SSL', truststore()], /does not name the host dialled/],
    ['no client certificate', 'SLUICE_KAFKA_TLS_CLIENT_CERT', () => listener('MTLS'), () => ['kafka.security.protocol: SSL', truststore()], /requires a client certificate/],
    ['TLS port dialled as plaintext', 'SLUICE_KAFKA_PROTOCOL_MISMATCH', () => listener('MTLS'), () => ['kafka.security.protocol: PLAINTEXT'], /TLS \(SSL or SASL_SSL\) listener/],
    ['plaintext port dialled with TLS', 'SLUICE_KAFKA_PROTOCOL_MISMATCH', () => kafka.bootstrap, () => ['kafka.security.protocol: SSL', truststore()], /plaintext \(PLAINTEXT or SASL_PLAINTEXT\) listener/],
    ['SASL port dialled without SASL', 'SLUICE_KAFKA_PROTOCOL_MISMATCH', () => listener('SASLPLAIN'), () => ['kafka.security.protocol: PLAINTEXT'], /SASL \(SASL_PLAINTEXT or SASL_SSL\) listener/],
  ]
  for (const [name, code, bootstrap, security, cause] of cases) {
    test(name, { timeout: 120_000 }, async () => {
      const target = bootstrap()
      const r = await runJob(`bad-${name.replace(/\W+/g, '-')}`, target, security(), 90_000)
      assert.equal(r.code, 1, `expected exit 1, got ${r.code} (${r.signal}): ${r.stderr.slice(-2000)}`)
      assert.ok(r.stderr.includes(`[${code}]`), r.stderr)
      assert.ok(r.stderr.includes(`Kafka listener ${target}`) || r.stderr.includes(target), r.stderr)
      assert.match(r.stderr.replace(/\s+/g, ' '), cause)
      assert.ok(!/not-the-password|scram-pw|plain-pw/.test(r.stderr + r.stdout), 'a secret in the output')
    })
  }
})

test('sluice loadgen --job produces over the job\'s SASL_SSL listener; a wrong password stops it with the job\'s error', { timeout: 120_000 }, async () => {
  const scram = (password: string) => [
    'kafka.security.protocol: SASL_SSL',
    'kafka.sasl.mechanism: SCRAM-SHA-512',
    `kafka.sasl.jaas.config: '${SCRAM_MODULE} required username="${SCRAM_USER}" password="${password}";'`,
    truststore(),
  ]
  const good = join(dir, 'loadgen-good.yaml')
  await writeFile(good, jobYaml('loadgen-good', listener('SASLSSL'), scram('${SCRAM_PASSWORD}')))
  await kafka.createTopic({ name: 'secured-load', partitions: 2 })
  const r = await runCli(['loadgen', '--job', good, '--topic', 'secured-load', '--count', '500', '--progress', 'off'], env, 90_000)
  outputs.push(r.stdout, r.stderr)
  assert.equal(r.code, 0, r.stderr)
  // Read back over the broker's PLAINTEXT listener: every record arrived.
  assert.equal((await readTopicWithKcat(kafka.bootstrap, 'secured-load')).length, 500)

  const bad = join(dir, 'loadgen-bad.yaml')
  await writeFile(bad, jobYaml('loadgen-bad', listener('SASLSSL'), scram('not-the-password')))
  const failed = await runCli(['loadgen', '--job', bad, '--topic', 'secured-load', '--count', '10', '--progress', 'off'], env, 90_000)
  assert.notEqual(failed.code, 0)
  assert.match(failed.stderr, /SCRAM-SHA-512 authentication failed.*\[SLUICE_KAFKA_AUTH_FAILED\]/s)
  assert.ok(!/not-the-password|scram-pw/.test(failed.stderr + failed.stdout), 'a secret in the output')
})

test('a long-lived connection re-authenticates before its session ends (KIP-368)', { timeout: 60_000 }, async () => {
  const [host, port] = listener('SASLPLAIN').split(':') as [string, string]
  const security: KafkaSecuritySpec = { protocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: SCRAM_USER, password: SCRAM_PASSWORD } }
  const conn = new BrokerConnection({ nodeId: 1, host, port: Number(port) }, 'reauth-test', 10_000, security)
  try {
    await conn.connect()
    await until('three re-authentications', () => conn.reauthentications, (n) => n >= 3, { timeoutMs: 30_000 })
    // Still authenticated: a Metadata request (v1, no topics) is answered on the same connection.
    assert.ok(conn.connected)
    const body = await conn.request(3, 1, (w) => w.int32(0))
    assert.ok(body.length > 0)
  } finally {
    await conn.close()
  }
})

test('secrets never appear in logs, errors, /api/status, /progress, /metrics, the status page or sluice check', { timeout: 180_000 }, async () => {
  const secrets = [SCRAM_PASSWORD, PLAIN_PASSWORD, certs.storePassword, certs.keyPassword]
  const file = join(dir, 'secrets.yaml')
  await writeFile(file, jobYaml('secrets', listener('SASLSSL'), [
    'kafka.security.protocol: SASL_SSL',
    'kafka.sasl.mechanism: SCRAM-SHA-512',
    `kafka.sasl.jaas.config: '${SCRAM_MODULE} required username="${SCRAM_USER}" password="${SCRAM_PASSWORD}";'`,
    truststore(),
    `kafka.ssl.keystore.certificate.chain: ${q(readFileSync(certs.clientCertPem, 'utf8'))}`,
    `kafka.ssl.keystore.key: ${q(readFileSync(certs.clientKeyEncryptedPem, 'utf8'))}`,
    `kafka.ssl.key.password: ${q(certs.keyPassword)}`,
  ]))
  const check = await runCli(['check', file], env)
  assert.equal(check.code, 0, check.stderr)
  assert.match(check.stdout, /kafka SASL_SSL SCRAM-SHA-512/)
  const seen: string[] = [check.stdout, check.stderr]
  const child = spawnCli(['run', file], env)
  let out = ''
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  try {
    const url = await until('metrics url and a committed batch', () => {
      const lines = logLines(out)
      const listening = lines.find((l) => l.msg === 'metrics server listening')
      return lines.some((l) => l.msg === 'batch committed') ? (listening?.url as string | undefined) : undefined
    }, (u) => u !== undefined || child.exitCode !== null, { timeoutMs: 120_000 })
    assert.ok(url !== undefined, `sluice exited: ${out.slice(-3000)}`)
    const bodies = await Promise.all(['', 'api/status', 'progress', 'metrics'].map(async (p) => (await fetch(`${url}${p}`)).text()))
    seen.push(...bodies)
    const status = JSON.parse(bodies[1]!) as { query: { kafkaSecurity: unknown } }
    assert.deepEqual(status.query.kafkaSecurity, { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' })
    assert.match(bodies[3]!, /^sluice_kafka_security_info\{(?=[^}]*protocol="SASL_SSL")(?=[^}]*mechanism="SCRAM-SHA-512")[^}]*\} 1$/m)
    assert.ok(bodies[0]!.includes('id="qsecurity"'), 'the status page shows the security in use')
    assert.ok(logLines(out).some((l) => l.msg === 'query started' && JSON.stringify(l.kafkaSecurity) === '{"protocol":"SASL_SSL","mechanism":"SCRAM-SHA-512"}'))
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  seen.push(out, ...outputs)
  const all = seen.join('\n')
  for (const secret of secrets) assert.ok(!all.includes(secret), `a secret value appears in the output (${secret.slice(0, 3)}…)`)
  // The private key's PEM body is a secret too.
  const keyBody = readFileSync(certs.clientKeyEncryptedPem, 'utf8').split('\n')[1]!
  assert.ok(!all.includes(keyBody), 'the private key appears in the output')
})
