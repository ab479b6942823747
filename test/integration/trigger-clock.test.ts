/**
 * Processing-time triggers as Spark's ProcessingTimeExecutor runs them: after a trigger that
 * started at s, the next one starts at the next slot boundary floor(s / I) * I + I, or at once if
 * the batch overran that boundary — never before it. (A trigger started a hair early, because a
 * timer fired before the clock reached its slot, would be followed by a second trigger at once.)
 * Data is always waiting here, so every trigger runs a batch and its start is the progress
 * timestamp.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { logLines } from '../helpers/sluice-process.js'
import { CliProcess, runCli, useStack } from '../helpers/toolkit.js'

const INTERVAL_MS = 300
const ctx = useStack({ topics: [{ name: 'clock', partitions: 2 }], buckets: ['clock-test'], tempPrefix: 'sluice-clock-' })

test(`each batch starts at or after the ${INTERVAL_MS} ms slot boundary following the previous one`, { timeout: 120_000 }, async () => {
  const { stack, dir } = ctx
  const gen = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'clock', '--partitions', '2', '--count', '20000'], stack.env)
  assert.equal(gen.code, 0, gen.stderr)
  const job = join(dir, 'clock.yaml')
  await writeFile(
    job,
    `name: clock
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: clock
  startingOffsets: earliest
  maxOffsetsPerTrigger: 200
schema: message STRING
sink:
  path: s3a://clock-test/out/
  checkpointLocation: s3a://clock-test/checkpoint/
  trigger: ${INTERVAL_MS} ms
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
metrics:
  enabled: false
`,
  )
  const sluice = ctx.track(new CliProcess(['run', job], stack.env))
  await sluice.waitFor('ten batches', () => sluice.committed().length >= 10)
  await sluice.stop()
  const out = sluice.stdout
  const starts = logLines(out)
    .filter((l) => l.msg === 'batch committed')
    .map((l) => Date.parse((l.progress as { timestamp: string }).timestamp))
  assert.ok(starts.length >= 8, `${starts.length} batches`)
  for (let i = 1; i < starts.length; i++) {
    const boundary = Math.floor(starts[i - 1]! / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS
    assert.ok(starts[i]! >= boundary, `batch ${i} started at ${starts[i]}, before the slot boundary ${boundary} after batch ${i - 1} (${starts[i - 1]})`)
  }
})
