/**
 * S3 faults through the fault proxy, in front of versitygw: sluice (the AWS SDK's 3 attempts,
 * then the coordinator's batch and trigger retries documented in docs/errors.md) rides out
 * throttling, 5xx, resets and truncated answers, gives up with a clear error when a fault outlasts
 * the documented attempts, and never loses or duplicates a record (checked through
 * `_spark_metadata` and through a plain listing after every scenario).
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { assertS3ExactlyOnce } from '../helpers/crash-harness.js'
import { loadgen, produceLines, producedMessages, s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { type ProxyRule, type S3FaultProxy, startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 's3-faults'
let stack: Stack
let proxy: S3FaultProxy
let dir: string

before(async () => {
  stack = await startStack({ buckets: [BUCKET], s3Server: 'versitygw' })
  proxy = await startS3FaultProxy({ upstream: stack.s3.endpoint, seed: 13 })
  dir = await tempDir('sluice-s3-faults-')
})
after(async () => {
  await proxy?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

interface Scenario {
  name: string
  records: number
  job?: { source?: Record<string, unknown>; sink?: Record<string, unknown>; s3?: Record<string, unknown> }
  /** Big records (~2.5 KB) in one partition, so that one file is a real multipart upload. */
  big?: boolean
}

async function setUp(s: Scenario): Promise<{ file: string; messages: string[] }> {
  const topic = s.name
  if (s.big) {
    // Two partitions filled by hand: the mock keeps ~5 MB per partition.
    await stack.kafka.createTopic(topic, 2)
    const pad = 'x'.repeat(2500)
    const lines = Array.from({ length: s.records }, (_, i) => JSON.stringify({ message: `${s.name}-${i}-${pad}` }))
    await produceLines(stack.kafka.bootstrap, topic, lines.filter((_, i) => i % 2 === 0), 0)
    await produceLines(stack.kafka.bootstrap, topic, lines.filter((_, i) => i % 2 === 1), 1)
  } else {
    await loadgen(stack, topic, 2, s.records)
  }
  const job = s3Job({
    name: s.name,
    bucket: BUCKET,
    prefix: s.name,
    topic,
    source: { maxOffsetsPerTrigger: s.big ? s.records : 1000, ...s.job?.source },
    sink: { coalesce: 1, ...s.job?.sink },
    extra: { s3: { endpoint: '${S3_ENDPOINT}', forcePathStyle: true, ...s.job?.s3 } },
  })
  const file = await writeJob(dir, s.name, job)
  const { messages } = await producedMessages(stack.kafka.bootstrap, topic)
  assert.equal(messages.length, s.records)
  return { file, messages }
}

function viaProxy(): Record<string, string> {
  return { ...stack.env, S3_ENDPOINT: proxy.endpoint }
}

function warnings(stdout: string, msg: string): number {
  return logLines(stdout).filter((l) => l.msg === msg).length
}

async function survives(s: Scenario, rules: ProxyRule[]): Promise<{ injected: number; stdout: string }> {
  const { file, messages } = await setUp(s)
  proxy.clearRules()
  const handles = rules.map((r) => proxy.addRule(r))
  const run = await runCli(['run', file, '--trigger', 'availableNow'], viaProxy(), 300_000)
  proxy.clearRules()
  const injected = handles.reduce((n, h) => n + h.injected, 0)
  assert.equal(run.code, 0, `sluice must ride out the faults (${injected} injected):\n${run.stderr.slice(-3000)}`)
  assert.ok(injected > 0, 'the faults were injected')
  await assertS3ExactlyOnce(stack, BUCKET, `${s.name}/out/`, messages, s.name)
  return { injected, stdout: run.stdout }
}

// Start-up writes (lease, probes, metadata) are left alone here: see the todo test below.
const steadyState = (r: { key: string }): boolean => !/probe-|sluice\/owner$|checkpoint\/metadata$/.test(r.key)

