/**
 * AWS_MSK_IAM: Amazon MSK's IAM SASL mechanism, as AWS's Java client `aws-msk-iam-auth` speaks it
 * (payload version 2020_10_22). One round trip:
 *
 *   client → broker   JSON object, UTF-8:
 *     version               "2020_10_22"
 *     host                  the broker's host name (what the connection dialled, no port)
 *     user-agent            free text (sluice/<version>/node/<node version>)
 *     action                "kafka-cluster:Connect"
 *     x-amz-algorithm       "AWS4-HMAC-SHA256"
 *     x-amz-credential      <access key id>/<yyyymmdd>/<region>/kafka-cluster/aws4_request
 *     x-amz-date            <yyyymmdd>T<hhmmss>Z
 *     x-amz-security-token  the session token (only with temporary credentials)
 *     x-amz-signedheaders   "host"
 *     x-amz-expires         "900" (the signature is good for 15 minutes)
 *     x-amz-signature       SigV4 query signature of GET https://<host>/?Action=kafka-cluster%3AConnect&X-Amz-…
 *   broker → client   JSON object {"version": "2020_10_22", "request-id": "<id>"} on success;
 *                     a failure is a SaslAuthenticate error code (the connection layer words it).
 *
 * The signature is SigV4 query signing (a presigned URL): the canonical request is
 *   GET \n / \n <sorted, RFC 3986-encoded query> \n host:<host> \n\n host \n hex(sha256(""))
 * and the key is derived from the secret key, the date, the region and the service "kafka-cluster".
 * test/integration/sasl-aws-msk-iam.test.ts compares every field with AWS's own library's output
 * for the same credentials, host and time.
 *
 * Credentials come from the AWS SDK's default chain (src/kafka/sasl/aws-credentials.ts), cached per
 * job and refreshed before they expire; the region from the job, else the broker's host name
 * (b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com), else AWS_REGION / AWS_DEFAULT_REGION.
 */
import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SluiceError } from '../../errors.js'
import type { BrokerAddress } from '../types.js'
import { sharedAwsCredentials, type AwsCredentials } from './aws-credentials.js'
import type { SaslMechanism, SaslSpec } from './types.js'

export type AwsMskIamSpec = Extract<SaslSpec, { mechanism: 'AWS_MSK_IAM' }>

export const MSK_IAM_VERSION = '2020_10_22'
const SERVICE = 'kafka-cluster'
const ACTION = 'kafka-cluster:Connect'
const ALGORITHM = 'AWS4-HMAC-SHA256'
/** aws-msk-iam-auth signs for 15 minutes. */
export const MSK_IAM_EXPIRES_SECONDS = 900

/** Test hooks: a fixed clock, fixed credentials, a fixed environment for the region fallback. */
export interface AwsMskIamOptions {
  now?: () => number
  credentials?: () => Promise<AwsCredentials>
  env?: NodeJS.ProcessEnv
}

export function awsMskIamMechanism(spec: AwsMskIamSpec, broker: BrokerAddress, options: AwsMskIamOptions = {}): SaslMechanism {
  const now = options.now ?? Date.now
  const env = options.env ?? process.env
  return {
    name: 'AWS_MSK_IAM',
    async authenticate(exchange) {
      const region = resolveMskRegion(spec.region, broker.host, env)
      const credentials = await (options.credentials ?? (() => sharedAwsCredentials(spec, region)))()
      const payload = mskIamPayload({ host: broker.host, region, credentials, now: now() })
      const reply = await exchange(Buffer.from(JSON.stringify(payload), 'utf8'))
      checkMskIamReply(reply.authBytes, broker)
    },
  }
}

/**
 * The region to sign for: spec.region when set, else the one in an MSK broker
 * host name, else AWS_REGION / AWS_DEFAULT_REGION; a SluiceError naming all three when none is set.
 */
