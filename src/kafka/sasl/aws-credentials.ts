/**
 * AWS credentials for AWS_MSK_IAM, from the AWS SDK's default chain, as aws-msk-iam-auth's
 * MSKCredentialProvider finds them: environment variables, the shared config and credentials
 * files (the JAAS option `awsProfileName`, else AWS_PROFILE), web identity (EKS IRSA), the
 * container role (ECS, EKS Pod Identity) and the EC2 instance role; with `awsRoleArn`, those
 * credentials assume that role through STS (session name `awsRoleSessionName`, else
 * "sluice-<time>"), as the Java library's STS provider does.
 *
 * One cache per (profile, role, session name, region) and thread: every connection of a worker
 * signs with the same credentials, fetched once and fetched again 5 minutes before they expire
 * (the SDK's own refresh window); concurrent connections share one fetch. The SDK packages are
 * loaded on first use, so a job without AWS_MSK_IAM never loads them.
 */
import { SluiceError } from '../../errors.js'
import type { SaslSpec } from './types.js'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
  expiration?: Date | undefined
}

type MskSpec = Pick<Extract<SaslSpec, { mechanism: 'AWS_MSK_IAM' }>, 'profile' | 'roleArn' | 'roleSessionName'>

/** Credentials with less than this left are fetched again (the AWS SDK's window). */
export const AWS_REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000

const shared = new Map<string, RefreshingCredentials>()

/** The thread's cached credentials for this spec and region. */
export function sharedAwsCredentials(spec: MskSpec, region: string): Promise<AwsCredentials> {
  const key = JSON.stringify([spec.profile, spec.roleArn, spec.roleSessionName, region])
  let entry = shared.get(key)
  if (entry === undefined) {
    entry = new RefreshingCredentials(defaultChainSource(spec, region))
    shared.set(key, entry)
  }
  return entry.get()
}

/**
 * A credential source; `forceRefresh` asks it to bypass its own cache (the SDK's chain would
 * otherwise hand back credentials close to expiry and refresh them in the background).
 */
export type CredentialSource = (options?: { forceRefresh?: boolean }) => Promise<AwsCredentials>

/** Caches what `source` returns until 5 minutes before its expiration; one fetch at a time. */
export class RefreshingCredentials {
  #current: AwsCredentials | null = null
  #inFlight: Promise<AwsCredentials> | null = null
  readonly #source: CredentialSource
  readonly #now: () => number

  constructor(source: CredentialSource, now: () => number = Date.now) {
    this.#source = source
    this.#now = now
  }

  get(): Promise<AwsCredentials> {
    const c = this.#current
    if (c !== null && (c.expiration === undefined || c.expiration.getTime() - this.#now() > AWS_REFRESH_BEFORE_EXPIRY_MS)) {
      return Promise.resolve(c)
    }
    if (this.#inFlight === null) {
      this.#inFlight = this.#source({ forceRefresh: c !== null }).then(
        (fresh) => {
          this.#current = fresh
          this.#inFlight = null
          return fresh
        },
        (err: unknown) => {
          this.#inFlight = null
          throw err
        },
      )
    }
    return this.#inFlight
  }
}

/** The default chain (optionally for a named profile), then STS AssumeRole when a role is set. */
export function defaultChainSource(spec: MskSpec, region: string): CredentialSource {
  let base: CredentialSource | undefined
  const chain: CredentialSource = async (options) => {
    if (base === undefined) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node')
      base = defaultProvider(spec.profile !== null ? { profile: spec.profile } : {})
    }
    try {
      return await base(options)
    } catch (err) {
      throw noCredentialsError(spec, err)
    }
  }
  if (spec.roleArn === null) return chain
  const roleArn = spec.roleArn
  return async () => {
    const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts')
    const client = new STSClient({ region, credentials: chain })
    try {
      const out = await client.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: spec.roleSessionName ?? `sluice-${Date.now()}` }),
      )
      const c = out.Credentials
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS AssumeRole returned no credentials')
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration }
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'SLUICE_KAFKA_AWS_CREDENTIALS') throw err
      throw assumeRoleError(roleArn, region, err)
    } finally {
      client.destroy()
    }
  }
}

function noCredentialsError(spec: MskSpec, err: unknown): SluiceError {
  const profile = spec.profile !== null ? `profile "${spec.profile}" (awsProfileName)` : 'the profile in AWS_PROFILE, else "default"'
  return new SluiceError(
    'SLUICE_KAFKA_AWS_CREDENTIALS',
    'AWS_MSK_IAM found no AWS credentials: the AWS SDK\'s default chain tried, in order, the ' +
      'environment (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN for temporary ' +
      `keys), the shared files ~/.aws/credentials and ~/.aws/config (${profile}), web identity ` +
      '(AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, as EKS IRSA sets them), the container role ' +
      '(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, as ECS and EKS Pod Identity set them) ' +
      `and the EC2 instance role, and none gave credentials (${describe(err)}). Give the process ` +
      'credentials one of these ways (on EKS: a service account with an IAM role; locally: ' +
      'AWS_PROFILE or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables), or fix ' +
      'awsProfileName in kafka.sasl.jaas.config.',
    { retriable: false, cause: err, details: { profile: spec.profile } },
  )
}

function assumeRoleError(roleArn: string, region: string, err: unknown): SluiceError {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  const retriable = status === undefined ? !(err instanceof Error && err.name === 'CredentialsProviderError') : status >= 500 || status === 429
  return new SluiceError(
    'SLUICE_KAFKA_AWS_CREDENTIALS',
    `AWS_MSK_IAM could not assume the role ${roleArn} (awsRoleArn) through STS in ${region}: ` +
      `${describe(err)}. The credentials of the default chain must be allowed sts:AssumeRole on that ` +
      'role, and the role\'s trust policy must allow them; check both, or remove awsRoleArn from ' +
      'kafka.sasl.jaas.config to sign with the default chain\'s own credentials.',
    { retriable, cause: err, details: { roleArn, region, ...(status !== undefined ? { status } : {}) } },
  )
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return String(err)
}