test('503 SlowDown on a fifth of the writes after start-up: retried, every record exactly once', { timeout: 300_000 }, async () => {
  await survives({ name: 'slowdown', records: 4000 }, [
    { method: 'PUT', bucket: BUCKET, key: /^slowdown\//, filter: steadyState, fraction: 0.2, fault: { type: 'error', status: 503 } },
    { method: 'POST', bucket: BUCKET, key: /^slowdown\//, filter: steadyState, fraction: 0.2, fault: { type: 'error', status: 503 } },
  ])
})

test(
  '503 SlowDown on every read of the checkpoint at start-up (3 SDK attempts): the start is retried like a trigger',
  {
    timeout: 300_000,
    todo: 'start-up (lease, reading the logs, the probe) is not retried today: one throttled GET after the SDK attempts ends the query (src/query/streaming-query.ts #recover)',
  },
  async () => {
    await survives({ name: 'startslow', records: 1000 }, [
      { method: 'GET', bucket: BUCKET, key: /^startslow\/checkpoint\/sources\/0\/0$/, nth: [1, 2, 3], fault: { type: 'error', status: 503 } },
    ])
  },
)

test('500 InternalError on a third of the data-file writes: retried, every record exactly once', { timeout: 300_000 }, async () => {
  await survives({ name: 'internal', records: 4000 }, [
    { method: 'PUT', bucket: BUCKET, key: /^internal\/out\/part-/, fraction: 0.34, fault: { type: 'error', status: 500 } },
  ])
})

test('writing offsets/N fails 6 times in a row (2 triggers of 3 SDK attempts): the trigger is retried after 1 s and 2 s', { timeout: 300_000 }, async () => {
  const { stdout } = await survives({ name: 'offsetsfail', records: 2000 }, [
    { method: 'PUT', bucket: BUCKET, key: /^offsetsfail\/checkpoint\/offsets\/1$/, nth: [1, 2, 3, 4, 5, 6], fault: { type: 'error', status: 503 } },
  ])
  assert.equal(warnings(stdout, 'trigger failed with a retriable error; resuming from the checkpoint after a pause'), 2)
})

test('connection reset in the middle of data uploads (request body and response): retried, exactly once', { timeout: 300_000 }, async () => {
  await survives({ name: 'resets', records: 2400, big: true, job: { s3: { partSize: '5MB' } } }, [
    { method: 'PUT', bucket: BUCKET, key: /^resets\/out\/part-/, query: /partNumber=1&/, nth: 1, fault: { type: 'reset-request', afterBytes: 1024 * 1024 } },
    { method: 'PUT', bucket: BUCKET, key: /^resets\/out\/part-/, nth: 2, fault: { type: 'reset-response', afterBytes: 0 } },
  ])
})

for (const keepLength of [true, false]) {
  test(`truncated CompleteMultipartUpload answer (${keepLength ? 'connection closed early' : 'XML cut short'}): the object is complete on S3, sluice retries, exactly once`, { timeout: 300_000 }, async () => {
    const name = keepLength ? 'cutclose' : 'cutxml'
    await survives({ name, records: 2400, big: true, job: { s3: { partSize: '5MB' } } }, [
      { method: 'POST', bucket: BUCKET, key: new RegExp(`^${name}/out/part-`), query: /uploadId=/, nth: 1, fault: { type: 'truncate', bytes: 60, keepLength } },
    ])
  })
}

test(
  'S3 failing every data-file write: 6 batch attempts with backoff, then SLUICE_S3_UNAVAILABLE naming the key; after the outage a restart lands every record once',
  {
    timeout: 300_000,
    todo:
      'the batch retries (6) and the trigger retries (10) compound: the query keeps going for ~60 batch attempts (several minutes) ' +
      'instead of ending after the 6 that docs/errors.md describes for writer tasks (src/query/streaming-query.ts); the run is cut after 60 s here',
  },
  async () => {
  const { file, messages } = await setUp({ name: 'outage', records: 1000 })
  proxy.clearRules()
  const rule = proxy.addRule({ method: 'PUT', bucket: BUCKET, key: /^outage\/out\/part-/, fault: { type: 'error', status: 503 } })
  const run = await runCli(['run', file, '--trigger', 'availableNow'], viaProxy(), 60_000)
  proxy.clearRules()
  assert.equal(run.signal, null, 'the query ended by itself within 60 s (not cut by the test)')
  assert.notEqual(run.code, 0, 'the query ends when the fault outlasts the retries')
  assert.match(run.stderr, /SLUICE_S3_UNAVAILABLE/, run.stderr)
  assert.match(run.stderr, /outage\/out\/part-/, 'the error names the object')
  assert.equal(warnings(run.stdout, 'batch failed with a retriable error; retrying'), 5, 'batch attempts 2..6')
  assert.equal(rule.injected % 3, 0, `each PUT was tried 3 times by the SDK (${rule.injected} injected)`)
  assert.ok(rule.injected >= 18, `6 attempts × 3 SDK attempts at least (${rule.injected})`)

  const again = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
  assert.equal(again.code, 0, again.stderr)
  await assertS3ExactlyOnce(stack, BUCKET, 'outage/out/', messages, 'after the outage')
  },
)

test('a stalled S3 answer: the request times out (s3.socketTimeout) and is retried, exactly once', { timeout: 300_000 }, async () => {
  // Needs s3.socketTimeout (the defects branch adds S3 request/socket timeouts); without it a
  // stalled answer hangs the query.
  const { file, messages } = await setUp({ name: 'stall', records: 1000, job: { s3: { socketTimeout: '2s' } } })
  proxy.clearRules()
  const held = proxy.addRule({ method: 'PUT', bucket: BUCKET, key: /^stall\/out\/part-/, nth: 1, fault: { type: 'hold', stage: 'response' } })
  try {
    const run = await runCli(['run', file, '--trigger', 'availableNow'], viaProxy(), 120_000)
    assert.equal(run.code, 0, run.stderr.slice(-3000))
    assert.equal(held.injected, 1)
  } finally {
    held.release()
    proxy.clearRules()
  }
  await assertS3ExactlyOnce(stack, BUCKET, 'stall/out/', messages, 'after a stalled answer')
})
