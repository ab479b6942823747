/**
 * s3rver (npm `s3rver` 3.7, CommonJS) on 127.0.0.1 for tests and benchmarks: a real S3 HTTP
 * server storing objects in a temporary directory that stop() always removes.
 *
 * What s3rver does and does not do (checked against its sources, lib/middleware/authentication.js
 * and lib/controllers/*.js):
 * - Only the access key id `S3RVER` (secret `S3RVER`) exists; any other id is refused with 403
 *   InvalidAccessKeyId. SigV4 signatures are not verified, so a wrong secret is NOT detected.
 * - It ignores `If-None-Match: *` on PutObject (a second conditional PUT succeeds).
 * - ListObjectsV2 with continuation tokens, DeleteObjects (`POST ?delete`) and multipart uploads
 *   are supported.
 *
 * By default the server runs in this process (cheap, fine for tests). `inChildProcess: true` runs it
 * in a child `node` process so that a benchmark does not share its event loop with the server.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import type { S3Settings } from '../../src/storage/types.js'

export interface S3rverOptions {
  /** Buckets to create before returning. */
  buckets?: string[]
  /** Run the server in a child process (benchmarks). Default false. */
  inChildProcess?: boolean
}

export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  /** The directory s3rver stores objects in (removed by stop()). */
  dir: string
  createBucket(name: string): Promise<void>
  stop(): Promise<void>
}

/** The only credentials s3rver accepts. */
export const S3RVER_ACCESS_KEY_ID = 'S3RVER'
export const S3RVER_SECRET_ACCESS_KEY = 'S3RVER'

interface S3rverInstance {
  run(): Promise<{ port: number }>
  close(): Promise<void>
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance

const require = createRequire(import.meta.url)

export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'))
  let stopServer: () => Promise<void>
  let port: number
  try {
    const started = options.inChildProcess ? await startChild(dir) : await startInProcess(dir)
    port = started.port
    stopServer = started.stop
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  const endpoint = `http://127.0.0.1:${port}`
  let stopped = false
  const handle: S3rverHandle = {
    endpoint,
    dir,
    createBucket: (name) => createBucket(endpoint, name),
    async stop() {
      if (stopped) return
      stopped = true
      try {
        await stopServer()
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  }
  try {
    for (const bucket of options.buckets ?? []) await handle.createBucket(bucket)
  } catch (err) {
    await handle.stop()
    throw err
  }
  return handle
}

/** S3Settings that reach the given s3rver endpoint (path style, s3rver's credentials). */
export function s3SettingsFor(endpoint: string, extra: Partial<S3Settings> = {}): S3Settings {
  return {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
    ...extra,
  }
}

async function startInProcess(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const S3rver = require('s3rver') as S3rverCtor
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir })
  const address = await server.run()
  return { port: address.port, stop: () => server.close() }
}

const CHILD_SCRIPT = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
server.run().then((a) => process.stdout.write('PORT ' + a.port + '\\n'), (e) => { console.error(e); process.exit(1) });
process.on('SIGTERM', () => server.close().then(() => process.exit(0), () => process.exit(0)));
`

/**
 * s3rver signs ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 only has in its
 * legacy provider: without it every listing of more than 1,000 keys (the first truncated page)
 * answers 500 InternalError. The child enables the legacy provider; the in-process server cannot,
 * so tests that list more than 1,000 keys use `inChildProcess: true`.
 */
async function startChild(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SCRIPT, require.resolve('s3rver'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString()
      const m = /PORT (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`s3rver child exited with code ${code}`)))
    child.once('error', reject)
  })
  return { port, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

async function createBucket(endpoint: string, name: string): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
  })
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }))
  } catch (err) {
    const e = err as { name?: string }
    if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw err
  } finally {
    client.destroy()
  }
}
