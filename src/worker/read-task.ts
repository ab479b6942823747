/**
 * A read task of one batch, run on every worker of the pool (the CPU-heavy half of the data path):
 *
 *   fetch (FetchClient, pipelined) → decode in place → project (from_json + selectExpr) →
 *   encode the row's JSON line into the block of (its coalesce writer, its partition directory)
 *   → send full blocks to the merge writers (row-blocks.ts; transferred, not copied)
 *
 * Each record first goes to the projection's byte form where it has one (sql projection-bytes.ts:
 * flat STRING fields scanned in the value's bytes, the line written straight into the block);
 * what that refuses takes the string projection (from_json's exact path) and `append`.
 *
 * The task makes nothing visible: files, intents and the lease check are the merge writers'
 * (merge-writer.ts). How many read tasks a batch has does not depend on `coalesce`
 * (planner/assign-writers.ts assignReaders), so every worker works whatever coalesce says.
 *
 * Per-thread state (the Kafka connection, compiled projections) is kept across tasks. Errors are
 * returned as data, never thrown: classes do not survive the thread boundary, codes do.
 */
import { isSluiceError, serializeError, SluiceError } from '../errors.js'
import { FetchClient } from '../kafka/fetch-client.js'
import { fillRecord } from '../kafka/record-view.js'
import type { DecodedChunk, FetchRange } from '../kafka/types.js'
import type { KafkaRecord, Projection, ProjectedRow } from '../sql/index.js'
import { takeRequestStats } from '../storage/index.js'
import { BAD_RECORDS_DIR, BadRecordEncoder } from './bad-records.js'
import { compileTaskProjection } from './compile-projection.js'
import { ParquetRowGroups } from './parquet/row-groups.js'
import { RowBlocks } from './row-blocks.js'
import type { RangeStats, ReadOutcome, ReadRange, ReadResult, ReadTask, TaskKafka, TaskProjection, TaskRange } from './types.js'

const projections = new Map<string, Projection>()
let fetchClient: FetchClient | null = null
let fetchClientKey = ''

export function projectionFor(p: TaskProjection): Projection {
  const key = JSON.stringify(p)
  let projection = projections.get(key)
  if (projection === undefined) {
    projection = compileTaskProjection(p)
    projections.set(key, projection)
  }
  return projection
}

export function fetchClientFor(kafka: TaskKafka): FetchClient {
  const key = JSON.stringify(kafka)
  if (fetchClient === null || fetchClientKey !== key) {
    void fetchClient?.close()
    fetchClient = new FetchClient(kafka)
    fetchClientKey = key
  }
  return fetchClient
}

/** Partition ranges a task reads at the same time. */
export const RANGES_IN_FLIGHT = 8

export async function runReadTask(task: ReadTask): Promise<ReadOutcome> {
  const blocks = new RowBlocks(task.port, task.memoryBytes, task.inFlightBytes, task.lineSep)
  try {
    return await read(task, blocks)
  } catch (err) {
    return { ok: false, error: serializeError(err), s3Requests: takeRequestStats() }
  } finally {
    task.port.unref()
  }
}

// Over 80 lines on purpose: the per-record loop shares rec, row, the counters and the blocks with
// the range lanes; split into functions they would pass these around on the hot path.
async function read(task: ReadTask, blocks: RowBlocks): Promise<ReadResult> {
  const projection = projectionFor(task.projection)
  const client = fetchClientFor(task.kafka)
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
  const row: ProjectedRow = { line: '', values: [], partitionPath: '', corrupt: false }
  // sink.format parquet: rows become row groups here, on the worker (parquet/row-groups.ts).
  const pq = task.parquet === undefined ? null : new ParquetRowGroups(blocks, task.parquet, task.memoryBytes)
  const values = row.values!
  let rows = 0
  let corruptRows = 0
  let badRows = 0
  let inputBytes = 0
  // sink.badRecordsPath: corrupt records go to their writer's bad-records file (bad-records.ts).
  const bad = task.badRecords === true ? new BadRecordEncoder(task.projection) : null
  const rangeStats: RangeStats[] = []
  const includeHeaders = task.projection.includeHeaders
  const dropMalformed = task.projection.mode === 'DROPMALFORMED'
  const fast = projection.projectBytes
  const readOne = async (range: ReadRange): Promise<void> => {
    const stats: RangeStats = {
      topic: range.topic,
      partition: range.partition,
      records: 0,
      lost: 0,
      minTimestamp: Number.POSITIVE_INFINITY,
      maxTimestamp: Number.NEGATIVE_INFINITY,
    }
    rangeStats.push(stats)
    const w = range.writer
    const sink = fast === null ? null : blocks.sink(w)
    const onChunk = async (chunk: DecodedChunk): Promise<void> => {
      const n = chunk.count
      let min = stats.minTimestamp
      let max = stats.maxTimestamp
      let corrupt = 0
      // Synchronous per chunk: rec and row are shared by the lanes, but no await runs in between.
      for (let i = 0; i < n; i++) {
        fillRecord(chunk, i, rec, includeHeaders)
        const ts = rec.timestamp
        if (ts < min) min = ts
        if (ts > max) max = ts
        // The byte projection writes the row itself, or leaves the record to the string projection.
        if (sink !== null && fast!(rec, sink)) continue
        projection.project(rec, row)
        if (row.corrupt) {
          corrupt++
          // The byte projection never takes a corrupt record: bad records are all seen here.
          if (bad !== null) {
            blocks.append(w, BAD_RECORDS_DIR, bad.line(rec))
            badRows++
          }
        }
        if (row.corrupt && dropMalformed) continue // counted in corruptRows, not written
        if (pq === null) blocks.append(w, row.partitionPath, row.line)
        else pq.append(w, row.partitionPath, values)
      }
      stats.minTimestamp = min
      stats.maxTimestamp = max
      corruptRows += corrupt
      rows += n
      stats.records += n
      await (pq ?? blocks).sendDue()
      // Parquet: bad records (badRecordsPath) still travel as JSON line blocks.
      if (pq !== null && badRows > 0) await blocks.sendDue()
    }
    const r = await readWithDataLoss(client, range, onChunk, task.failOnDataLoss)
    stats.lost = r.lost
    inputBytes += r.bytes
  }
  // Several ranges in flight hide the round trips of brokers that answer one record batch per
  // Fetch (each range keeps one request ahead of its processing).
  const queue = [...task.ranges]
  const lanes = Array.from({ length: Math.min(RANGES_IN_FLIGHT, queue.length) }, async () => {
    for (let r = queue.shift(); r !== undefined; r = queue.shift()) await readOne(r)
  })
  await Promise.all(lanes)
  await (pq ?? blocks).finish()
  return { ok: true, rows, corruptRows, badRows, inputBytes, ranges: rangeStats, peakBufferedBytes: pq?.peak ?? blocks.peak, s3Requests: takeRequestStats() }
}

/**
 * Reads a range; offsets no longer in the log are an error (SLUICE_KAFKA_DATA_LOSS) or, with
 * failOnDataLoss: false, skipped and counted (Spark's "Skip missing records").
 */
export async function readWithDataLoss(
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
      const { topic, partition, end, leader } = range
      const r = await client.readRange({ topic, partition, start, end, leader } satisfies FetchRange, onChunk)
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