export function resolveMskRegion(configured: string | null, host: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured !== null && configured !== '') return configured
  const fromHost = regionFromMskHost(host)
  if (fromHost !== null) return fromHost
  const fromEnv = env['AWS_REGION'] || env['AWS_DEFAULT_REGION']
  if (fromEnv) return fromEnv
  throw new SluiceError(
    'SLUICE_KAFKA_AWS_REGION',
    `AWS_MSK_IAM cannot tell which AWS region to sign for when connecting to ${host}: the host name ` +
      'is not an MSK broker name (b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com) and neither ' +
      'AWS_REGION nor AWS_DEFAULT_REGION is set. Set AWS_REGION to the cluster\'s region (for example ' +
      'AWS_REGION=eu-west-1), or use the brokers\' MSK host names in kafka.bootstrap.servers.',
    { details: { host } },
  )
}

/** eu-west-1 from b-1.c.abc123.c2.kafka.eu-west-1.amazonaws.com (also .amazonaws.com.cn and MSK Serverless). */
export function regionFromMskHost(host: string): string | null {
  const m = /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?\.?$/i.exec(host)
  return m === null ? null : m[1]!.toLowerCase()
}

export interface MskIamPayloadInput {
  host: string
  region: string
  credentials: AwsCredentials
  /** Signing time, epoch ms. */
  now: number
  userAgent?: string
}

/** The authentication payload, as the object aws-msk-iam-auth serialises (string values only). */
export function mskIamPayload(input: MskIamPayloadInput): Record<string, string> {
  const { host, region, credentials } = input
  const amzDate = new Date(input.now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const scope = `${day}/${region}/${SERVICE}/aws4_request`
  const query: Record<string, string> = {
    Action: ACTION,
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(MSK_IAM_EXPIRES_SECONDS),
    'X-Amz-SignedHeaders': 'host',
  }
  if (credentials.sessionToken) query['X-Amz-Security-Token'] = credentials.sessionToken
  const canonicalQuery = Object.keys(query)
    .map((k) => [uriEncode(k), uriEncode(query[k]!)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}`, '', 'host', sha256Hex('')].join('\n')
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day)
  for (const part of [region, SERVICE, 'aws4_request']) key = hmac(key, part)
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex')

  const payload: Record<string, string> = {
    version: MSK_IAM_VERSION,
    host,
    'user-agent': input.userAgent ?? userAgent(),
  }
  for (const [k, v] of Object.entries(query)) payload[k.toLowerCase()] = v
  payload['x-amz-signature'] = signature
  return payload
}

/** The broker's success reply: {"version":"2020_10_22","request-id":"…"}; anything else is refused. */
export function checkMskIamReply(authBytes: Buffer, broker: BrokerAddress): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(authBytes.toString('utf8'))
  } catch {
    parsed = undefined
  }
  const reply = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>
  if (reply['version'] === MSK_IAM_VERSION && typeof reply['request-id'] === 'string') return reply['request-id']
  const shown = authBytes.length === 0 ? 'an empty reply' : `${JSON.stringify(authBytes.subarray(0, 200).toString('utf8'))}`
  throw new SluiceError(
    'SLUICE_KAFKA_MSK_IAM_REPLY',
    `broker ${broker.host}:${broker.port} accepted the AWS_MSK_IAM payload but answered with ${shown}, ` +
      `not the JSON {"version":"${MSK_IAM_VERSION}","request-id":…} MSK sends: this listener is probably ` +
      'not an MSK IAM listener (MSK serves IAM on port 9098, or 9198 from outside the VPC). Check ' +
      'kafka.bootstrap.servers and kafka.sasl.mechanism against the cluster\'s client information.',
    { details: { broker: `${broker.host}:${broker.port}` } },
  )
}

/** RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, everything else %XX. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex')
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

let agent: string | undefined
function userAgent(): string {
  if (agent === undefined) {
    let version = 'unknown'
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string }
      version = pkg.version ?? version
    } catch {
      // a bundled copy without package.json: the user agent is informational only
    }
    agent = `sluice/${version}/node/${process.versions.node}`
  }
  return agent
}
