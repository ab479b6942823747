/**
 * One S3Client per store, built from S3Settings.
 *
 * Each setting that is unset or '' falls back to the AWS SDK's standard chain: the endpoint to
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the profile's endpoint_url, the region to AWS_REGION /
 * the profile, the credentials to env keys / profiles / web identity / the instance role. When
 * nothing gives a region, 'us-east-1' is used: S3 look-alikes (MinIO, s3rver) expect it, and on AWS
 * a bucket in another region then needs s3.region or AWS_REGION.
 *
 * Checksums: newer SDKs (>= 3.729) add CRC32 checksums to every upload, as an `aws-chunked` trailer
 * for streaming bodies. s3rver and several S3 look-alikes do not understand trailers, so checksums
 * are computed only where the API requires them (`WHEN_REQUIRED`; DeleteObjects still gets one).
 * Bodies sent by sluice are Buffers, signed with their SHA-256 by SigV4, so integrity is covered.
 *
 * Sockets: a keep-alive agent with enough sockets for every writer's parts in flight plus
 * listings and small PUTs.
 *
 * Timeouts: an S3 endpoint that accepts connections and then never answers must not hang the job.
 * Every request has a connection timeout (10 s), a socket idle timeout (s3.socketTimeout, 30 s by
 * default: no byte in either direction for that long) and a whole-request timeout
 * (s3.requestTimeout, 120 s by default: enough for an 8 MiB part at ~70 KB/s). Both fail with
 * the SDK's TimeoutError, which the SDK retries and s3-errors.ts classifies as
 * SLUICE_S3_UNAVAILABLE (retriable).
 */

import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { SluiceError } from '../errors.js'
import { instrumentS3Client } from './request-stats.js'
import type { S3Settings } from './types.js'

export const DEFAULT_REGION = 'us-east-1'
export const MAX_SOCKETS = 64
export const CONNECTION_TIMEOUT_MS = 10_000
export const DEFAULT_SOCKET_TIMEOUT_MS = 30_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000

/** S3Settings with '' turned into undefined. */
export interface ResolvedS3Settings {
  endpoint: string | undefined
  region: string | undefined
  forcePathStyle: boolean | undefined
  accessKeyId: string | undefined
  secretAccessKey: string | undefined
  sessionToken: string | undefined
  requestTimeoutMs: number
  socketTimeoutMs: number
}

export function resolveS3Settings(settings: S3Settings | undefined): ResolvedS3Settings {
  const s = settings ?? {}
  const resolved: ResolvedS3Settings = {
    endpoint: nonEmpty(s.endpoint),
    region: nonEmpty(s.region),
    forcePathStyle: s.forcePathStyle,
    accessKeyId: nonEmpty(s.accessKeyId),
    secretAccessKey: nonEmpty(s.secretAccessKey),
    sessionToken: nonEmpty(s.sessionToken),
    requestTimeoutMs: s.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    socketTimeoutMs: s.socketTimeout ?? DEFAULT_SOCKET_TIMEOUT_MS,
  }
  if ((resolved.accessKeyId === undefined) !== (resolved.secretAccessKey === undefined)) {
    const missing = resolved.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey'
    const given = missing === 'accessKeyId' ? 'secretAccessKey' : 'accessKeyId'
    throw new SluiceError(
      'SLUICE_CONFIG_S3_CREDENTIALS',
      `s3.${given} is set but s3.${missing} is not: static credentials need both. Set ` +
        `s3.${missing}, or remove s3.${given} to use the AWS SDK's default credential chain ` +
        '(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance role).',
      { details: { field: `s3.${missing}` } },
    )
  }
  if (resolved.endpoint !== undefined && !/^https?:\/\/[^/]/.test(resolved.endpoint)) {
    throw new SluiceError(
      'SLUICE_CONFIG_S3_ENDPOINT',
      `s3.endpoint "${resolved.endpoint}" is not an http:// or https:// URL: write it like ` +
        'http://127.0.0.1:9000 or https://s3.eu-west-1.amazonaws.com, or leave it empty for AWS.',
      { details: { field: 's3.endpoint', value: resolved.endpoint } },
    )
  }
  return resolved
}

export function createS3Client(settings: ResolvedS3Settings): S3Client {
  const config: S3ClientConfig = {
    region: settings.region ?? regionFromChainOrDefault,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: settings.requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: settings.socketTimeoutMs,
    },
  }
  if (settings.endpoint !== undefined) config.endpoint = settings.endpoint
  if (settings.forcePathStyle !== undefined) config.forcePathStyle = settings.forcePathStyle
  if (settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined) {
    config.credentials = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken === undefined ? {} : { sessionToken: settings.sessionToken }),
    }
  }
  const client = new S3Client(config)
  instrumentS3Client(client)
  return client
}

/** Words for messages: where the credentials come from (never the secret). */
export function describeCredentials(settings: ResolvedS3Settings): string {
  if (settings.accessKeyId !== undefined) {
    const id = settings.accessKeyId
    const shown = id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id
    return `static credentials from s3.accessKeyId (${shown})${settings.sessionToken ? ' with s3.sessionToken' : ''}`
  }
  const sources: string[] = []
  if (process.env.AWS_ACCESS_KEY_ID) sources.push('AWS_ACCESS_KEY_ID')
  if (process.env.AWS_PROFILE) sources.push(`AWS_PROFILE=${process.env.AWS_PROFILE}`)
  if (process.env.AWS_WEB_IDENTITY_TOKEN_FILE) sources.push('AWS_WEB_IDENTITY_TOKEN_FILE')
  const seen = sources.length > 0 ? ` (set here: ${sources.join(', ')})` : ''
  return (
    "the AWS SDK's default credential chain: env AWS_ACCESS_KEY_ID, AWS_PROFILE, web identity, " +
    `container or instance role${seen}`
  )
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

let chainRegion: Promise<string> | undefined

/**
 * The SDK's own region chain (AWS_REGION, the profile's region), resolved once per thread through a throw-away client; 'us-east-1' when it yields nothing.
 */
function regionFromChainOrDefault(): Promise<string> {
  chainRegion ??= (async () => {
    const probe = new S3Client({})
    try {
      const region = await probe.config.region()
      return region || DEFAULT_REGION
    } catch {
      return DEFAULT_REGION
    } finally {
      probe.destroy()
    }
  })()
  return chainRegion
}
