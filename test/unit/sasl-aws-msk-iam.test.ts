/**
 * AWS_MSK_IAM without a broker: the region's sources in order, the AWS SDK's default chain
 * (environment and profile files, really read by the SDK) and its "nothing found" error, the
 * credential cache's refresh window, the exchange with the broker's reply checked. The signature
 * itself is checked against AWS's own Java library in
 * test/integration/sasl-aws-msk-iam.test.ts.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { AWS_REFRESH_BEFORE_EXPIRY_MS, defaultChainSource, RefreshingCredentials, type AwsCredentials } from '../../src/kafka/sasl/aws-credentials.js'
import { awsMskIamMechanism, checkMskIamReply, mskIamPayload, regionFromMskHost, resolveMskRegion } from '../../src/kafka/sasl/aws-msk-iam.js'
import type { SaslReply } from '../../src/kafka/sasl/types.js'

const broker = { nodeId: 1, host: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com', port: 9098 }
const spec = { mechanism: 'AWS_MSK_IAM' as const, region: null, profile: null, roleArn: null, roleSessionName: null }
const creds: AwsCredentials = { accessKeyId: 'AKIDUNIT', secretAccessKey: 'unit-secret-key' }
const okReply: SaslReply = { authBytes: Buffer.from('{"version":"2020_10_22","request-id":"r-1"}'), sessionLifetimeMs: 0 }

const scratch = mkdtempSync(join(tmpdir(), 'sluice-msk-iam-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

/** Runs `fn` with only the given AWS_* variables set, the shared files pointed into scratch, IMDS off. */
async function withAwsEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env }
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-credentials'),
    AWS_CONFIG_FILE: join(scratch, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...vars,
  })
  try {
    return await fn()
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
}

test('region: the job\'s, else the MSK host name\'s, else AWS_REGION, else AWS_DEFAULT_REGION', () => {
  assert.equal(regionFromMskHost('b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com'), 'eu-west-1')
  assert.equal(regionFromMskHost('boot-abc.c1.kafka-serverless.us-east-2.amazonaws.com'), 'us-east-2')
  assert.equal(regionFromMskHost('b-2.x.y.c3.kafka.cn-north-1.amazonaws.com.cn'), 'cn-north-1')
  assert.equal(regionFromMskHost('b-1.x.y.c1.kafka.us-gov-west-1.amazonaws.com'), 'us-gov-west-1')
  assert.equal(regionFromMskHost('kafka.internal.example.com'), null)
  assert.equal(regionFromMskHost('127.0.0.1'), null)

  assert.equal(resolveMskRegion('ap-south-1', broker.host, { AWS_REGION: 'us-west-2' }), 'ap-south-1')
  assert.equal(resolveMskRegion(null, broker.host, { AWS_REGION: 'us-west-2' }), 'eu-west-1')
  assert.equal(resolveMskRegion(null, 'kafka.internal', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'sa-east-1' }), 'us-west-2')
  assert.equal(resolveMskRegion(null, 'kafka.internal', { AWS_DEFAULT_REGION: 'sa-east-1' }), 'sa-east-1')
  assert.throws(
    () => resolveMskRegion(null, 'kafka.internal', {}),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_KAFKA_AWS_REGION') &&
      !err.retriable &&
      /kafka\.internal/.test(err.message) &&
      /AWS_REGION/.test(err.message) &&
      /AWS_DEFAULT_REGION/.test(err.message),
  )
})

test('no credentials anywhere in the chain: one error naming the chain, its variables and what to do', async () => {
  await withAwsEnv({}, async () => {
    const err = await defaultChainSource(spec, 'eu-west-1')().then(
      () => assert.fail('credentials were found in an empty environment'),
      (e: unknown) => e,
    )
    assert.ok(isSluiceError(err, 'SLUICE_KAFKA_AWS_CREDENTIALS'), String(err))
    assert.equal(err.retriable, false)
    for (const named of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', '~/.aws/credentials',
      'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'instance role', 'AWS_PROFILE']) {
      assert.ok(err.message.includes(named), `the message names ${named}: ${err.message}`)
    }
    assert.match(err.message, /Give the process credentials/)
  })
})

