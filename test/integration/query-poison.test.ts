/**
 * Poison batches (issue 6 item 5): a NUL in a partition value is escaped, not a failure; a
 * partition value that makes the S3 key longer than 1,024 bytes ends the query at once with
 * SLUICE_STORE_KEY_TOO_LONG (s3rver answers such a PUT with a bare 500, which must not be
 * retried), the files the batch had completed are removed, and the documented way of moving past
 * the range works.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { parseInitialOffsets, serializeInitialOffsets } from '../../src/checkpoint/index.js'
import { isSluiceError } from '../../src/errors.js'
import { createStore, parseLocation } from '../../src/storage/index.js'
import { mapS3Error } from '../../src/storage/s3-errors.js'
import { OutputReader } from '../helpers/output-reader.js'
import { startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { s3SettingsFor } from '../helpers/s3rver.js'
import { logLines } from '../helpers/sluice-process.js'
import { produceLines, runCli, s3Job, useStack, writeJob } from '../helpers/toolkit.js'

const BUCKET = 'query-poison'
const ctx = useStack({ topics: [{ name: 'nul', partitions: 1 }, { name: 'long', partitions: 2 }], buckets: [BUCKET], tempPrefix: 'sluice-q-poison-' })
const record = (message: string, cat: string): string => JSON.stringify({ message, cat })
const job = (prefix: string, topic: string) =>
  s3Job({
    name: prefix,
    bucket: BUCKET,
    prefix,
    topic,
    sink: { partitionBy: ['cat'], coalesce: 2 },
    extra: { schema: 'message STRING, cat STRING' },
  })

test('a NUL or other control character in a partition value is escaped (%00) and the batch commits', { timeout: 120_000 }, async () => {
  await produceLines(ctx.stack.kafka.bootstrap, 'nul', [record('m1', 'a\u0000b'), record('m2', 'tab\there'), record('m3', 'plain')])
  const run = await runCli(['run', await writeJob(ctx.dir, 'nul', job('nul', 'nul')), '--trigger', 'availableNow'], ctx.stack.env)
  assert.equal(run.code, 0, run.stderr)
  const out = new OutputReader({ endpoint: ctx.stack.s3.endpoint, bucket: BUCKET, prefix: 'nul/out/' })
  try {
    const rows = await out.viaSparkMetadata()
    assert.deepEqual(rows.map((r) => r.dir).sort(), ['cat=a%00b', 'cat=plain', 'cat=tab%09here'])
    assert.deepEqual(rows.map((r) => (JSON.parse(r.line) as { message: string }).message).sort(), ['m1', 'm2', 'm3'])
  } finally {
    out.close()
  }
})

// s3rver stores a key as a file path and answers 500 for a segment over NAME_MAX, then throws
// asynchronously in this process; the fault proxy gives the same answers (s3rver's bare 500 and
// AWS's 400 KeyTooLongError) without touching s3rver.
for (const answer of [{ status: 500, code: 'InternalError' }, { status: 400, code: 'KeyTooLongError' }]) {
  test(`an S3 answer ${answer.status} ${answer.code} for a key over 1,024 bytes is SLUICE_STORE_KEY_TOO_LONG, not retriable`, async () => {
    const proxy = await startS3FaultProxy({ upstream: ctx.stack.s3.endpoint })
    proxy.addRule({ bucket: BUCKET, key: /k{1000}/, fault: { type: 'error', ...answer } })
    const s3 = new S3Client({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    })
    const key = `x/${'k'.repeat(1100)}`
    try {
      const err = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' })).then(
        () => null,
        (e: unknown) => e,
      )
      assert.ok(err !== null, 'the key was refused')
      const mapped = mapS3Error(err, { op: 'PutObject', bucket: BUCKET, key, credentials: 'test', endpoint: proxy.endpoint, conditional: false })
      assert.ok(isSluiceError(mapped), String(mapped))
      assert.equal(mapped.code, 'SLUICE_STORE_KEY_TOO_LONG')
      assert.equal(mapped.retriable, false)
      assert.match(mapped.message, /1102 bytes, over S3's limit of 1024/)
      // A 500 for a short key stays a transient failure.
      const short = mapS3Error(err, { op: 'PutObject', bucket: BUCKET, key: 'x/short', credentials: 'test', endpoint: proxy.endpoint, conditional: false })
      if (answer.status === 500) assert.ok(isSluiceError(short) && short.code === 'SLUICE_S3_UNAVAILABLE' && short.retriable)
    } finally {
      s3.destroy()
      await proxy.close()
    }
  })
}

test('a partition value too long for an S3 key ends the query at once, leaves no file of the batch visible, and the documented skip moves past it', { timeout: 180_000 }, async () => {
  const { stack } = ctx
  // Partition 0: good records (its writer task completes its file); partition 1: one good, then one too long.
  await produceLines(stack.kafka.bootstrap, 'long', ['g0', 'g1', 'g2'].map((m) => record(m, 'ok')), 0)
  await produceLines(stack.kafka.bootstrap, 'long', [record('g3', 'ok'), record('bad', 'v'.repeat(1100)), record('g4', 'ok')], 1)
  const file = await writeJob(ctx.dir, 'long', job('long', 'long'))

  const run = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
  assert.notEqual(run.code, 0, 'the batch cannot be written')
  assert.match(run.stderr, /SLUICE_STORE_KEY_TOO_LONG/, run.stderr)
  const lines = logLines(run.stdout)
  assert.ok(!lines.some((l) => typeof l.msg === 'string' && /retriable error/.test(l.msg)), 'not retried')
  const out = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: 'long/out/' })
  try {
    assert.deepEqual(await out.viaListing(), [], 'no file of the failed batch stays visible to plain readers')
    // The merge writers complete files at the batch's end (or when memory forces a cut), so whether
    // partition 0's writer completed its file before partition 1's failed is a race; when it did,
    // the query removed it (and says so), and either way no file is left visible (checked above).
    const removal = lines.find((l) => l.msg === 'the query ends with this batch uncommitted: removed the files it had completed, so plain readers see none of it')
    if (removal !== undefined) assert.ok(Number(removal.removedFiles) >= 1, JSON.stringify(removal))

    // docs/errors.md, "A batch that fails for good": move partition 1's start past the bad record
    // in sources/0/0 (batch 0), delete offsets/0, restart.
    const cp = createStore({ location: parseLocation(`s3a://${BUCKET}/long/checkpoint/`), s3: s3SettingsFor(stack.s3.endpoint) })
    try {
      const where = 'sources/0/0'
      const start = parseInitialOffsets((await cp.get(where))!, where)
      assert.deepEqual(start, { long: { 0: 0, 1: 0 } })
      await cp.put(where, serializeInitialOffsets({ long: { 0: 0, 1: 2 } }))
      assert.ok((await cp.get('offsets/0')) !== null && (await cp.get('commits/0')) === null)
      await cp.delete(['offsets/0'])
    } finally {
      await cp.close()
    }
    const again = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
    assert.equal(again.code, 0, again.stderr)
    for (const rows of [await out.viaSparkMetadata(), await out.viaListing()]) {
      assert.deepEqual(rows.map((r) => (JSON.parse(r.line) as { message: string }).message).sort(), ['g0', 'g1', 'g2', 'g4'], 'g3 and bad skipped, nothing else')
    }
  } finally {
    out.close()
  }
})
