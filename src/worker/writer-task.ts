/**
 * The piscina worker entry: runs one coalesce writer of one batch.
 *
 *   fetch (FetchClient, pipelined) → decode in place → project (from_json + selectExpr) →
 *   bucket by partition directory → PartitionFile (text → bytes → multipart parts)
 *
 * then, once every range is read: record the keys about to appear in an intent file in the
 * checkpoint (so a re-run can remove them), and close the files (they become visible).
 *
 * Per-thread state (the Kafka connections, stores, compiled projections) is kept across tasks.
 * Errors are returned as data (WriterFailure), never thrown: classes do not survive the thread
 * boundary, codes do.
 */
import { isSluiceError, serializeError, SluiceError } from '../errors.js'
import { FetchClient } from '../kafka/fetch-client.js'
import { fillRecord } from '../kafka/record-view.js'
import type { DecodedChunk, FetchRange } from '../kafka/types.js'
import type { KafkaRecord, Projection, ProjectedRow } from '../sql/index.js'
import { compileTaskProjection } from './compile-projection.js'
import { createStore, takeRequestStats } from '../storage/index.js'
import type { Store, StoreSpec } from '../storage/types.js'
import { MemoryAccount, pickLeastRecentlyUsed } from './memory-account.js'
import { INITIAL_BYTES, PartitionFile } from './partition-file.js'
import { intentKey, serializeIntent } from '../commit/intents.js'
import { OwnerLease } from '../commit/owner-lease.js'
import {
  dataFileName,
  type RangeStats,
  type TaskProjection,
  type TaskRange,
  type WriterOutcome,
  type WriterResult,
  type WriterTask,
  type WrittenFile,
} from './types.js'

const stores = new Map<string, Store>()
const projections = new Map<string, Projection>()
let fetchClient: FetchClient | null = null
let fetchClientKey = ''

function storeFor(spec: StoreSpec): Store {
  const key = JSON.stringify(spec)
  let store = stores.get(key)
  if (store === undefined) {
    store = createStore(spec)
    stores.set(key, store)
  }
  return store
}

function projectionFor(p: TaskProjection): Projection {
  const key = JSON.stringify(p)
  let projection = projections.get(key)
  if (projection === undefined) {
    projection = compileTaskProjection(p)
    projections.set(key, projection)
  }
  return projection
}

function fetchClientFor(task: WriterTask): FetchClient {
  const key = JSON.stringify(task.kafka)
  if (fetchClient === null || fetchClientKey !== key) {
    void fetchClient?.close()
    fetchClient = new FetchClient(task.kafka)
    fetchClientKey = key
  }
  return fetchClient
}

/** Partition ranges a task reads at the same time. */
const RANGES_IN_FLIGHT = 8
/**
 * Files a task keeps open at once, whatever its memory budget: bounds file descriptors and
 * sockets. A task that needs more closes its least recently used files first.
 */
export const MAX_OPEN_FILES = 1024
/** When the task closes files for memory, it goes down to this share of its budget (fewer, larger closes). */
const RELIEF_TARGET = 0.75

export default async function runWriterTask(task: WriterTask): Promise<WriterOutcome> {
  const files = new Map<string, PartitionFile>()
  const closing: PartitionFile[] = []
  try {
    return await run(task, files, closing)
  } catch (err) {
    await Promise.allSettled([...files.values(), ...closing].map((f) => f.abort()))
    return { ok: false, error: serializeError(err), s3Requests: takeRequestStats() }
  }
}

