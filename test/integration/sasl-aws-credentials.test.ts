/**
 * Where AWS_MSK_IAM's credentials come from, through the real AWS SDK chain and STS client,
 * against AWS endpoints played by a loopback server (node:http): STS (the SDK's
 * AWS_ENDPOINT_URL_STS, Query protocol, XML answers) and the container credentials endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI, as ECS and EKS Pod Identity set it). Shown: `awsRoleArn`
 * assumes the role with the chain's credentials (and the MSK payload is signed with the role's),
 * once for many connections; STS refusing the role is one clear, non-retriable error; web
 * identity (EKS IRSA: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) sends the token file's content;
 * container credentials close to expiry are fetched again, far from it are not.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { sharedAwsCredentials } from '../../src/kafka/sasl/aws-credentials.js'
import { awsMskIamMechanism } from '../../src/kafka/sasl/aws-msk-iam.js'

interface Seen {
  path: string
  headers: IncomingMessage['headers']
  form: URLSearchParams
}

const seen: Seen[] = []
let stsAnswer: (form: URLSearchParams) => { status: number; body: string } = () => ({ status: 500, body: '' })
let containerExpiryMs = 3_600_000
let containerHits = 0
let server: Server
let base = ''
const scratch = mkdtempSync(join(tmpdir(), 'sluice-aws-creds-'))

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      seen.push({ path: req.url ?? '', headers: req.headers, form })
      if (req.url === '/container-credentials') {
        containerHits++
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({
          AccessKeyId: `ASIACONTAINER${containerHits}`,
          SecretAccessKey: 'container-secret',
          Token: 'container-token',
          Expiration: new Date(Date.now() + containerExpiryMs).toISOString(),
        }))
        return
      }
      const { status, body } = stsAnswer(form)
      res.writeHead(status, { 'content-type': 'text/xml' })
      res.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  rmSync(scratch, { recursive: true, force: true })
})

function stsCredentials(action: string, key: string): string {
  const exp = new Date(Date.now() + 3_600_000).toISOString()
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
    `<Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>` +
    `<SessionToken>role-session-token</SessionToken><Expiration>${exp}</Expiration></Credentials>` +
    '<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/orders-reader/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>' +
    `</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`
}

/** Runs `fn` with only the given AWS_* variables (shared files into scratch, IMDS off). */
async function withAwsEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env }
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'none'),
    AWS_CONFIG_FILE: join(scratch, 'none'),
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

const host = 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com'

async function signedPayload(spec: Parameters<typeof awsMskIamMechanism>[0]): Promise<Record<string, string>> {
  let sent: Buffer | undefined
  await awsMskIamMechanism(spec, { nodeId: 1, host, port: 9098 }).authenticate(async (bytes) => {
    sent = bytes
    return { authBytes: Buffer.from('{"version":"2020_10_22","request-id":"r"}'), sessionLifetimeMs: 0 }
  })
  return JSON.parse(sent!.toString('utf8')) as Record<string, string>
}

test('awsRoleArn: the chain\'s credentials assume the role through STS once; the payload is signed with the role\'s', async () => {
  seen.length = 0
  stsAnswer = (form) => ({ status: 200, body: stsCredentials(form.get('Action')!, 'ASIAROLEKEY') })
  const roleArn = 'arn:aws:iam::123456789012:role/orders-reader'
  const spec = { mechanism: 'AWS_MSK_IAM' as const, region: null, profile: null, roleArn, roleSessionName: 'sluice-orders' }
  await withAwsEnv({ AWS_ACCESS_KEY_ID: 'AKIDBASEUSER', AWS_SECRET_ACCESS_KEY: 'base-secret', AWS_ENDPOINT_URL_STS: base }, async () => {
    const first = await signedPayload(spec)
    const second = await signedPayload(spec)
    assert.match(first['x-amz-credential']!, /^ASIAROLEKEY\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/)
    assert.equal(first['x-amz-security-token'], 'role-session-token')
    assert.equal(second['x-amz-credential'], first['x-amz-credential'])
  })
  assert.equal(seen.length, 1, 'one AssumeRole for two connections')
  const call = seen[0]!
  assert.equal(call.form.get('Action'), 'AssumeRole')
  assert.equal(call.form.get('RoleArn'), roleArn)
  assert.equal(call.form.get('RoleSessionName'), 'sluice-orders')
  assert.match(String(call.headers.authorization), /Credential=AKIDBASEUSER\/\d{8}\/eu-west-1\/sts\/aws4_request/, 'signed with the chain\'s credentials, in the cluster\'s region')
})

