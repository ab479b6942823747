/**
 * Kafka goes away and comes back while data flows: the query must ride it out (retrying the
 * trigger or the batch, resuming from the checkpoint) and, in the end, have every record exactly
 * once — through `_spark_metadata` and through a plain listing.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import { logLines, readTopicWithKcat, runCli, spawnCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

let stack: Stack
let dir: string
before(async () => {
  stack = await startStack({ topics: [{ name: 'faults', partitions: 4 }], buckets: ['faults-test'] })
  dir = await mkdtemp(join(tmpdir(), 'sluice-faults-'))
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('the broker goes down for a while and comes back: no failure, nothing lost or duplicated', { timeout: 240_000 }, async () => {
  const job = join(dir, 'faults.yaml')
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
  const first = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'faults', '--partitions', '4', '--count', '20000'], stack.env)
  assert.equal(first.code, 0, first.stderr)
  const sluice = spawnCli(['run', job], stack.env)
  let out = ''
  sluice.stdout!.on('data', (b: Buffer) => {
    out += b.toString()
  })
  sluice.stderr!.on('data', (b: Buffer) => {
    out += b.toString()
  })
  await sleep(1500)
  await stack.kafka.command('broker-down 1')
  await sleep(5000)
  await stack.kafka.command('broker-up 1')
  // More data after the outage.
  const second = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'faults', '--partitions', '4', '--count', '10000'], stack.env)
  assert.equal(second.code, 0, second.stderr)
  await sleep(4000)
  sluice.kill('SIGTERM')
  const code = await new Promise<number | null>((resolve) => (sluice.exitCode !== null ? resolve(sluice.exitCode) : sluice.once('exit', resolve)))
  const lines = logLines(out)
  assert.equal(code, 0, `sluice survived the outage: ${out.slice(-3000)}`)
  assert.ok(!lines.some((l) => l.msg === 'query failed'), 'no query failure')
  assert.ok(
    lines.some((l) => typeof l.msg === 'string' && /retriable error/.test(l.msg)),
    'the outage was noticed and retried (else the test did not exercise anything)',
  )

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