// Over 80 lines on purpose: the per-record loop, the file table, the memory account and the
// close/relieve chain share mutable state (rec, row, files, account, the relieve chain); split into
// functions they would pass six or more values around on the hot path. Each closure is commented.
async function run(task: WriterTask, files: Map<string, PartitionFile>, closing: PartitionFile[]): Promise<WriterResult> {
  const projection = projectionFor(task.projection)
  const output = storeFor(task.output)
  const client = fetchClientFor(task)
  const gzip = task.compression // the codec (compressors.ts); `gzip` is its name from gzip-only days
  const counters = new Map<string, number>()
  const closed: WrittenFile[] = []
  let intentSeq = 0

  const rec: KafkaRecord = {
    topic: '',
    partition: 0,
    offset: 0,
    timestamp: 0,
    timestampType: 0,
    buf: Buffer.alloc(0),
    keyStart: -1,
    keyEnd: -1,
    valueStart: -1,
    valueEnd: -1,
    headers: null,
  }
  const row: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
  let rows = 0
  let corruptRows = 0
  let inputBytes = 0

  const account = new MemoryAccount()
  let useCounter = 0
  const openFile = (dir: string): PartitionFile => {
    const counter = counters.get(dir) ?? 0
    counters.set(dir, counter + 1)
    const name = dataFileName(task.writer, task.fileUuid, counter, gzip)
    const file = new PartitionFile(output, dir === '' ? name : `${dir}/${name}`, gzip, account, task.lineSep)
    files.set(dir, file)
    return file
  }

  /** Records the keys, then makes the files visible. */
  const closeFiles = async (dirs: string[]): Promise<void> => {
    const list = dirs.map((d) => files.get(d)!)
    // Rows that arrive while these close go to a new file (the next -cNNN) of the directory.
    for (const d of dirs) files.delete(d)
    closing.push(...list)
    // One at a time: finish() moves a file's text into its store writer (a transient copy) and,
    // with gzip, holds a compressor (GZIP_STATE_BYTES) while it runs; finishing many files at once
    // would pass the budget. The uploads themselves (close) still run together.
    for (const f of list) await f.finish()
    const checkpoint = storeFor(task.checkpoint)
    // Data fencing: a run that lost the lease completes nothing more (see src/commit).
    await new OwnerLease(checkpoint, task.runId).check(task.batchId)
    await checkpoint.put(
      intentKey(task.batchId, task.fileUuid, task.writer, intentSeq++),
      serializeIntent({ batchId: task.batchId, attempt: task.fileUuid, writer: task.writer, keys: list.map((f) => f.key) }),
    )
    const infos = await Promise.all(list.map((f) => f.close()))
    for (let i = 0; i < list.length; i++) {
      const info = infos[i]!
      closed.push({ key: info.key, size: info.size, lastModified: info.lastModified, rows: list[i]!.rows })
      closing.splice(closing.indexOf(list[i]!), 1)
    }
  }

  /** Whether opening one more file would pass the budget or the open-file cap. */
  const mustMakeRoom = (): boolean =>
    files.size >= MAX_OPEN_FILES || account.used + INITIAL_BYTES > task.memoryBytes

  /**
   * Keeps the task's memory under its budget (see memory-account.ts): flush big text buffers into
   * the store writers, then close least-recently-used files until the allocated sum is back under
   * RELIEF_TARGET of the budget and one more file can be opened. Ranges are read concurrently, so
   * calls are chained: a file's writes never overlap.
   */
  let relieving: Promise<void> = Promise.resolve()
  const relieve = (): Promise<void> => {
    relieving = relieving.then(relieveNow)
    return relieving
  }
  const relieveNow = async (): Promise<void> => {
    for (const f of due) {
      due.delete(f)
      await f.flush()
    }
    for (const f of files.values()) f.sync()
    const budget = task.memoryBytes
    if (account.used <= budget && !mustMakeRoom()) return
    const target = Math.floor(budget * RELIEF_TARGET) - INITIAL_BYTES
    // Over the open-file cap: close an eighth of the files at once (fewer intent files).
    const overCap = files.size >= MAX_OPEN_FILES ? Math.max(1, files.size >> 3) : 0
    const victims = pickLeastRecentlyUsed(files.values(), account.used, target, overCap)
    if (victims.length === 0) return
    const dirOf = new Map([...files].map(([d, f]) => [f, d]))
    await closeFiles(victims.map((f) => dirOf.get(f)!))
  }

  const due = new Set<PartitionFile>()
  const rangeStats: RangeStats[] = []
  const includeHeaders = task.projection.includeHeaders
  const dropMalformed = task.projection.mode === 'DROPMALFORMED'
  const readOne = async (range: TaskRange): Promise<void> => {
    const stats: RangeStats = {
      topic: range.topic,
      partition: range.partition,
      records: 0,
      lost: 0,
      minTimestamp: Number.POSITIVE_INFINITY,
      maxTimestamp: Number.NEGATIVE_INFINITY,
    }
    rangeStats.push(stats)
    const onChunk = async (chunk: DecodedChunk): Promise<void> => {
      const n = chunk.count
      for (let i = 0; i < n; i++) {
        fillRecord(chunk, i, rec, includeHeaders)
        projection.project(rec, row)
        if (row.corrupt) corruptRows++
        const ts = rec.timestamp
        if (ts < stats.minTimestamp) stats.minTimestamp = ts
        if (ts > stats.maxTimestamp) stats.maxTimestamp = ts
        if (row.corrupt && dropMalformed) continue // counted in corruptRows, not written
        // rec and row are shared by the ranges read concurrently: keep this row's text across the await.
        const line = row.line
        let file = files.get(row.partitionPath)
        if (file === undefined) {
          const dir = row.partitionPath
          if (mustMakeRoom()) await relieve()
          file = files.get(dir) ?? openFile(dir)
        }
        file.lastUsed = ++useCounter
        if (file.append(line)) due.add(file)
      }
      rows += n
      stats.records += n
      if (due.size > 0 || account.used > task.memoryBytes) await relieve()
    }
    const read = await readWithDataLoss(client, range, onChunk, task.failOnDataLoss)
    stats.lost = read.lost
    inputBytes += read.bytes
  }
  // Several ranges in flight hide the round trips of brokers that answer one record batch per
  // Fetch (each range keeps one request ahead of its processing).
  const queue = [...task.ranges]
  const lanes = Array.from({ length: Math.min(RANGES_IN_FLIGHT, queue.length) }, async () => {
    for (let r = queue.shift(); r !== undefined; r = queue.shift()) await readOne(r)
  })
  await Promise.all(lanes)
  await relieving

  if (task.writeEmptyFile && files.size === 0 && closed.length === 0) openFile('')
  if (files.size > 0) await closeFiles([...files.keys()])
  return {
    ok: true,
    files: closed,
    rows,
    corruptRows,
    inputBytes,
    ranges: rangeStats,
    peakAllocatedBytes: account.peak,
    s3Requests: takeRequestStats(),
  }
}


