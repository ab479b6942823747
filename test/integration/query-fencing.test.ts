/**
 * Data fencing (issue 6 item 1): a process that lost the owner lease must never replace committed
 * files. Two `sluice run` processes overlap on one checkpoint, deterministically: A's S3 uploads
 * of data files go through a proxy that holds them; while one is held, B starts on the same
 * checkpoint (as in a rolling update, here with another `coalesce`, so the two attempts cut the
 * batch into different files), takes the lease, re-runs and commits the batch; then A's held
 * upload goes through. Spark readers and plain listings must still see every record exactly once,
 * and A must stop with SLUICE_CHECKPOINT_TAKEN_OVER.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import { startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { assertExactlyOnce, CliProcess, loadgen, messagesOfLines, producedMessages, s3Job, useStack, writeJob } from '../helpers/toolkit.js'
import { runCli } from '../helpers/sluice-process.js'

const BUCKET = 'query-fencing'
const TOPIC = 'fence'
const COUNT = 4000
const ctx = useStack({ buckets: [BUCKET], tempPrefix: 'sluice-q-fencing-' })

test('a fenced process whose upload completes after the new owner committed replaces nothing: every record once for Spark readers and listings', { timeout: 180_000 }, async () => {
  await loadgen(ctx.stack, TOPIC, 2, COUNT)
  const job = (coalesce: number) =>
    s3Job({ name: 'fence', bucket: BUCKET, prefix: 'fence', topic: TOPIC, sink: { trigger: '200 ms', coalesce } })
  const fileA = await writeJob(ctx.dir, 'fence-a', job(1))
  const fileB = await writeJob(ctx.dir, 'fence-b', job(2))

  // Hold A's data-file uploads (PutObject or multipart; not _spark_metadata, not the probe).
  const proxy = await startS3FaultProxy({ upstream: ctx.stack.s3.endpoint })
  ctx.onCleanup(() => proxy.close())
  const hold = proxy.addRule({ bucket: BUCKET, key: /^fence\/out\/(?!_)/, fault: { type: 'hold' } })
  const a = ctx.track(new CliProcess(['run', fileA], { ...ctx.stack.env, S3_ENDPOINT: proxy.endpoint }))
  const first = await Promise.race([hold.hit.then((r) => `${r.method} ${r.key}`), a.exited.then(() => null)])
  assert.ok(first !== null, `A exited before uploading a data file:\n${a.tail()}`)

  // B takes the checkpoint over and commits the batch while A's upload is held.
  const b = await runCli(['run', fileB, '--trigger', 'availableNow'], ctx.stack.env)
  assert.equal(b.code, 0, b.stderr)
  assert.match(b.stdout, /re-running batch that was not committed/, 'B re-ran the batch A had started')

  hold.release()
  const aEnd = await a.exited
  assert.notEqual(aEnd.code, 0, `A must stop once B took over:\n${a.tail()}`)
  assert.match(a.stderr, /SLUICE_CHECKPOINT_TAKEN_OVER/, a.tail())
  assert.ok(hold.injected > 0, `the held upload (${first}) went through after B committed`)

  // The owner goes on (a restart here): the sweep removes what A completed late.
  const final = await runCli(['run', fileB, '--trigger', 'availableNow'], ctx.stack.env)
  assert.equal(final.code, 0, final.stderr)

  const { messages } = await producedMessages(ctx.stack.kafka.bootstrap, TOPIC)
  assert.equal(messages.length, COUNT)
  const out = new OutputReader({ endpoint: ctx.stack.s3.endpoint, bucket: BUCKET, prefix: 'fence/out/' })
  try {
    assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, 'via _spark_metadata')
    assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, 'via plain listing')
  } finally {
    out.close()
  }
})
