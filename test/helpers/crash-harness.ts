/**
 * Kill-and-restart harness for the commit protocol: runs `sluice run` as a child process whose S3
 * traffic goes through the fault proxy, SIGKILLs it from a proxy hook at an exact request (so at
 * an exact step, without hooks in production code), restarts it on the same checkpoint, and checks
 * afterwards what a reader and an operator see:
 * - exactly-once through `_spark_metadata` and through a plain listing,
 * - no multipart upload of the query left in progress (versitygw; s3rver can neither list nor
 *   abort multipart uploads, see `uploadsLeft`),
 * - no intent file of a committed batch left in the checkpoint,
 * - (file:// sinks) no temporary file left in the output.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { OutputReader } from './output-reader.js'
import { assertExactlyOnce, CliProcess, listFiles, messagesOfLines, s3LogIds } from './query-fixtures.js'
import type { ProxiedRequest, ProxyMatch, S3FaultProxy } from './s3-fault-proxy.js'
import type { Stack } from './stack.js'

/** Where to stop a run: a request pattern, its occurrence in the run, and before or after it. */
export interface CrashPoint {
  name: string
  match: ProxyMatch
  /** Which matching request of the run (1-based; default 1). */
  nth?: number
  /** 'after': upstream has done the request, the process dies before it sees the answer. */
  when: 'before' | 'after'
  /** Read the request body (for DeleteObjects: which keys) and decide with `accept`. */
  accept?: (req: ProxiedRequest) => boolean
}

export interface KilledRun {
  point: CrashPoint
  killedAt: ProxiedRequest
}

/**
 * Starts `sluice run job` through the proxy and SIGKILLs it at `point`. Rejects if the process
 * exits before reaching it (the step did not happen: the protocol changed or the run was done).
 */
export async function runAndKillAt(
  proxy: S3FaultProxy,
  env: Record<string, string>,
  args: string[],
  point: CrashPoint,
): Promise<KilledRun> {
  proxy.clearRules()
  const p = new CliProcess(args, { ...env, S3_ENDPOINT: proxy.endpoint })
  let seen = 0
  let killedAt: ProxiedRequest | undefined
  let resolveKilled!: () => void
  const killed = new Promise<void>((resolve) => (resolveKilled = resolve))
  proxy.onRequest(
    { ...point.match, phase: point.when === 'before' ? 'request' : 'response', body: point.accept !== undefined },
    async (req) => {
      if (killedAt !== undefined || (point.accept && !point.accept(req))) return 'continue'
      if (++seen < (point.nth ?? 1)) return 'continue'
      killedAt = req
      p.kill()
      await p.exited
      resolveKilled()
      return 'drop'
    },
  )
  const first = await Promise.race([killed.then(() => 'killed' as const), p.exited.then(() => 'exited' as const)])
  proxy.clearRules()
  if (first === 'exited' && killedAt === undefined) {
    assert.fail(`crash point "${point.name}" was never reached: sluice exited on its own first.\n${p.tail()}`)
  }
  const end = await p.exited
  assert.equal(end.signal, 'SIGKILL', `crash point "${point.name}": killed by SIGKILL\n${p.tail()}`)
  return { point, killedAt: killedAt! }
}

/** Intent files left in the checkpoint for batches that are committed (`commits/N` present). */
export async function intentsOfCommittedBatches(reader: OutputReader, checkpointPrefix: string): Promise<string[]> {
  const committed = new Set(await s3LogIds(reader, `${checkpointPrefix}commits/`))
  const intents = await reader.list(`${checkpointPrefix}sluice/intents/`)
  return intents
    .map((o) => o.key)
    .filter((k) => committed.has(Number(k.slice(`${checkpointPrefix}sluice/intents/`.length).split('/')[0])))
}

/**
 * Multipart uploads under `prefix` still in progress. On versitygw: ListMultipartUploads. On
 * s3rver (3.7) there is no ListMultipartUploads (501) and AbortMultipartUpload is refused (405), so
 * an upload a client aborted stays there forever: its upload directories are read from disk
 * (`<bucket>/._S3rver_uploads/<id>/key`) and reported, but no client can ever clear them.
 */
export async function uploadsLeft(stack: Stack, bucket: string, prefix: string): Promise<string[]> {
  const s3 = stack.s3
  if ('uploadsInProgress' in s3) return (await s3.uploadsInProgress(bucket, prefix)).map((u) => u.key)
  const root = join(s3.dir, bucket, '._S3rver_uploads')
  let ids: string[]
  try {
    ids = await readdir(root)
  } catch {
    return []
  }
  const keys = await Promise.all(ids.map((id) => readFile(join(root, id, 'key'), 'utf8').catch(() => '')))
  return keys.filter((k) => k.startsWith(prefix))
}

/** Exactly-once through both readers of an S3 output. */
export async function assertS3ExactlyOnce(stack: Stack, bucket: string, outPrefix: string, messages: string[], what: string): Promise<void> {
  const out = new OutputReader({ endpoint: stack.s3.endpoint, bucket, prefix: outPrefix })
  try {
    assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, `${what}: via _spark_metadata`)
    assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, `${what}: via plain listing`)
  } finally {
    out.close()
  }
}

/** Files of a file:// output that look temporary (hidden names outside `_spark_metadata`, `.tmp`). */
export async function tempFilesLeft(outputDir: string): Promise<string[]> {
  return (await listFiles(outputDir)).filter((rel) => {
    if (rel.startsWith('_spark_metadata/')) return /\.tmp$|^_spark_metadata\/\./.test(rel)
    const name = rel.split('/').pop()!
    return name.includes('.sluice-tmp-') || name.startsWith('.') || name.startsWith('_') || /\.tmp$|\.crc$|~$/.test(name)
  })
}