/**
 * Reads a range; offsets no longer in the log are an error (SLUICE_KAFKA_DATA_LOSS) or, with
 * failOnDataLoss: false, skipped and counted (Spark's "Skip missing records").
 */
async function readWithDataLoss(
  client: FetchClient,
  range: TaskRange,
  onChunk: (chunk: DecodedChunk) => Promise<void>,
  failOnDataLoss: boolean,
): Promise<{ lost: number; bytes: number }> {
  let start = range.start
  let lost = 0
  let bytes = 0
  const where = `${range.topic}-${range.partition}`
  for (;;) {
    try {
      const r = await client.readRange({ ...range, start } satisfies FetchRange, onChunk)
      bytes += r.bytes
      if (!r.complete) {
        const missing = range.end - r.nextOffset
        if (failOnDataLoss) throw dataLoss(where, r.nextOffset, range.end, `the log ends at ${r.highWatermark}`)
        lost += missing
      }
      return { lost, bytes }
    } catch (err) {
      if (!isSluiceError(err, 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE')) throw err
      const logStart = Number(err.details.logStartOffset ?? Number.NaN)
      if (failOnDataLoss || !Number.isFinite(logStart) || logStart <= start) {
        throw dataLoss(where, start, range.end, `the log now starts at ${err.details.logStartOffset ?? 'an unknown offset'}`)
      }
      const skipTo = Math.min(logStart, range.end)
      lost += skipTo - start
      start = skipTo
      if (start >= range.end) return { lost, bytes }
    }
  }
}

function dataLoss(where: string, from: number, to: number, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_DATA_LOSS',
    `Offsets ${from}..${to - 1} of ${where} are no longer in Kafka (${why}): they were deleted by retention or the topic was recreated before sluice read them. ` +
      'Nothing was committed for this batch. If losing them is acceptable set source.failOnDataLoss: false (sluice then skips what is missing and counts it); ' +
      'otherwise raise the topic retention or the read rate (maxOffsetsPerTrigger, workers).',
    { details: { partition: where, from, to } },
  )
}
