/**
 * AWS SDK errors → SluiceError. The SDK has already retried what it retries (throttling, 5xx,
 * resets: 3 attempts by default, AWS_MAX_ATTEMPTS to change); what reaches here is classified:
 *
 *   NoSuchBucket                                     → SLUICE_S3_NO_BUCKET    (not retriable)
 *   AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, InvalidToken,
 *   credential provider failures                     → SLUICE_S3_ACCESS       (not retriable)
 *   412 PreconditionFailed / 409 on a conditional PUT → SLUICE_STORE_CONFLICT  (not retriable)
 *   throttling, 5xx, timeouts, network errors        → SLUICE_S3_UNAVAILABLE  (retriable)
 *   anything else the server refused (4xx)           → SLUICE_S3_REQUEST      (not retriable)
 *
 * Programmer errors (TypeError, RangeError) are passed through untouched.
 */

import { SluiceError } from '../errors.js'
import { keyTooLong, S3_MAX_KEY_BYTES } from './keys.js'

export interface S3ErrorContext {
  /** S3 operation, e.g. 'PutObject'. */
  op: string
  bucket: string
  /** Full object key or prefix, when the operation has one. */
  key?: string | undefined
  /** describeCredentials() output. */
  credentials: string
  /** Endpoint for messages ('AWS' when the SDK chooses it). */
  endpoint: string
  /** The request carried If-None-Match: * (a 409/412 means another writer has the key). */
  conditional?: boolean
}

interface SdkError {
  name?: string
  code?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
}

const ACCESS_NAMES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AllAccessDisabled',
  'AccountProblem',
])
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
])
const UNAVAILABLE_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
])

export function isNotFound(err: unknown): boolean {
  const e = err as SdkError
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404
}

export function mapS3Error(err: unknown, ctx: S3ErrorContext): unknown {
  if (err instanceof TypeError || err instanceof RangeError) return err
  if (err instanceof SluiceError) return err
  const e = (err ?? {}) as SdkError
  const name = e.name ?? ''
  const status = e.$metadata?.httpStatusCode
  const where = ctx.key === undefined ? `s3://${ctx.bucket}` : `s3://${ctx.bucket}/${ctx.key}`
  const sdk = `${name || 'Error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${e.message ?? String(err)}`
  const details = { op: ctx.op, bucket: ctx.bucket, key: ctx.key, sdkError: name, status }

  if (name === 'NoSuchBucket') {
    return new SluiceError(
      'SLUICE_S3_NO_BUCKET',
      `${ctx.op} ${where} failed: bucket "${ctx.bucket}" does not exist at ${ctx.endpoint}. ` +
        'Create the bucket, or fix the bucket name in the location (and s3.endpoint/s3.region).',
      { cause: err, details },
    )
  }
  if (ctx.conditional && (status === 412 || status === 409 || name === 'PreconditionFailed')) {
    return new SluiceError(
      'SLUICE_STORE_CONFLICT',
      `${ctx.op} ${where} was refused (${sdk}): the object already exists or another writer is ` +
        'creating it. Another sluice or Spark query is probably writing to the same location; ' +
        'stop it, or give this query its own checkpoint and output path.',
      { cause: err, details },
    )
  }
  if (ACCESS_NAMES.has(name) || status === 403) {
    return new SluiceError(
      'SLUICE_S3_ACCESS',
      `${ctx.op} ${where} was denied (${sdk}). Credentials in use: ${ctx.credentials}. Check that ` +
        `they are valid and not expired, that their policy allows s3:${policyAction(ctx.op)} on ` +
        `arn:aws:s3:::${ctx.bucket}, and that the clock is right.`,
      { cause: err, details },
    )
  }
  // AWS answers 400 KeyTooLongError; s3rver a bare 500: neither goes away on a retry.
  if (name === 'KeyTooLongError' || (ctx.key !== undefined && status !== undefined && status >= 400 && Buffer.byteLength(ctx.key) > S3_MAX_KEY_BYTES)) {
    return keyTooLong(ctx.key ?? '', { scheme: 's3', bucket: ctx.bucket, prefix: '', original: `s3://${ctx.bucket}/` }, err)
  }
  const code = (e.code ?? (err as { cause?: { code?: string } })?.cause?.code) as string | undefined
  if (
    UNAVAILABLE_NAMES.has(name) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    NETWORK_CODES.has(name) ||
    e.$retryable !== undefined
  ) {
    return new SluiceError(
      'SLUICE_S3_UNAVAILABLE',
      `${ctx.op} ${where} failed after the SDK's retries (${sdk}${code ? `, ${code}` : ''}): ` +
        `S3 at ${ctx.endpoint} is unreachable, throttling or failing. The batch will be retried; ` +
        'if this persists, check the endpoint, the network and the S3 service health.',
      { cause: err, details, retriable: true },
    )
  }
  if (status !== undefined && status >= 400) {
    return new SluiceError(
      'SLUICE_S3_REQUEST',
      `${ctx.op} ${where} was refused by S3 at ${ctx.endpoint} (${sdk}). Check the bucket's ` +
        'settings (object lock, KMS key, request payer) and the S3 endpoint.',
      { cause: err, details },
    )
  }
  return new SluiceError(
    'SLUICE_S3_UNAVAILABLE',
    `${ctx.op} ${where} failed (${sdk}): no response was classified; treating it as a transient ` +
      `failure of S3 at ${ctx.endpoint}. If it repeats, check the endpoint and the network.`,
    { cause: err, details, retriable: true },
  )
}

function policyAction(op: string): string {
  switch (op) {
    case 'ListObjectsV2':
      return 'ListBucket'
    case 'HeadObject':
    case 'GetObject':
      return 'GetObject'
    case 'DeleteObjects':
    case 'DeleteObject':
      return 'DeleteObject'
    case 'AbortMultipartUpload':
      return 'AbortMultipartUpload'
    default:
      return 'PutObject'
  }
}
