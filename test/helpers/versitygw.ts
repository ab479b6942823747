/**
 * versitygw (Versity S3 Gateway, Apache-2.0) on 127.0.0.1 for tests: a real S3 server that
 * ENFORCES conditional writes (`If-None-Match: *` on an existing key -> 412 PreconditionFailed),
 * which s3rver does not. Its posix backend stores each bucket as a directory and each object as a
 * file under a temporary root that stop() removes.
 *
 * The binary is built by `make s3-server` (mk/s3.mk, pinned version) into .cache/s3/; the Makefile
 * exports its path as SLUICE_VERSITYGW. A missing binary is an error naming that target: tests
 * that need an enforcing S3 must fail, not skip.
 *
 * Credentials: the gateway's root account is created with s3rver's test credentials (S3RVER /
 * S3RVER), so every helper that talks to s3rver (s3SettingsFor, OutputReader, the stack's env)
 * talks to versitygw unchanged. Unlike s3rver, versitygw verifies SigV4 signatures.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY } from './s3rver.js'
import { repoRoot } from './sluice-process.js'

export const VERSITYGW_VERSION = 'v1.8.0'

export interface VersitygwHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  /** The gateway's root directory (buckets are its sub-directories; removed by stop()). */
  dir: string
  createBucket(name: string): Promise<void>
  /** Multipart uploads in progress under a prefix (ListMultipartUploads, which s3rver lacks). */
  uploadsInProgress(bucket: string, prefix: string): Promise<{ key: string; uploadId: string }[]>
  stop(): Promise<void>
}

export function versitygwBinary(): string {
  const bin =
    process.env.SLUICE_VERSITYGW ?? join(repoRoot, '.cache', 's3', `versitygw-${VERSITYGW_VERSION}`, 'versitygw')
  if (!existsSync(bin)) {
    throw new Error(
      `versitygw ${VERSITYGW_VERSION} is not built (${bin} is missing): the tests that need an S3 ` +
        'server enforcing conditional writes run on it. Run `make s3-server` (or `make test`, which ' +
        'builds it from the Go module proxy).',
    )
  }
  return bin
}

export async function startVersitygw(options: { buckets?: string[] } = {}): Promise<VersitygwHandle> {
  const bin = versitygwBinary()
  const dir = await mkdtemp(join(tmpdir(), 'sluice-versitygw-'))
  let child: ChildProcess | undefined
  let port = 0
  try {
    // A free port can be taken between the probe and the gateway's bind: retry a few times.
    for (let attempt = 1; child === undefined; attempt++) {
      port = await freePort()
      try {
        child = await launch(bin, dir, port)
      } catch (err) {
        if (attempt >= 3) throw err
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  let stopped = false
  const handle: VersitygwHandle = {
    endpoint,
    dir,
    async createBucket(name) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }))
      } catch (err) {
        const e = err as { name?: string }
        if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw err
      }
    },
    async uploadsInProgress(bucket, prefix) {
      const out: { key: string; uploadId: string }[] = []
      let keyMarker: string | undefined
      let uploadIdMarker: string | undefined
      for (;;) {
        const r = await client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        )
        for (const u of r.Uploads ?? []) out.push({ key: u.Key!, uploadId: u.UploadId! })
        if (!r.IsTruncated) return out
        keyMarker = r.NextKeyMarker
        uploadIdMarker = r.NextUploadIdMarker
      }
    },
    async stop() {
      if (stopped) return
      stopped = true
      client.destroy()
      try {
        await stopChild(child!)
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

async function launch(bin: string, dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    bin,
    ['--access', S3RVER_ACCESS_KEY_ID, '--secret', S3RVER_SECRET_ACCESS_KEY, '--port', `127.0.0.1:${port}`, '--quiet', 'posix', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000)
  })
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`versitygw exited (${code ?? signal}) before listening on ${port}: ${stderr}`)))
    child.once('error', reject)
  })
  exited.catch(() => {})
  try {
    await Promise.race([waitListening(port, 30_000), exited])
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return child
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

/** Polls until a TCP connection to the port succeeds (the gateway binds once it is ready). */
async function waitListening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`versitygw did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
