/**
 * The seed job file, unchanged, on the embedded stack: a few hundred thousand records spanning
 * several hours, drained with `--trigger availableNow`, then checked record by record against
 * what Kafka holds (read independently with kcat), through `_spark_metadata` and through a plain
 * listing.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { OutputReader, type OutputRow } from '../helpers/output-reader.js'
import { logLines, readTopicWithKcat, repoRoot, runCli, type ProducedRecord } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const SEED_JOB = join(repoRoot, 'examples', 'streaming-test.yaml')
const RECORDS = 200_000
const HOURS = 5

let stack: Stack
before(async () => {
  stack = await startStack({ topics: [{ name: 'pySparkTest', partitions: 10 }], buckets: ['sensor-test'] })
})
after(async () => {
  await stack?.stop()
})

function utcParts(ms: number): { dt: string; dth: string; iso: string } {
  const iso = new Date(ms).toISOString()
  return { dt: iso.slice(0, 10), dth: `${iso.slice(0, 10)}-${iso.slice(11, 13)}`, iso: iso.replace(/Z$/, 'Z') }
}

function checkExactlyOnce(rows: OutputRow[], produced: Map<string, ProducedRecord>, via: string): void {
  assert.equal(rows.length, produced.size, `${via}: row count`)
  const seen = new Set<string>()
  for (const row of rows) {
    const obj = JSON.parse(row.line) as { message: string; kafka_timestamp: string }
    assert.deepEqual(Object.keys(obj), ['message', 'kafka_timestamp'], `${via}: columns in select order, partition columns left out`)
    assert.ok(!seen.has(obj.message), `${via}: duplicate record ${obj.message}`)
    seen.add(obj.message)
    const rec = produced.get(obj.message)
    assert.ok(rec !== undefined, `${via}: record not produced: ${obj.message}`)
    const want = utcParts(rec.timestamp)
    assert.equal(obj.kafka_timestamp, want.iso, `${via}: kafka_timestamp of ${obj.message}`)
    assert.equal(row.dir, `dt=${want.dt}/dth=${want.dth}`, `${via}: partition directory of ${obj.message}`)
  }
}

test('seed job drains a multi-hour backlog exactly once, per _spark_metadata and per plain listing', { timeout: 600_000 }, async () => {
  const gen = await runCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'pySparkTest', '--partitions', '10', '--count', String(RECORDS), '--time-span-hours', String(HOURS)],
    stack.env,
  )
  assert.equal(gen.code, 0, gen.stderr)

  const produced = new Map<string, ProducedRecord>()
  for (const r of await readTopicWithKcat(stack.kafka.bootstrap, 'pySparkTest')) {
    produced.set((JSON.parse(r.value) as { message: string }).message, r)
  }
  assert.equal(produced.size, RECORDS, 'kcat reads back every produced record, each message unique')
  const hours = new Set([...produced.values()].map((r) => utcParts(r.timestamp).dth))
  assert.ok(hours.size >= HOURS, `records span ${hours.size} hours`)

  const run = await runCli(['run', SEED_JOB, '--trigger', 'availableNow'], stack.env, 540_000)
  assert.equal(run.code, 0, `sluice exited ${run.code}: ${run.stderr}`)
  const batches = logLines(run.stdout).filter((l) => l.msg === 'batch committed')
  // maxOffsetsPerTrigger: 2000 holds under availableNow: at least RECORDS / 2000 batches, none above the cap.
  assert.ok(batches.length >= RECORDS / 2000, `${batches.length} batches`)
  for (const b of batches) assert.ok((b.rows as number) <= 2000, `batch ${b.batchId} has ${b.rows} rows`)

  const reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: 'sensor-test', prefix: 'StreamingTest/' })
  try {
    checkExactlyOnce(await reader.viaSparkMetadata(), produced, '_spark_metadata')
    checkExactlyOnce(await reader.viaListing(), produced, 'plain listing')
    // coalesce: 3 → at most 3 files per partition directory per batch.
    const logs = await reader.list('StreamingTest/_spark_metadata/')
    assert.ok(logs.some((l) => l.key.endsWith('9.compact')), 'the sink log was compacted at batch 9')
    for (const l of logs.filter((x) => !x.key.endsWith('.compact'))) {
      const text = await reader.getText(l.key)
      const perDir = new Map<string, number>()
      for (const line of text.split('\n').slice(1)) {
        if (line === '') continue
        const path = (JSON.parse(line) as { path: string }).path
        const dir = path.slice(0, path.lastIndexOf('/'))
        perDir.set(dir, (perDir.get(dir) ?? 0) + 1)
      }
      for (const [dir, n] of perDir) assert.ok(n <= 3, `${l.key}: ${n} files in ${dir}`)
    }
    // The checkpoint is Spark's: metadata, offsets/N, commits/N for the last batch.
    const last = batches.at(-1)!.batchId as number
    const ckpt = await reader.list('StreamingTest_checkpoint/')
    const names = new Set(ckpt.map((o) => o.key.slice('StreamingTest_checkpoint/'.length)))
    for (const n of ['metadata', `offsets/${last}`, `commits/${last}`, 'sources/0/0']) assert.ok(names.has(n), `checkpoint has ${n}`)
    const offsets = (await reader.getText(`StreamingTest_checkpoint/offsets/${last}`)).split('\n')
    assert.equal(offsets[0], 'v1')
    const end = JSON.parse(offsets[2]!) as Record<string, Record<string, number>>
    let total = 0
    for (const v of Object.values(end.pySparkTest!)) total += v
    assert.equal(total, RECORDS, 'the last offsets/N ends at the end of every partition')
  } finally {
    reader.close()
  }

  // Restart on a finished checkpoint: no new data, no new batch, exit 0.
  const again = await runCli(['run', SEED_JOB, '--trigger', 'availableNow'], stack.env, 120_000)
  assert.equal(again.code, 0, again.stderr)
  assert.equal(logLines(again.stdout).filter((l) => l.msg === 'batch committed').length, 0)
})
