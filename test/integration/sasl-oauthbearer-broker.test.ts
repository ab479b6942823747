/**
 * OAUTHBEARER end to end with a real Apache Kafka broker (3.9, the Maven Central jars of
 * `make kafka-real`) that validates tokens with Kafka's own OAuthBearerValidatorCallbackHandler
 * against the JWKS of the test's OIDC endpoint (test/helpers/oidc-endpoint.ts: RS256 JWTs signed
 * with node:crypto). sluice's client-credentials provider fetches the token; the test speaks the
 * SASL exchange itself (SaslHandshake v1, SaslAuthenticate v1 with RFC 7628's client first
 * message, then a Metadata request on the authenticated connection), because the wire client's
 * SASL support is built separately. A token signed with another key is refused by the broker.
 *
 * The broker is started here rather than with test/helpers/kafka-real.ts: that helper's listener
 * is PLAINTEXT, and this broker needs a SASL_PLAINTEXT one (plus a PLAINTEXT one between broker
 * and controller). One KRaft node, one JVM for the format and one for the broker.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { clientCredentialsTokenProvider } from '../../src/kafka/sasl/oidc-token.js'
import { until } from '../helpers/eventually.js'
import { kafkaRealLibs } from '../helpers/kafka-real.js'
import { startOidcEndpoint, type OidcEndpoint } from '../helpers/oidc-endpoint.js'

const run = promisify(execFile)
const JVM = ['-Xms64m', '-Xmx384m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Djava.awt.headless=true']
const AUDIENCE = 'kafka-test'

let idp: OidcEndpoint
let stranger: OidcEndpoint
let broker: ChildProcess | undefined
let root = ''
let saslPort = 0

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

before(async () => {
  idp = await startOidcEndpoint({ clients: { 'sluice-job': 'job-secret' }, audience: AUDIENCE })
  stranger = await startOidcEndpoint({ clients: { 'sluice-job': 'job-secret' }, audience: AUDIENCE })
  const { libs } = kafkaRealLibs('3.9')
  root = mkdtempSync(join(tmpdir(), 'sluice-oauth-broker-'))
  saslPort = await freePort()
  const internalPort = await freePort()
  const controllerPort = await freePort()
  const config = join(root, 'server.properties')
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `SASL://127.0.0.1:${saslPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL://127.0.0.1:${saslPort},INTERNAL://127.0.0.1:${internalPort}`,
    'listener.security.protocol.map': 'SASL:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'INTERNAL',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.sasl.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
    'listener.name.sasl.oauthbearer.sasl.server.callback.handler.class':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
    'sasl.oauthbearer.jwks.endpoint.url': idp.jwksUrl,
    'sasl.oauthbearer.expected.audience': AUDIENCE,
    'connections.max.reauth.ms': '600000',
    'log.dirs': join(root, 'data'),
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'num.network.threads': '2',
    'num.io.threads': '2',
  }
  writeFileSync(config, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
  const log4j = join(root, 'log4j.properties')
  writeFileSync(log4j, 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n' +
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n')
  const cp = ['-cp', `${libs}/*`]
  const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')
  await run('java', [...JVM, `-Dlog4j.configuration=file:${log4j}`, ...cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config], { timeout: 120_000 })
  const fd = openSync(join(root, 'kafka.log'), 'a')
  // Kafka 3.9.1+ / 4 only fetch JWKS from URLs this system property allows (3.9 allows all by default).
  const allowed = `-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${idp.jwksUrl}`
  broker = spawn('java', [...JVM, allowed, `-Dlog4j.configuration=file:${log4j}`, ...cp, 'kafka.Kafka', config], { stdio: ['ignore', fd, fd] })
  closeSync(fd)
  process.once('exit', () => broker?.kill('SIGKILL'))
  const token = await clientCredentialsTokenProvider(spec(idp)).token()
  await until('the broker authenticates an OAUTHBEARER token', () => authenticate(token.value).catch((e: unknown) => ({ error: String(e) })),
    (r) => 'errorCode' in r && r.errorCode === 0 && r.serverError === undefined, { timeoutMs: 120_000 }).catch((err: unknown) => {
    throw new Error(`${String(err)}\nbroker log:\n${brokerLog()}`)
  })
})

after(async () => {
  if (broker !== undefined && broker.exitCode === null) {
    const exited = new Promise((resolve) => broker!.once('exit', resolve))
    broker.kill('SIGKILL')
    await exited
  }
  await idp?.stop()
  await stranger?.stop()
  if (root !== '') rmSync(root, { recursive: true, force: true })
})

function brokerLog(): string {
  try {
    return readFileSync(join(root, 'kafka.log'), 'utf8').split('\n').slice(-40).join('\n')
  } catch {
    return '(no log)'
  }
}

function spec(endpoint: OidcEndpoint) {
  return { kind: 'client-credentials' as const, endpointUrl: endpoint.tokenUrl, clientId: 'sluice-job', clientSecret: 'job-secret', scope: 'kafka' }
}

// ---- the minimal wire exchange (request header v1, response header v0; all versions here are non-flexible)

function request(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const clientId = Buffer.from('sluice-test')
  const header = Buffer.alloc(10)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(clientId.length, 8)
  const msg = Buffer.concat([header, clientId, body])
  const size = Buffer.alloc(4)
  size.writeInt32BE(msg.length)
  return Buffer.concat([size, msg])
}

function str(s: string): Buffer {
  const b = Buffer.from(s)
  const len = Buffer.alloc(2)
  len.writeInt16BE(b.length)
  return Buffer.concat([len, b])
}

/** Sends one request at a time on one socket; resolves each response body (after the correlation id). */
class Wire {
  #socket: Socket
  #buf = Buffer.alloc(0)
  #waiting: ((b: Buffer) => void) | null = null
  #failed: ((e: Error) => void) | null = null
  #correlation = 0

  constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d])
      this.#drain()
    })
    socket.on('close', () => this.#failed?.(new Error('the broker closed the connection')))
    socket.on('error', (e) => this.#failed?.(e))
  }

  #drain(): void {
    if (this.#buf.length < 4) return
    const size = this.#buf.readInt32BE(0)
    if (this.#buf.length < 4 + size) return
    const frame = this.#buf.subarray(8, 4 + size)
    this.#buf = this.#buf.subarray(4 + size)
    const w = this.#waiting
    this.#waiting = null
    w?.(frame)
  }

  send(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#waiting = resolve
      this.#failed = reject
      this.#socket.write(request(apiKey, apiVersion, ++this.#correlation, body))
    })
  }

  close(): void {
    this.#socket.destroy()
  }
}

interface AuthResult {
  errorCode: number
  errorMessage: string | null
  sessionLifetimeMs: number
  /** RFC 7628 §3.2.2: a refused token is answered with a JSON error challenge first. */
  serverError?: string
  /** Broker count of a Metadata v1 response on the authenticated connection (success only). */
  metadataBrokers?: number
}

async function authenticate(token: string): Promise<AuthResult> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = new Socket()
    s.once('error', reject)
    s.connect(saslPort, '127.0.0.1', () => resolve(s))
  })
  const wire = new Wire(socket)
  try {
    const hs = await wire.send(17, 1, str('OAUTHBEARER'))
    const hsError = hs.readInt16BE(0)
    if (hsError !== 0) throw new Error(`SaslHandshake error ${hsError}`)
    const first = Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`)
    const len = Buffer.alloc(4)
    len.writeInt32BE(first.length)
    let result = parseAuthenticate(await wire.send(36, 1, Buffer.concat([len, first])))
    if (result.errorCode === 0 && result.authBytes.length > 0) {
      // The error challenge: the client answers with a lone 0x01 and the broker then fails the exchange.
      const serverError = result.authBytes.toString()
      result = parseAuthenticate(await wire.send(36, 1, Buffer.from([0, 0, 0, 1, 1])))
      return { ...strip(result), serverError }
    }
    if (result.errorCode === 0) {
      const md = await wire.send(3, 1, Buffer.from([0xff, 0xff, 0xff, 0xff])) // Metadata v1, topics = null (all)
      return { ...strip(result), metadataBrokers: md.readInt32BE(0) }
    }
    return strip(result)
  } finally {
    wire.close()
  }
}

function parseAuthenticate(res: Buffer): AuthResult & { authBytes: Buffer } {
  const errorCode = res.readInt16BE(0)
  const msgLen = res.readInt16BE(2)
  const errorMessage = msgLen < 0 ? null : res.subarray(4, 4 + msgLen).toString()
  let at = 4 + Math.max(msgLen, 0)
  const authLen = res.readInt32BE(at)
  const authBytes = res.subarray(at + 4, at + 4 + Math.max(authLen, 0))
  at += 4 + Math.max(authLen, 0)
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs: Number(res.readBigInt64BE(at)) }
}

function strip(r: AuthResult & { authBytes: Buffer }): AuthResult {
  return { errorCode: r.errorCode, errorMessage: r.errorMessage, sessionLifetimeMs: r.sessionLifetimeMs }
}

test('a token from the client-credentials provider is accepted by Kafka\'s JWKS validator; the session serves requests', async () => {
  const provider = clientCredentialsTokenProvider(spec(idp))
  const token = await provider.token()
  const r = await authenticate(token.value)
  assert.equal(r.errorCode, 0, `SaslAuthenticate: ${r.errorMessage}`)
  assert.equal(r.serverError, undefined)
  assert.equal(r.metadataBrokers, 1, 'a Metadata request on the authenticated connection lists the broker')
  assert.ok(r.sessionLifetimeMs > 0 && r.sessionLifetimeMs <= token.expiresAtMs - Date.now() + 1_000,
    `the broker bounds the session by the token's expiry (${r.sessionLifetimeMs} ms)`)
})

test('a refreshed token is accepted too; a token signed by another issuer\'s key is refused', async () => {
  let now = Date.now()
  const provider = clientCredentialsTokenProvider(spec(idp), { now: () => now })
  const first = await provider.token()
  now += 0.9 * (first.expiresAtMs - now)
  const second = await provider.token()
  assert.notEqual(second.value, first.value)
  const again = await authenticate(second.value)
  assert.equal(again.errorCode, 0)
  assert.equal(again.metadataBrokers, 1)

  const foreign = await clientCredentialsTokenProvider(spec(stranger)).token()
  const r = await authenticate(foreign.value)
  assert.match(r.serverError ?? '', /"status":"invalid_token"/, 'the broker\'s RFC 7628 error challenge')
  assert.equal(r.errorCode, 58, `SASL_AUTHENTICATION_FAILED expected, got ${r.errorCode} ${r.errorMessage}`)
  assert.equal(r.metadataBrokers, undefined)
})
