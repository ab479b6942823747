/**
 * `<output path>/_spark_metadata`: the file sink's commit log (FileStreamSinkLog on top of
 * CompactibleFileStreamLog, Spark 3.5).
 *
 *   _spark_metadata/N          files added (or deleted) by batch N
 *   _spark_metadata/N.compact  when (N+1) % interval == 0: the previous compact file, every batch
 *                              after it and batch N, minus deleted (and expired) entries
 *
 * Writing entry N is the commit point of the sink. A reader sees the files of the latest compact
 * at or below the latest batch plus every later batch, deletes applied. When `.compact` files
 * exist, the interval is derived from them (deriveCompactInterval), so that a log written with
 * another interval keeps being read and extended consistently.
 */

import { SluiceError } from '../errors.js'
import type { Store } from '../storage/types.js'
import { batchIdFromName } from './log-version.js'
import { type SinkFileStatus, compactLogs, parseSinkLog, serializeSinkLog } from './sink-log-format.js'
import { listNames, writeOnce } from './write-once.js'

const DIR = '_spark_metadata/'

export interface FileSinkLogOptions {
  /** spark.sql.streaming.fileSink.log.compactInterval (default 10). */
  compactInterval?: number
  /**
   * The sink option `retention` in ms (Spark 3.3+, FileStreamSinkLog.shouldRetain): an entry whose
   * modificationTime is more than this before now is left out when the log compacts. Readers do
   * not apply it (Spark's MetadataLogFileIndex builds its log without retention), so neither does
   * allFiles: the `.compact` file is what drops an expired entry, for every reader at once.
   */
  retentionMs?: number | undefined
  /** The clock retention is measured against (tests). */
  now?: () => number
}

export function isCompactionBatch(batchId: number, interval: number): boolean {
  return (batchId + 1) % interval === 0
}

/** Batch ids a reader needs for `batchId`: the compaction at or before it, then every later one. */
export function allValidBatches(batchId: number, interval: number): number[] {
  const start = Math.max(0, Math.floor((batchId + 1) / interval) * interval - 1)
  const out: number[] = []
  for (let id = start; id <= batchId; id++) out.push(id)
  return out
}

/** Batches a compaction at `compactionId` merges: the previous compaction and those after it. */
export function batchesBeforeCompaction(compactionId: number, interval: number): number[] {
  const out: number[] = []
  for (let id = Math.max(0, compactionId - interval); id < compactionId; id++) out.push(id)
  return out
}

/** CompactibleFileStreamLog.deriveCompactInterval, for a log with exactly one `.compact` file. */
export function deriveCompactInterval(defaultInterval: number, latestCompactId: number): number {
  const n = latestCompactId + 1
  if (n <= defaultInterval) return n
  if (defaultInterval < Math.floor(n / 2)) {
    for (let i = defaultInterval; i <= Math.floor(n / 2); i++) if (n % i === 0) return i
  }
  return n
}

interface Listing {
  /** batch id → file name (`7.compact`, `8`), for names that parse. */
  names: Map<number, string[]>
  compactIds: number[]
  entries: { name: string; key: string; id: number; lastModified: number }[]
}

export class FileSinkLog {
  readonly #store: Store
  readonly #defaultInterval: number
  readonly #retentionMs: number | undefined
  readonly #now: () => number
  #interval: number | null = null

  constructor(store: Store, opts: FileSinkLogOptions = {}) {
    const interval = opts.compactInterval ?? 10
    if (!Number.isInteger(interval) || interval <= 0) {
      throw new SluiceError(
        'SLUICE_SINK_LOG_INTERVAL',
        `The sink log compact interval is ${interval}; it must be a positive integer ` +
          '(spark.sql.streaming.fileSink.log.compactInterval, default 10). Fix the setting.',
        { details: { compactInterval: interval } },
      )
    }
    this.#store = store
    this.#defaultInterval = interval
    this.#retentionMs = opts.retentionMs
    this.#now = opts.now ?? Date.now
  }

  async #list(): Promise<Listing> {
    const names = new Map<number, string[]>()
    const compactIds: number[] = []
    const entries: Listing['entries'] = []
    for (const e of await listNames(this.#store, DIR)) {
      const id = batchIdFromName(e.name, true)
      if (id === null) continue
      entries.push({ ...e, id })
      const list = names.get(id)
      if (list) list.push(e.name)
      else names.set(id, [e.name])
      if (e.name.endsWith('.compact')) compactIds.push(id)
    }
    compactIds.sort((a, b) => b - a)
    return { names, compactIds, entries }
  }

  /** Spark fixes the interval once per log instance, from the `.compact` files present then. */
  #intervalFrom(listing: Listing): number {
    if (this.#interval !== null) return this.#interval
    const c = listing.compactIds
    let interval = this.#defaultInterval
    if (c.length >= 2) interval = c[0]! - c[1]!
    else if (c.length === 1) interval = deriveCompactInterval(this.#defaultInterval, c[0]!)
    this.#interval = interval
    return interval
  }

  /** The interval in use (derived from existing `.compact` files when there are any). */
  async compactInterval(): Promise<number> {
    return this.#intervalFrom(await this.#list())
  }

  #name(batchId: number, interval: number): string {
    return isCompactionBatch(batchId, interval) ? `${batchId}.compact` : `${batchId}`
  }