test('the default chain: environment variables, and a named profile (awsProfileName) from the shared file', async () => {
  await withAwsEnv({ AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' }, async () => {
    const c = await defaultChainSource(spec, 'eu-west-1')()
    assert.equal(c.accessKeyId, 'AKIDFROMENV')
    assert.equal(c.sessionToken, 'env-token')
  })
  const file = join(scratch, 'credentials')
  writeFileSync(file, '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n[orders]\naws_access_key_id = AKIDORDERS\naws_secret_access_key = o\n')
  await withAwsEnv({ AWS_SHARED_CREDENTIALS_FILE: file }, async () => {
    assert.equal((await defaultChainSource({ ...spec, profile: 'orders' }, 'eu-west-1')()).accessKeyId, 'AKIDORDERS')
    assert.equal((await defaultChainSource(spec, 'eu-west-1')()).accessKeyId, 'AKIDDEFAULT')
    const missing = await defaultChainSource({ ...spec, profile: 'nope' }, 'eu-west-1')().catch((e: unknown) => e)
    assert.ok(isSluiceError(missing, 'SLUICE_KAFKA_AWS_CREDENTIALS'))
    assert.match(missing.message, /profile "nope" \(awsProfileName\)/)
  })
})

test('credentials are cached, shared by concurrent callers and fetched again 5 minutes before they expire', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  let fetches = 0
  let release: () => void = () => {}
  const source = async (): Promise<AwsCredentials> => {
    fetches++
    await new Promise<void>((r) => (release = r))
    return { ...creds, accessKeyId: `AKID${fetches}`, expiration: new Date(now + 3_600_000) }
  }
  const cache = new RefreshingCredentials(source, () => now)
  const both = Promise.all([cache.get(), cache.get()])
  release()
  const [a, b] = await both
  assert.equal(fetches, 1)
  assert.equal(a.accessKeyId, 'AKID1')
  assert.equal(b, a)
  now += 3_600_000 - AWS_REFRESH_BEFORE_EXPIRY_MS - 1_000
  assert.equal((await cache.get()).accessKeyId, 'AKID1', 'still more than 5 minutes left')
  now += 2_000
  const refreshed = cache.get()
  release()
  assert.equal((await refreshed).accessKeyId, 'AKID2')
  assert.equal(fetches, 2)
})

test('the mechanism sends one payload for the broker it dialled and accepts MSK\'s reply; anything else is refused', async () => {
  const now = Date.parse('2026-03-04T05:06:07.890Z')
  const sent: Buffer[] = []
  const mech = awsMskIamMechanism(spec, broker, { now: () => now, credentials: async () => creds, env: {} })
  assert.equal(mech.name, 'AWS_MSK_IAM')
  await mech.authenticate(async (bytes) => {
    sent.push(bytes)
    return okReply
  })
  assert.equal(sent.length, 1)
  const payload = JSON.parse(sent[0]!.toString('utf8')) as Record<string, string>
  assert.equal(payload['host'], broker.host)
  assert.equal(payload['x-amz-date'], '20260304T050607Z')
  assert.equal(payload['x-amz-credential'], 'AKIDUNIT/20260304/eu-west-1/kafka-cluster/aws4_request')
  assert.equal('x-amz-security-token' in payload, false, 'long-term keys carry no session token')
  assert.deepEqual(payload, mskIamPayload({ host: broker.host, region: 'eu-west-1', credentials: creds, now, userAgent: payload['user-agent']! }))
  assert.match(payload['user-agent']!, /^sluice\/[^/]+\/node\/\d+/)

  for (const bad of ['', 'not json', '{"version":"2020_10_23","request-id":"r"}', '{"version":"2020_10_22"}']) {
    const err = await mech.authenticate(async () => ({ authBytes: Buffer.from(bad), sessionLifetimeMs: 0 })).catch((e: unknown) => e)
    assert.ok(isSluiceError(err, 'SLUICE_KAFKA_MSK_IAM_REPLY'), `reply ${JSON.stringify(bad)}: ${String(err)}`)
    assert.match(err.message, /9098/)
  }
  assert.equal(checkMskIamReply(okReply.authBytes, broker), 'r-1')
})

test('the secret key never appears in the payload', () => {
  const p = JSON.stringify(mskIamPayload({ host: broker.host, region: 'eu-west-1', credentials: creds, now: 0 }))
  assert.equal(p.includes(creds.secretAccessKey), false)
})
