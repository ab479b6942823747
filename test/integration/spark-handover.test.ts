/**
 * A job moves from Spark to sluice: the checkpoint holds files Spark itself wrote (copied byte for
 * byte from Spark's test resources: `metadata`, and a Kafka `offsets/0` at offset 3 for each of 5
 * partitions), plus Spark's `commits/0` and an (empty) `_spark_metadata/0`. sluice must resume at
 * batch 1 from exactly those offsets, keep the query id, and write its own entries in Spark's
 * formats, so the job can move back.
 */
import assert from 'node:assert/strict'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { logLines, readTopicWithKcat, repoRoot, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const TOPIC = 'spark-test-topic-2b8619f5-d3c4-4c2d-b5d1-8d9d9458aa62'
const FIXTURES = join(repoRoot, 'test', 'fixtures', 'spark')
let stack: Stack
let dir: string
before(async () => {
  stack = await startStack({ topics: [{ name: TOPIC, partitions: 5 }] })
  dir = await mkdtemp(join(tmpdir(), 'sluice-handover-'))
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

test("sluice resumes a Spark checkpoint at Spark's offsets and leaves Spark-format entries", { timeout: 120_000 }, async () => {
  const checkpoint = join(dir, 'checkpoint')
  const out = join(dir, 'out')
  await mkdir(join(checkpoint, 'offsets'), { recursive: true })
  await mkdir(join(checkpoint, 'commits'), { recursive: true })
  await mkdir(join(out, '_spark_metadata'), { recursive: true })
  await copyFile(join(FIXTURES, 'checkpoint-version-2.1.0', 'metadata'), join(checkpoint, 'metadata'))
  await copyFile(join(FIXTURES, 'kafka-checkpoint-version-2.4.3', 'offsets', '0'), join(checkpoint, 'offsets', '0'))
  await writeFile(join(checkpoint, 'commits', '0'), 'v1\n{"nextBatchWatermarkMs":0}')
  await writeFile(join(out, '_spark_metadata', '0'), 'v1')

  const gen = await runCli(['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', TOPIC, '--partitions', '5', '--count', '50'], stack.env)
  assert.equal(gen.code, 0, gen.stderr)
  const job = join(dir, 'job.yaml')
  await writeFile(
    job,
    `name: handover
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${TOPIC}
  startingOffsets: earliest
schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp]
sink:
  path: file://${out}/
  checkpointLocation: file://${checkpoint}/
  coalesce: 1
  trigger: availableNow
metrics:
  enabled: false
`,
  )
  const run = await runCli(['run', job], stack.env)
  assert.equal(run.code, 0, run.stderr)
  const lines = logLines(run.stdout)
  const started = lines.find((l) => l.msg === 'query started')!
  assert.equal(started.id, 'dddc5e7f-1e71-454c-8362-de184444fb5a', "Spark's query id is kept")
  const batches = lines.filter((l) => l.msg === 'batch committed')
  assert.deepEqual(
    batches.map((b) => b.batchId),
    [1],
    'resumes at batch 1 (batch 0 was committed by Spark)',
  )

  // Exactly the records from offset 3 on, in every partition: startingOffsets is not consulted.
  const produced = await readTopicWithKcat(stack.kafka.bootstrap, TOPIC)
  const want = produced.filter((r) => r.offset >= 3).map((r) => (JSON.parse(r.value) as { message: string }).message).sort()
  const files = (await readdir(out)).filter((f) => f.startsWith('part-'))
  assert.equal(files.length, 1)
  const got = (await readFile(join(out, files[0]!), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { message: string }).message)
    .sort()
  assert.deepEqual(got, want)

  // What sluice wrote is in Spark's formats.
  const offsets1 = (await readFile(join(checkpoint, 'offsets', '1'), 'utf8')).split('\n')
  assert.equal(offsets1.length, 3, 'v1, metadata, one source line; no trailing newline')
  assert.equal(offsets1[0], 'v1')
  const meta = JSON.parse(offsets1[1]!) as { batchWatermarkMs: number; batchTimestampMs: number; conf: Record<string, string> }
  assert.deepEqual(Object.keys(meta), ['batchWatermarkMs', 'batchTimestampMs', 'conf'])
  assert.equal(meta.conf['spark.sql.streaming.stateStore.providerClass'], 'org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider')
  assert.equal(offsets1[2], `{"${TOPIC}":{"0":10,"1":10,"2":10,"3":10,"4":10}}`)
  assert.equal(await readFile(join(checkpoint, 'commits', '1'), 'utf8'), 'v1\n{"nextBatchWatermarkMs":0}')
  const sinkLog = (await readFile(join(out, '_spark_metadata', '1'), 'utf8')).split('\n')
  assert.equal(sinkLog[0], 'v1')
  const entry = JSON.parse(sinkLog[1]!) as Record<string, unknown>
  assert.deepEqual(Object.keys(entry), ['path', 'size', 'isDir', 'modificationTime', 'blockReplication', 'blockSize', 'action'])
  assert.equal(entry.path, `file:${out}/${files[0]}`)
  assert.equal(entry.action, 'add')
  assert.equal(entry.isDir, false)
})
