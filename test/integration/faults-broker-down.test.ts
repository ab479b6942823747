/**
 * Kafka goes away and comes back while data flows: the query must ride it out (retrying the
 * trigger or the batch, resuming from the checkpoint) and, in the end, have every record exactly
 * once — through `_spark_metadata` and through a plain listing.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import { logLines, readTopicWithKcat } from '../helpers/sluice-process.js'
import { CliProcess, runCli, useStack } from '../helpers/toolkit.js'

const ctx = useStack({ topics: [{ name: 'faults', partitions: 4 }], buckets: ['faults-test'], tempPrefix: 'sluice-faults-' })
const retried = (lines: Record<string, unknown>[]): boolean => lines.some((l) => typeof l.msg === 'string' && /retriable error/.test(l.msg))

test('the broker goes down for a while and comes back: no failure, nothing lost or duplicated', { timeout: 240_000 }, async () => {
  const job = join(ctx.dir, 'faults.yaml')
  await writeFile(
    job,
    `name: faults
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  kafka.request.timeout.ms: 2000
  subscribe: faults
  startingOffsets: earliest
  maxOffsetsPerTrigger: 2000
schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"]
sink:
  path: s3a://faults-test/out/
  checkpointLocation: s3a://faults-test/checkpoint/
  partitionBy: [dth]
  coalesce: 2
  trigger: 200 ms
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
metrics:
  port: 0
`,
  )
  const { stack } = ctx
  const first = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'faults', '--partitions', '4', '--count', '20000'], stack.env)
  assert.equal(first.code, 0, first.stderr)
  const sluice = ctx.track(new CliProcess(['run', job], stack.env))
  await sluice.waitFor('a batch committed before the outage', () => sluice.committed().length >= 1)
  await stack.kafka.command('broker-down 1')
  await sluice.waitFor('the outage noticed (a retriable error logged)', () => retried(sluice.logs()))
  await stack.kafka.command('broker-up 1')
  // More data after the outage.
  const second = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'faults', '--partitions', '4', '--count', '10000'], stack.env)
  assert.equal(second.code, 0, second.stderr)
  const committedRows = (): number => sluice.committed().reduce((n, l) => n + Number(l.rows), 0)
  await sluice.waitFor('every record committed after the outage', () => committedRows() >= 30_000, 180_000)
  const { code } = await sluice.stop()
  const out = sluice.stdout + sluice.stderr
  const lines = logLines(out)
  assert.equal(code, 0, `sluice survived the outage: ${out.slice(-3000)}`)
  assert.ok(!lines.some((l) => l.msg === 'query failed'), 'no query failure')
  assert.ok(retried(lines), 'the outage was noticed and retried (else the test did not exercise anything)')

  const final = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
  assert.equal(final.code, 0, final.stderr)
  const produced = (await readTopicWithKcat(stack.kafka.bootstrap, 'faults')).map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.equal(produced.length, 30_000)
  const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'faults-test', prefix: 'out/' })
  try {
    for (const rows of [await reader.viaSparkMetadata(), await reader.viaListing()]) {
      const got = rows.map((r) => (JSON.parse(r.line) as { message: string }).message)
      assert.equal(new Set(got).size, got.length, 'no duplicates')
      assert.deepEqual([...new Set(got)].sort(), [...produced].sort(), 'every record once')
    }
  } finally {
    reader.close()
  }
})
