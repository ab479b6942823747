/**
 * The crash test: while a load generator keeps producing, sluice is killed with SIGKILL at random
 * moments many times (mid-fetch, mid-upload, between `_spark_metadata/N` and `commits/N`, …), then
 * run to completion. Every produced record must appear exactly once, through `_spark_metadata`
 * and through a plain listing of the output prefix.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { OutputReader, type OutputRow } from '../helpers/output-reader.js'
import { logLines, readTopicWithKcat, runCli, spawnCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const KILLS = Number(process.env.CRASH_KILLS ?? 12)
let stack: Stack
let dir: string
before(async () => {
  stack = await startStack({ topics: [{ name: 'crash', partitions: 6 }], buckets: ['crash-test'] })
  dir = await mkdtemp(join(tmpdir(), 'sluice-crash-'))
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const JOB = `
name: crash
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: crash
  startingOffsets: earliest
  maxOffsetsPerTrigger: 4000
schema: message STRING
select:
  - json_data.*
  - timestamp AS kafka_timestamp
  - date_format(timestamp, 'yyyy-MM-dd') AS dt
  - date_format(timestamp, 'yyyy-MM-dd-HH') AS dth
sink:
  path: s3a://crash-test/out/
  checkpointLocation: s3a://crash-test/checkpoint/
  partitionBy: [dt, dth]
  coalesce: 2
  trigger: 100 ms
conf:
  spark.sql.session.timeZone: UTC
  spark.sql.streaming.fileSink.log.compactInterval: 5
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
workers: 2
metrics:
  port: 0
`

function messages(rows: OutputRow[]): string[] {
  return rows.map((r) => (JSON.parse(r.line) as { message: string }).message)
}

test(`SIGKILL at ${KILLS} random moments while data flows loses and duplicates nothing`, { timeout: 600_000 }, async () => {
  const jobFile = join(dir, 'crash.yaml')
  await writeFile(jobFile, JOB)
  // Producing goes on while sluice is killed and restarted.
  const loadgen = spawnCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'crash', '--partitions', '6', '--rate', '4000', '--count', '80000', '--time-span-hours', '3'],
    stack.env,
  )
  const loadgenDone = new Promise<number | null>((resolve) => loadgen.once('exit', resolve))

  let seed = 12345
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  let killedMidBatch = 0
  for (let i = 0; i < KILLS; i++) {
    const child = spawnCli(['run', jobFile], stack.env)
    let out = ''
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString()
    })
    child.stderr!.on('data', (b: Buffer) => {
      out += b.toString()
    })
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    await new Promise((r) => setTimeout(r, 700 + Math.floor(random() * 2500)))
    child.kill('SIGKILL')
    await exit
    const lines = logLines(out)
    assert.ok(!lines.some((l) => l.msg === 'query failed'), `run ${i} failed on its own: ${out.slice(-2000)}`)
    if (lines.some((l) => l.msg === 're-running batch that was not committed, with its recorded offsets')) killedMidBatch++
  }
  assert.equal(await loadgenDone, 0, 'load generator finished')

  const final = await runCli(['run', jobFile, '--trigger', 'availableNow'], stack.env, 300_000)
  assert.equal(final.code, 0, final.stderr)

  const produced = (await readTopicWithKcat(stack.kafka.bootstrap, 'crash')).map((r) => (JSON.parse(r.value) as { message: string }).message)
  assert.equal(produced.length, 80_000)
  const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'crash-test', prefix: 'out/' })
  try {
    for (const [via, rows] of [
      ['_spark_metadata', await reader.viaSparkMetadata()],
      ['plain listing', await reader.viaListing()],
    ] as const) {
      const got = messages(rows)
      const counts = new Map<string, number>()
      for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1)
      const dup = [...counts].filter(([, n]) => n > 1)
      const missing = produced.filter((m) => !counts.has(m))
      assert.deepEqual(dup.slice(0, 5), [], `${via}: ${dup.length} records duplicated`)
      assert.deepEqual(missing.slice(0, 5), [], `${via}: ${missing.length} records missing`)
      assert.equal(got.length, produced.length, `${via}: row count`)
    }
  } finally {
    reader.close()
  }
  // The kills must actually have hit batches in flight, or the test proves nothing.
  assert.ok(killedMidBatch > 0, 'at least one restart re-ran a batch a kill interrupted')
})
