/**
 * Bounded memory over many partition directories (issue 6 item 2). One writer task reads 4
 * partitions whose records' timestamps spread over 1,200 hours, partitioned by hour, with a 2 MB
 * budget. The task runs in this process (the worker entry, without the pool) while a sampler
 * records the growth of Node's external memory (Buffers and zlib state). Before the fix every
 * directory kept a 256 KiB buffer (and a gzip stream) open until the end of the task: ~300 MB for
 * 1,200 directories, whatever the budget. Now files are counted by allocated capacity and the
 * least recently used are closed, so the growth stays near the budget plus the fetch buffers.
 * Every record must still be written exactly once.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { OwnerLease } from '../../src/commit/owner-lease.js'
import { createStore, parseLocation } from '../../src/storage/index.js'
import { GZIP_STATE_BYTES } from '../../src/worker/partition-file.js'
import { runWriterTask } from '../../src/worker/writer-task.js'
import type { WriterOutcome, WriterTask } from '../../src/worker/types.js'
import { startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js'
import { tempDir } from '../helpers/query-fixtures.js'
import { runCli } from '../helpers/sluice-process.js'

const TOPIC = 'spread'
const PARTITIONS = 4
const COUNT = 40_000
const BUDGET = 2 * 1024 * 1024
/** Fetch buffers (8 ranges in flight, 256 KiB per partition per fetch) and test noise. */
const ALLOWANCE = 40 * 1024 * 1024
// A full collection before each measurement, so one test's garbage does not hide the next one's growth.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
let kafka: KafkaMock
let dir: string

before(async () => {
  kafka = await startKafkaMock({ topics: [{ name: TOPIC, partitions: PARTITIONS }] })
  dir = await tempDir('sluice-writer-memory-')
  const r = await runCli(
    ['loadgen', '--bootstrap', kafka.bootstrap, '--topic', TOPIC, '--partitions', String(PARTITIONS), '--count', String(COUNT), '--record-bytes', '150', '--time-span-hours', '1200'],
    {},
  )
  assert.equal(r.code, 0, r.stderr)
})
after(async () => {
  await kafka?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const RUN_ID = 'writer-memory-test-run'

/** Writer tasks check the owner lease before they complete files: this run holds it. */
async function takeLease(t: WriterTask): Promise<void> {
  await new OwnerLease(createStore(t.checkpoint), RUN_ID).acquire()
}

function task(out: string, gzip: boolean): WriterTask {
  const [host, port] = kafka.brokers[0]!.split(':')
  return {
    runId: RUN_ID,
    batchId: 0,
    writer: 0,
    fileUuid: '00000000-0000-4000-8000-000000000000',
    ranges: Array.from({ length: PARTITIONS }, (_, p) => ({
      topic: TOPIC,
      partition: p,
      start: 0,
      end: COUNT / PARTITIONS,
      leader: { nodeId: 1, host: host!, port: Number(port) },
    })),
    projection: {
      schema: 'message STRING',
      select: ['json_data.*', "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"],
      partitionBy: ['dth'],
      timeZone: 'UTC',
      mode: 'PERMISSIVE',
      columnNameOfCorruptRecord: '_corrupt_record',
      includeHeaders: false,
    },
    output: { location: parseLocation(`file://${join(dir, out)}/`) },
    checkpoint: { location: parseLocation(`file://${join(dir, `${out}-checkpoint`)}/`) },
    compression: gzip ? 'gzip' : 'none',
    writeEmptyFile: false,
    memoryBytes: BUDGET,
    failOnDataLoss: true,
    kafka: { clientId: 'writer-memory-test', requestTimeoutMs: 30_000, maxPartitionFetchBytes: 256 * 1024, fetchMaxBytes: 1024 * 1024, fetchMaxWaitMs: 100, isolationLevel: 'read_uncommitted' },
  }
}

async function linesUnder(root: string, gzip: boolean): Promise<{ lines: number; dirs: number }> {
  let lines = 0
  const dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory())
  for (const d of dirs) {
    for (const name of await readdir(join(root, d.name))) {
      const raw = await readFile(join(root, d.name, name))
      const text = (gzip ? gunzipSync(raw) : raw).toString('utf8')
      lines += text.split('\n').filter((l) => l !== '').length
    }
  }
  return { lines, dirs: dirs.length }
}

for (const gzip of [false, true]) {
  test(`one task over 1,200 hourly directories stays near its budget${gzip ? ' (gzip)' : ''}`, async (t) => {
    gc()
    const base = process.memoryUsage().external
    let peak = base
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().external)
    }, 2)
    const spec = task(gzip ? 'gz' : 'plain', gzip)
    await takeLease(spec)
    let outcome: WriterOutcome
    try {
      outcome = await runWriterTask(spec)
    } finally {
      clearInterval(sampler)
    }
    assert.equal(outcome.ok, true, outcome.ok ? '' : outcome.error.message)
    if (!outcome.ok) return
    assert.equal(outcome.rows, COUNT)
    const { lines, dirs } = await linesUnder(join(dir, gzip ? 'gz' : 'plain'), gzip)
    assert.ok(dirs >= 1000, `records spread over ${dirs} directories`)
    assert.equal(lines, COUNT, 'every record written exactly once')
    const growthMb = Math.round((peak - base) / 2 ** 20)
    t.diagnostic(`external memory growth ${growthMb} MB, ${outcome.files.length} files, peak allocated ${Math.round(outcome.peakAllocatedBytes / 1024)} KiB`)
    // The accounting itself. The budget is enforced before each open and after each Kafka chunk, so
    // the rows of one chunk, the files being closed meanwhile and one compressor can pass it for a
    // moment (seen up to ~1.9x here); it must never run away with the directories.
    assert.ok(outcome.peakAllocatedBytes <= 3 * BUDGET + GZIP_STATE_BYTES, `peak allocated ${outcome.peakAllocatedBytes}`)
    assert.ok(
      peak - base < BUDGET + ALLOWANCE,
      `external memory grew by ${growthMb} MB for a ${BUDGET / 2 ** 20} MB budget over ${dirs} directories`,
    )
  })
}
