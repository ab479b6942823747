/**
 * Fixtures of the compaction tests (test/unit/compaction.test.ts, test/spark/compaction-parity.ts).
 * Compaction of closed directories (src/commit/compaction.ts, src/query/compaction-scheduler.ts)
 * on file:// stores with the commit-protocol harness: the real compact task (run in-process
 * instead of on a worker thread), the real sink log and checkpoint. Spark's view is what
 * `_spark_metadata` lists (allFiles, as Spark 3.5's MetadataLogFileIndex: no delete action);
 * the plain view is a listing that skips `_`/`.` names.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Piscina } from 'piscina'
import { defaultOffsetConf } from '../../src/checkpoint/index.js'
import { intentKey, OwnerLease, serializeIntent } from '../../src/commit/index.js'
import type { CompactionSettings } from '../../src/commit/compaction.js'
import type { JobConfig } from '../../src/config/types.js'
import { createLogger } from '../../src/log.js'
import type { CompactionEvent } from '../../src/metrics/compaction-metrics.js'
import { CompactionScheduler } from '../../src/query/compaction-scheduler.js'
import { parseLocation } from '../../src/storage/index.js'
import type { ObjectInfo } from '../../src/storage/types.js'
import runCompactTask, { type CompactTask } from '../../src/worker/compact-task.js'
import { entry, proc, TOPIC, type Proc } from './commit-helpers.js'

export const HOUR = 3_600_000
export const T0 = Date.UTC(2026, 10, 30) // the simulated day: 2026-11-30, UTC
export const SETTINGS: CompactionSettings = { targetFileSize: 128 * 1024 * 1024, idleTimeMs: 6 * HOUR, closeDelayMs: 600_000, removeDelayMs: 0 }
export const CONF = defaultOffsetConf()
export const end = (b: number) => ({ [TOPIC]: { 0: b * 10 + 10 } })

export const config = (removeDelayMs = 0) =>
  ({
    select: ['json_data.*', "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"],
    sink: { partitionBy: ['dt', 'dth'], compression: 'none', compaction: { ...SETTINGS, removeDelayMs } },
    timeZone: 'UTC',
  }) as unknown as JobConfig

/** The worker pool, in-process: the real task module, without a thread. */
export const inProcessPool = { run: (t: CompactTask) => runCompactTask(t) } as unknown as Piscina

export function scheduler(root: string, p: Proc, clock: { now: number }, removeDelayMs = 0, onEvent?: (e: CompactionEvent) => void): CompactionScheduler {
  return new CompactionScheduler({
    config: config(removeDelayMs),
    settings: { ...SETTINGS, removeDelayMs },
    protocol: p.protocol,
    pool: inProcessPool,
    output: p.output,
    checkpoint: p.checkpoint,
    outputSpec: { location: parseLocation(`file://${root}/out/`) },
    checkpointSpec: { location: parseLocation(`file://${root}/cp/`) },
    runId: p.runId,
    log: createLogger({ level: 'silent' }),
    onRequests: () => undefined,
    now: () => clock.now,
    onEvent,
  })
}

export const dirAt = (t: number) => {
  const iso = new Date(t).toISOString()
  return `dt=${iso.slice(0, 10)}/dth=${iso.slice(0, 10)}-${iso.slice(11, 13)}/`
}

/** A data batch as a writer task makes it: 3 files (coalesce 3) of 3 records in the hour of `t`. */
export async function dataBatch(p: Proc, b: number, t: number, dir = dirAt(t)): Promise<string[]> {
  if (b === 0) await p.protocol.checkpoint.writeInitialOffsets({ [TOPIC]: { 0: 0 } })
  await p.protocol.beginBatch(b, entry(b * 10 + 10))
  const uuid = p.protocol.newAttempt(b)
  const infos: ObjectInfo[] = []
  const records: string[] = []
  for (let w = 0; w < 3; w++) {
    const key = `${dir}part-0000${w}-${uuid}-c000.json`
    const rows = [0, 1, 2].map((i) => `{"b":${b},"w":${w},"i":${i}}`)
    records.push(...rows)
    await new OwnerLease(p.checkpoint, p.runId).check(b)
    await p.checkpoint.put(intentKey(b, uuid, w, 0), serializeIntent({ batchId: b, attempt: uuid, writer: w, keys: [key] }))
    await p.output.put(key, `${rows.join('\n')}\n`)
    infos.push((await p.output.head(key))!)
  }
  await p.protocol.commitBatch(b, infos)
  return records
}

export async function dataFilesPerDir(root: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const e of await readdir(join(root, 'out'), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name.startsWith('_') || e.name.startsWith('.') || e.parentPath.includes('_spark_metadata')) continue
    out.set(e.parentPath, (out.get(e.parentPath) ?? 0) + 1)
  }
  return out
}

export const sorted = (a: string[]) => [...a].sort()

/** Two closed hours of 5 batches each, committed by a first process. */
export async function closedHours(root: string): Promise<string[]> {
  const p = proc(root, 'setup', { compactInterval: 5 })
  await p.protocol.open()
  const all: string[] = []
  for (let b = 0; b < 8; b++) all.push(...(await dataBatch(p, b, T0 + (b < 4 ? 0 : HOUR) + b * 60_000)))
  await p.protocol.release()
  return all
}
