/**
 * `_spark_metadata` size over 10,000 batches with and without the sink option `retention`
 * (issue 15 item 4). The seed job's shape: 2-second triggers, coalesce 3 over two hour
 * directories → 6 files per batch, paths as sluice writes them; compactInterval 10 and
 * minBatchesToRetain 100 as Spark's defaults, old log files deleted as the commit protocol's
 * housekeeping does (cleanupDelay taken as passed). A simulated clock advances 2 s per batch,
 * so 10,000 batches are 5.6 hours; retention 1h. Reported: the newest `.compact` file's size and
 * entry count, and the bytes of the whole `_spark_metadata` directory, every 1,000 batches.
 *
 *   node dist/bench/sink-log-retention.js   (BATCHES=10000, RETENTION=1h)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileSinkLog, type SinkFileStatus } from '../src/checkpoint/index.js'
import { createStore, parseLocation } from '../src/storage/index.js'
import { writeResult } from './drain-lib.js'

const BATCHES = Number(process.env['BATCHES'] ?? 10_000)
const RETENTION_MS = Number(process.env['RETENTION_MS'] ?? 3_600_000)
const INTERVAL = 10
const MIN_BATCHES_TO_RETAIN = 100
const TRIGGER_MS = 2000

function dirBytes(dir: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  for (const n of readdirSync(dir)) {
    files++
    bytes += statSync(join(dir, n)).size
  }
  return { files, bytes }
}

async function run(retentionMs: number | undefined): Promise<Record<string, unknown>[]> {
  const root = mkdtempSync(join(tmpdir(), 'sluice-bench-retention-'))
  const t0 = Date.UTC(2026, 0, 1)
  let now = t0
  const store = createStore({ location: parseLocation(`file://${root}/out/`) })
  const log = new FileSinkLog(store, { compactInterval: INTERVAL, ...(retentionMs === undefined ? {} : { retentionMs }), now: () => now })
  const samples: Record<string, unknown>[] = []
  const started = performance.now()
  for (let b = 0; b < BATCHES; b++) {
    now = t0 + b * TRIGGER_MS
    const hour = new Date(now).toISOString().slice(0, 13).replace('T', '-')
    const files: SinkFileStatus[] = []
    for (const dth of [hour, `${hour}-late`]) {
      for (let w = 0; w < 3; w++) {
        files.push({
          path: `s3a://sensor-test/StreamingTest/dt=${hour.slice(0, 10)}/dth=${dth}/part-0000${w}-6f1c1a52-8d3e-4b7a-9c7e-${String(b).padStart(12, '0')}-c000.json`,
          size: 4096 + w,
          isDir: false,
          modificationTime: now,
          blockReplication: 1,
          blockSize: 33554432,
          action: 'add',
        })
      }
    }
    await log.add(b, files)
    if ((b + 1) % INTERVAL === 0 && b + 1 - MIN_BATCHES_TO_RETAIN > 0) {
      await log.cleanup(b + 1 - MIN_BATCHES_TO_RETAIN, { minAgeMs: 0, now: Date.now() + 1 })
    }
    if ((b + 1) % 1000 === 0) {
      const compact = join(root, 'out', '_spark_metadata', `${b}.compact`)
      const dir = dirBytes(join(root, 'out', '_spark_metadata'))
      const sample = {
        batches: b + 1,
        compactFileBytes: statSync(compact).size,
        entries: (await log.allFiles()).length,
        metadataDirBytes: dir.bytes,
        metadataDirFiles: dir.files,
      }
      process.stderr.write(`retention ${retentionMs ?? 'none'}: ${JSON.stringify(sample)}\n`)
      samples.push(sample)
    }
  }
  const seconds = (performance.now() - started) / 1000
  await store.close()
  rmSync(root, { recursive: true, force: true })
  process.stderr.write(`retention ${retentionMs ?? 'none'}: ${seconds.toFixed(1)} s\n`)
  return samples
}

const withRetention = await run(RETENTION_MS)
const without = await run(undefined)
await writeResult('sink-log-retention', {
  batches: BATCHES,
  filesPerBatch: 6,
  triggerMs: TRIGGER_MS,
  compactInterval: INTERVAL,
  minBatchesToRetain: MIN_BATCHES_TO_RETAIN,
  retentionMs: RETENTION_MS,
  without_retention: without,
  with_retention: withRetention,
})
