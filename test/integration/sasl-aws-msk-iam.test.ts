/**
 * AWS_MSK_IAM against AWS's own implementation: software.amazon.msk:aws-msk-iam-auth (from Maven
 * Central, `make msk-iam`; tools/msk-iam/MskIamPayload.java drives its IAMSaslClient) produces its
 * first SASL message for fixed credentials and broker host; sluice's mechanism produces its own
 * for the same credentials, host and instant, and every field must match: the signature covers
 * the credential scope, the date, the host, the session token and the 15-minute expiry, so one
 * differing byte anywhere fails. Only `user-agent` differs by design (free text naming the
 * client). No MSK broker can run here; this is the closest independent check.
 *
 * The library takes no clock (it signs with the wall clock), so sluice signs for the x-amz-date
 * the library reported. The library computes x-amz-expires as the whole seconds between two
 * clock reads, so a run straddling a second boundary reports 899; such a run is repeated.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { isSluiceError } from '../../src/errors.js'
import { awsMskIamMechanism } from '../../src/kafka/sasl/aws-msk-iam.js'
import type { AwsCredentials } from '../../src/kafka/sasl/aws-credentials.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const cache = join(root, '.cache', 'msk-iam')

interface JavaRun {
  payload: Record<string, string>
  /** What the library said to the reply, when one was given. */
  verdict: string | undefined
}

async function javaPayload(host: string, c: AwsCredentials, reply?: string): Promise<JavaRun> {
  if (!existsSync(join(cache, '.installed'))) {
    throw new Error(`AWS's aws-msk-iam-auth is not installed in ${cache}: run 'make msk-iam' (Java 17, javac and Maven reaching Maven Central); make test-integration runs it.`)
  }
  for (let tries = 1; ; tries++) {
    const { stdout } = await run('java', ['-cp', `${join(cache, 'classes')}:${join(cache, 'libs')}/*`, 'MskIamPayload', host, ...(reply !== undefined ? [reply] : [])], {
      env: { ...process.env, MSK_TEST_ACCESS_KEY: c.accessKeyId, MSK_TEST_SECRET_KEY: c.secretAccessKey, MSK_TEST_SESSION_TOKEN: c.sessionToken ?? '' },
      timeout: 60_000,
    })
    const [json, verdict] = stdout.trim().split('\n')
    const payload = JSON.parse(json!) as Record<string, string>
    if (payload['x-amz-expires'] === '900' || tries === 3) return { payload, verdict }
  }
}

/** sluice's payload for the instant the library signed at (x-amz-date, whole seconds). */
async function sluicePayload(host: string, c: AwsCredentials, amzDate: string, reply: string): Promise<{ payload: Record<string, string>; error: unknown }> {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)
  assert.ok(m, `x-amz-date ${amzDate}`)
  const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + 437 // sub-second part is not signed
  const spec = { mechanism: 'AWS_MSK_IAM' as const, region: null, profile: null, roleArn: null, roleSessionName: null }
  let sent: Buffer | undefined
  const mech = awsMskIamMechanism(spec, { nodeId: 1, host, port: 9098 }, { now: () => at, credentials: async () => c, env: {} })
  const error = await mech
    .authenticate(async (bytes) => {
      sent = bytes
      return { authBytes: Buffer.from(reply), sessionLifetimeMs: 0 }
    })
    .then(() => undefined, (e: unknown) => e)
  assert.ok(sent, 'the mechanism sent a payload')
  return { payload: JSON.parse(sent.toString('utf8')) as Record<string, string>, error }
}

function assertSameFields(ours: Record<string, string>, theirs: Record<string, string>): void {
  const { 'user-agent': ourAgent, ...oursRest } = ours
  const { 'user-agent': theirAgent, ...theirsRest } = theirs
  assert.match(theirAgent!, /^aws-msk-iam-auth\//)
  assert.match(ourAgent!, /^sluice\//)
  assert.deepEqual(Object.keys(oursRest).sort(), Object.keys(theirsRest).sort(), 'the same fields')
  for (const k of Object.keys(theirsRest)) assert.equal(oursRest[k], theirsRest[k], `field ${k}`)
}

const good = '{"version":"2020_10_22","request-id":"0b9a1c2e-test"}'

test('temporary credentials (session token) on a provisioned MSK broker: the payload matches aws-msk-iam-auth field for field', async () => {
  const host = 'b-2.orders.k7x2ab.c3.kafka.eu-central-1.amazonaws.com'
  const c = { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+/=' }
  const java = await javaPayload(host, c, good)
  assert.equal(java.verdict, 'accepted', 'the library accepts MSK\'s success reply')
  assert.equal(java.payload['x-amz-security-token'], c.sessionToken)
  const ours = await sluicePayload(host, c, java.payload['x-amz-date']!, good)
  assert.equal(ours.error, undefined)
  assertSameFields(ours.payload, java.payload)
})

test('long-term keys on an MSK Serverless host: the same fields, no session token; a reply the library refuses, sluice refuses too', async () => {
  const host = 'boot-4n2x8q1z.c2.kafka-serverless.us-east-2.amazonaws.com'
  const c = { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY' }
  const wrongVersion = '{"version":"2019_01_01","request-id":"r"}'
  const java = await javaPayload(host, c, wrongVersion)
  assert.match(java.verdict ?? '', /^refused/, 'the library refuses a reply of another version')
  assert.equal('x-amz-security-token' in java.payload, false)
  const ours = await sluicePayload(host, c, java.payload['x-amz-date']!, wrongVersion)
  assert.ok(isSluiceError(ours.error, 'SLUICE_KAFKA_MSK_IAM_REPLY'), String(ours.error))
  assertSameFields(ours.payload, java.payload)
})