  /** The largest batch id whose file has the name the interval expects (as getLatestBatchId). */
  async latestBatchId(): Promise<number | null> {
    const listing = await this.#list()
    const interval = this.#intervalFrom(listing)
    const ids = [...listing.names.keys()].sort((a, b) => b - a)
    for (const id of ids) {
      if (listing.names.get(id)!.includes(this.#name(id, interval))) return id
    }
    return null
  }

  async #read(batchId: number, interval: number): Promise<SinkFileStatus[] | null> {
    const key = DIR + this.#name(batchId, interval)
    const buf = await this.#store.get(key)
    return buf === null ? null : parseSinkLog(buf.toString('utf8'), this.#store.uri(key))
  }

  /** Reads the entries (at most one interval of them, in parallel), concatenated in id order. */
  async #readAll(ids: number[], interval: number, context: string): Promise<SinkFileStatus[]> {
    const entries = await Promise.all(ids.map((id) => this.#read(id, interval)))
    const out: SinkFileStatus[] = []
    for (let i = 0; i < ids.length; i++) {
      const entry = entries[i]
      if (entry === null || entry === undefined) throw this.#missing(ids[i]!, interval, context)
      for (const f of entry) out.push(f)
    }
    return out
  }

  async get(batchId: number): Promise<SinkFileStatus[] | null> {
    const interval = this.#intervalFrom(await this.#list())
    return this.#read(batchId, interval)
  }

  #missing(batchId: number, interval: number, context: string): SluiceError {
    const where = this.#store.uri(DIR + this.#name(batchId, interval))
    return new SluiceError(
      'SLUICE_SINK_LOG_MISSING',
      `${where} does not exist ${context} (compactInterval ${interval}): the output path's ` +
        '_spark_metadata was deleted or partly deleted, or the output path changed while the ' +
        'checkpoint was kept. Restore _spark_metadata from a backup, or start over with a new ' +
        'checkpoint and an empty output path.',
      { details: { batchId, interval, where } },
    )
  }

  /**
   * Commits batch `batchId`: writes `_spark_metadata/N`, or `N.compact` on a compaction batch
   * (previous compact + later batches + these files, deletes and expired entries removed).
   * `replaced` (a compaction of the output, src/commit/compaction.ts; only on a compaction batch)
   * names paths left out of the `.compact` file: Spark 3.5's readers ignore the `delete` action
   * (allFiles returns every entry of the compact and later batches), so leaving an entry out of a
   * `.compact` file is the only way to stop them reading a file. An existing entry →
   * SLUICE_SINK_LOG_CONCURRENT.
   */
  async add(batchId: number, files: readonly SinkFileStatus[], replaced?: ReadonlySet<string>): Promise<void> {
    const interval = this.#intervalFrom(await this.#list())
    let body: string
    if (isCompactionBatch(batchId, interval)) {
      const all = await this.#readAll(
        batchesBeforeCompaction(batchId, interval),
        interval,
        `when compacting batch ${batchId}`,
      )
      const kept = replaced === undefined || replaced.size === 0 ? all : all.filter((f) => !replaced.has(f.path))
      for (const f of files) kept.push(f)
      body = serializeSinkLog(compactLogs(kept, this.#retentionMs, this.#now()))
    } else {
      if (replaced !== undefined && replaced.size > 0) {
        throw new SluiceError(
          'SLUICE_INTERNAL',
          `batch ${batchId} is not a compaction batch of _spark_metadata (compactInterval ${interval}): files can only be replaced in a .compact entry`,
        )
      }
      body = serializeSinkLog(files)
    }
    const name = this.#name(batchId, interval)
    await writeOnce(this.#store, DIR + name, body, {
      code: 'SLUICE_SINK_LOG_CONCURRENT',
      what: `_spark_metadata/${name}`,
      batchId,
      base: this.#store.location.original,
    })
  }

  /** The committed files as a Spark reader sees them. */
  async allFiles(): Promise<SinkFileStatus[]> {
    const latest = await this.latestBatchId()
    if (latest === null) return []
    const interval = this.#interval!
    const logs = await this.#readAll(
      allValidBatches(latest, interval),
      interval,
      `while reading up to batch ${latest}`,
    )
    return compactLogs(logs)
  }

  /**
   * Deletes entries a reader no longer needs: every batch file (plain or `.compact`) below the
   * latest existing compaction at or before `olderThanBatchId`. With `minAgeMs` (Spark's
   * cleanupDelay, 10 min), only files at least that old are deleted, so a reader that listed
   * before the newer compaction became visible still finds what it listed. Returns deleted keys.
   */
  async cleanup(
    olderThanBatchId: number,
    opts: { minAgeMs?: number; now?: number } = {},
  ): Promise<string[]> {
    const listing = await this.#list()
    const interval = this.#intervalFrom(listing)
    let keepFrom = -1
    for (const id of listing.compactIds) {
      if (id <= olderThanBatchId && isCompactionBatch(id, interval)) {
        keepFrom = id
        break
      }
    }
    if (keepFrom < 0) return []
    const maxTime = (opts.now ?? Date.now()) - (opts.minAgeMs ?? 0)
    const keys: string[] = []
    for (const e of listing.entries) {
      if (e.id < keepFrom && e.lastModified <= maxTime) keys.push(e.key)
    }
    if (keys.length > 0) await this.#store.delete(keys)
    return keys
  }
}