test('STS refuses the role: SLUICE_KAFKA_AWS_CREDENTIALS naming the role and STS\'s reason, not retriable', async () => {
  stsAnswer = () => ({
    status: 403,
    body: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>' +
      '<Message>User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>',
  })
  const roleArn = 'arn:aws:iam::123456789012:role/forbidden'
  const err = await withAwsEnv({ AWS_ACCESS_KEY_ID: 'AKIDBASEUSER', AWS_SECRET_ACCESS_KEY: 'base-secret', AWS_ENDPOINT_URL_STS: base }, () =>
    sharedAwsCredentials({ profile: null, roleArn, roleSessionName: 'refused' }, 'eu-west-1').catch((e: unknown) => e),
  )
  assert.ok(isSluiceError(err, 'SLUICE_KAFKA_AWS_CREDENTIALS'), String(err))
  assert.equal(err.retriable, false)
  assert.ok(err.message.includes(roleArn))
  assert.match(err.message, /AccessDenied/)
  assert.match(err.message, /trust policy/)
  assert.equal(err.message.includes('base-secret'), false)
})

test('web identity (EKS IRSA): the token file is sent to AssumeRoleWithWebIdentity and its credentials sign', async () => {
  seen.length = 0
  stsAnswer = (form) => ({ status: 200, body: stsCredentials(form.get('Action')!, 'ASIAIRSAKEY') })
  const tokenFile = join(scratch, 'irsa-token')
  writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2x1aWNlIn0.c2ln')
  const spec = { mechanism: 'AWS_MSK_IAM' as const, region: null, profile: null, roleArn: null, roleSessionName: 'irsa' }
  const payload = await withAwsEnv({
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/eks-sluice',
    AWS_ROLE_SESSION_NAME: 'pod-1',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_STS: base,
  }, () => signedPayload(spec))
  assert.match(payload['x-amz-credential']!, /^ASIAIRSAKEY\//)
  const call = seen.find((s) => s.form.get('Action') === 'AssumeRoleWithWebIdentity')
  assert.ok(call, `AssumeRoleWithWebIdentity was called (saw ${seen.map((s) => s.form.get('Action')).join(', ')})`)
  assert.equal(call.form.get('WebIdentityToken'), 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2x1aWNlIn0.c2ln')
  assert.equal(call.form.get('RoleArn'), 'arn:aws:iam::123456789012:role/eks-sluice')
})

test('container credentials: fetched again when they expire within 5 minutes, kept when they do not', async () => {
  const vars = { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/container-credentials` }
  await withAwsEnv(vars, async () => {
    containerHits = 0
    containerExpiryMs = 4 * 60_000
    const short = { profile: null, roleArn: null, roleSessionName: 'container-short' }
    const a = await sharedAwsCredentials(short, 'eu-west-1')
    const b = await sharedAwsCredentials(short, 'eu-west-1')
    assert.equal(a.accessKeyId, 'ASIACONTAINER1')
    assert.equal(b.accessKeyId, 'ASIACONTAINER2', 'credentials with 4 minutes left are fetched again')

    containerHits = 0
    containerExpiryMs = 3_600_000
    const long = { profile: null, roleArn: null, roleSessionName: 'container-long' }
    await sharedAwsCredentials(long, 'eu-west-1')
    await sharedAwsCredentials(long, 'eu-west-1')
    assert.equal(containerHits, 1, 'credentials with an hour left are reused')
  })
})
