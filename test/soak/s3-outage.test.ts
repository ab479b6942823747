/**
 * An S3 outage that outlasts the retries (`make soak`: the pauses add up to 1.5-3 minutes). Every
 * data-file PUT fails (503 through the fault proxy, in front of versitygw): the AWS SDK tries each
 * PUT 3 times, then the one retry policy (src/commit/retry-policy.ts, docs/errors.md) retries the
 * trigger 10 times (1 s doubling to 30 s, jittered), each resuming from the logs, and the 11th
 * failure ends the query with SLUICE_S3_UNAVAILABLE naming the object. After the outage a
 * restart lands every record exactly once.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { RETRY_ATTEMPTS } from '../../src/commit/index.js'
import { assertS3ExactlyOnce } from '../helpers/crash-harness.js'
import { loadgen, producedMessages, s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { type S3FaultProxy, startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 's3-outage'
let stack: Stack
let proxy: S3FaultProxy
let dir: string

before(async () => {
  stack = await startStack({ buckets: [BUCKET], s3Server: 'versitygw' })
  proxy = await startS3FaultProxy({ upstream: stack.s3.endpoint, seed: 13 })
  dir = await tempDir('sluice-s3-outage-')
})
after(async () => {
  await proxy?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

test(`S3 failing every data-file write: ${RETRY_ATTEMPTS} trigger retries with backoff, then SLUICE_S3_UNAVAILABLE naming the key; after the outage a restart lands every record once`, { timeout: 600_000 }, async () => {
  await loadgen(stack, 'outage', 2, 1000)
  const file = await writeJob(dir, 'outage', s3Job({ name: 'outage', bucket: BUCKET, prefix: 'outage', topic: 'outage', source: { maxOffsetsPerTrigger: 1000 }, sink: { coalesce: 1 } }))
  const { messages } = await producedMessages(stack.kafka.bootstrap, 'outage')
  const rule = proxy.addRule({ method: 'PUT', bucket: BUCKET, key: /^outage\/out\/part-/, fault: { type: 'error', status: 503 } })
  const run = await runCli(['run', file, '--trigger', 'availableNow'], { ...stack.env, S3_ENDPOINT: proxy.endpoint }, 400_000)
  proxy.clearRules()
  assert.equal(run.signal, null, 'the query ended by itself (not cut by the test)')
  assert.equal(run.code, 1, 'the query ends when the fault outlasts the retries')
  assert.match(run.stderr, /SLUICE_S3_UNAVAILABLE/, run.stderr)
  assert.match(run.stderr, /outage\/out\/part-/, 'the error names the object')
  const retries = logLines(run.stdout).filter((l) => l.msg === 'trigger failed with a retriable error; resuming from the checkpoint after a pause')
  assert.equal(retries.length, RETRY_ATTEMPTS, 'one warning per trigger retry')
  assert.deepEqual(retries.map((l) => l.attempt), Array.from({ length: RETRY_ATTEMPTS }, (_, i) => i + 1))
  assert.equal(rule.injected % 3, 0, `each PUT was tried 3 times by the SDK (${rule.injected} injected)`)
  assert.ok(rule.injected >= 3 * (RETRY_ATTEMPTS + 1), `${RETRY_ATTEMPTS + 1} batch attempts × 3 SDK attempts at least (${rule.injected})`)

  const again = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
  assert.equal(again.code, 0, again.stderr)
  await assertS3ExactlyOnce(stack, BUCKET, 'outage/out/', messages, 'after the outage')
})
