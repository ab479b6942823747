/**
 * The sink half of a batch (Spark's addBatch). The batch's offset ranges go to coalesce-N writers
 * (assignWriters: which Kafka ranges end up in which `part-NNNNN` files) and, independently, to
 * read tasks on every worker of the pool (assignReaders: workers × 2 tasks, a hot partition cut
 * into pieces), so that every core reads and projects whatever `coalesce` says. Read tasks send
 * their rows, already encoded, as transferred ArrayBuffers over one MessagePort each; the merge
 * writers (src/worker/merge-writer.ts) run here, on the coordinator thread, append the blocks to
 * one file per directory, then write the intent files and make the files visible.
 *
 * Every attempt writes under its own file UUID (from the commit protocol, src/commit); removing
 * what earlier or losing attempts left is the protocol's job too.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { deserializeError, SluiceError } from '../errors.js'
import { assignReaders, assignWriters, splitKey, splitRanges, type OffsetMap, type OffsetRange } from '../planner/index.js'
import type { StoreSpec } from '../storage/types.js'
import type { RequestRecord } from '../storage/index.js'
import {
  writerTaskFile,
  type BlockMessage,
  type BlockReply,
  type ReadOutcome,
  type ReadRange,
  type ReadResult,
  type ReadTask,
  type TaskProjection,
  type WriterFailure,
  type WriterSpec,
  type WrittenFile,
  taskProjection,
} from '../worker/index.js'
import { MergeWriter } from '../worker/merge-writer.js'
import { badRecordsKey } from '../worker/bad-records.js'
import { parquetTaskSpec } from '../worker/parquet/task-spec.js'
import type { ParquetTaskSpec } from '../worker/types.js'
import type { JobConfig } from '../config/types.js'
import type { PartitionInfo } from '../kafka/index.js'
import type { Logger } from '../log.js'
import type { DataLossEvent } from '../planner/types.js'

export interface BatchWriteResult {
  files: WrittenFile[]
  rows: number
  corruptRows: number
  /** Records written to sink.badRecordsPath, and their files (keys relative to it; not in _spark_metadata). */
  badRecords: number
  badRecordFiles: WrittenFile[]
  inputBytes: number
  lostOffsets: number
  /** Ranges left out because their partition is gone (failOnDataLoss: false); not in lostOffsets. */
  gone: DataLossEvent[]
  /** Per `topic:partition`: records read, min/max Kafka timestamps. */
  ranges: Map<string, { records: number; minTimestamp: number; maxTimestamp: number }>
}

/** Receives the S3 request stats of every task, failed ones included. */
export type RequestSink = (records: RequestRecord[]) => void

/** Read tasks a worker thread runs at once (one's fetches overlap the other's records). */
const TASKS_PER_WORKER = 2
/** Bytes a read task may have sent and not yet seen written (flow control), at most. */
const MAX_IN_FLIGHT = 4 * 1024 * 1024

export class BatchWriter {
  #pool: Piscina
  #config: JobConfig
  #runId: string
  #outputSpec: StoreSpec
  #checkpointSpec: StoreSpec
  #projection: TaskProjection
  /** sink.format parquet: schema and codec for the read tasks and merge writers. */
  #parquet: ParquetTaskSpec | undefined
  #onRequests: RequestSink
  #queryId: string

  constructor(o: {
    config: JobConfig
    runId: string
    /** The checkpoint's query id: in the bad-records file names (src/worker/bad-records.ts). */
    queryId?: string
    outputSpec: StoreSpec
    checkpointSpec: StoreSpec
    onRequests: RequestSink
  }) {
    this.#onRequests = o.onRequests
    this.#queryId = o.queryId ?? ''
    this.#config = o.config
    this.#runId = o.runId
    this.#outputSpec = o.outputSpec
    this.#checkpointSpec = o.checkpointSpec
    const c = o.config
    this.#projection = taskProjection(c)
    this.#parquet = parquetTaskSpec(c, this.#projection)
    this.#pool = new Piscina({
      filename: writerTaskFile,
      minThreads: c.workers,
      maxThreads: c.workers,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: TASKS_PER_WORKER,
    })
  }

  get pool(): Piscina {
    return this.#pool
  }

  /** Runs attempt `uuid` of batch N (see CommitProtocol.newAttempt). */
  async write(batchId: number, uuid: string, start: OffsetMap, end: OffsetMap, leaders: Map<string, PartitionInfo>): Promise<BatchWriteResult> {
    const c = this.#config
    const ranges: OffsetRange[] = []
    const gone: DataLossEvent[] = []
    for (const [key, e] of end) {
      const s = start.get(key) ?? e
      if (e > s) {
        const { topic, partition } = splitKey(key)
        if (!leaders.has(key) && !c.source.failOnDataLoss) {
          // Spark (failOnDataLoss false): a partition that is gone is left out of the batch, with a warning.
          gone.push({
            kind: 'partitionGone',
            topic,
            partition,
            startOffset: s,
            lostOffsets: e - s,
            message: `Partition ${topic}-${partition} is gone (deleted, or its topic re-created) and batch ${batchId}'s offsets ${s} to ${e - 1} cannot be read; they are skipped`,
          })
          continue
        }
        ranges.push({ topic, partition, start: s, end: e })
      }
    }
    const split = splitRanges(ranges, c.source.minPartitions)
    const groups = assignWriters(split, c.sink.coalesce)
    const writeEmpty = c.sink.partitionBy.length === 0
    // Without partitionBy, Spark's writer 0 writes a file even for an empty batch.
    const writerCount = groups.length === 0 && writeEmpty ? 1 : groups.length
    const budget = this.#memory()
    const writers = Array.from(
      { length: writerCount },
      (_, w) => new MergeWriter(this.#writerSpec(batchId, uuid, w, writeEmpty && w === 0, Math.floor(budget.writers / writerCount))),
    )
    const readers = assignReaders(groups, c.workers * TASKS_PER_WORKER).map((group) => group.map((r) => this.#withLeader(batchId, r, leaders)))
    const perReader = Math.floor(budget.readers / Math.max(1, readers.length))
    const ports: MessagePort[] = []
    let writeError: unknown = undefined
    const stopReaders = (err: unknown): void => {
      writeError ??= err
      const stop: BlockReply = { t: 'x' }
      for (const p of ports) p.postMessage(stop)
    }
    try {
      const runs = readers.map((group) => {
        const { port1, port2 } = new MessageChannel()
        ports.push(port1)
        const ended = this.#receive(port1, writers, stopReaders)
        const task: ReadTask = {
          kind: 'read',
          batchId,
          ranges: group,
          projection: this.#projection,
          memoryBytes: Math.floor(perReader / 2),
          inFlightBytes: Math.min(MAX_IN_FLIGHT, Math.floor(perReader / 2)),
          failOnDataLoss: c.source.failOnDataLoss,
          kafka: this.#kafka(),
          lineSep: c.sink.lineSep,
          badRecords: c.sink.badRecordsPath !== undefined,
          parquet: this.#parquet,
          port: port2,
        }
        const run = this.#pool.run(task, { transferList: [port2] }) as Promise<ReadOutcome>
        // A reader that succeeded sent its end marker before it returned; wait for it to arrive.
        return run.then(async (o) => (o.ok ? (await ended, o) : o))
      })
      const outcomes = await Promise.all(runs)
      for (const o of outcomes) if (o.s3Requests.length > 0) this.#onRequests(o.s3Requests)
      if (writeError !== undefined) throw writeError
      const failure = outcomes.find((o): o is WriterFailure => !o.ok)
      if (failure !== undefined) throw deserializeError(failure.error)
      const files = (await Promise.all(writers.map((w) => w.finish()))).flat()
      const result = this.#result(files, outcomes as ReadResult[], gone)
      for (const w of writers) if (w.badRecordsFile !== null) result.badRecordFiles.push(w.badRecordsFile)
      return result
    } catch (err) {
      stopReaders(err)
      await Promise.allSettled(writers.map((w) => w.abort()))
      throw err
    } finally {
      for (const p of ports) p.close()
    }
  }

  /**
   * Hands the blocks arriving on `port` to their writers and acknowledges each once it is in its
   * file's writer. Resolves at the reader's end marker.
   */
  #receive(port: MessagePort, writers: MergeWriter[], fail: (err: unknown) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      port.on('message', (m: BlockMessage) => {
        if (m.t === 'e') {
          resolve()
          return
        }
        const len = m.len
        writers[m.w]!.append(m.dir, new Uint8Array(m.buf, 0, len), m.rows, m.rg).then(() => {
          const ack: BlockReply = { t: 'a', n: len }
          port.postMessage(ack)
        }, fail)
      })
    })
  }

  #withLeader<R extends OffsetRange & { writer: number }>(batchId: number, r: R, leaders: Map<string, PartitionInfo>): ReadRange {
    const info = leaders.get(`${r.topic}:${r.partition}`)
    if (info === undefined) {
      throw new SluiceError(
        'SLUICE_KAFKA_PARTITION_GONE',
        `Kafka partition ${r.topic}-${r.partition} is in batch ${batchId}'s offsets but the cluster no longer reports it: it was deleted or the topic recreated. ` +
          'Restore the topic, or set source.failOnDataLoss: false to skip what is missing.',
        { details: { batchId, topic: r.topic, partition: r.partition } },
      )
    }
    return { topic: r.topic, partition: r.partition, start: r.start, end: r.end, writer: r.writer, leader: info.leader }
  }

  #result(files: WrittenFile[], outcomes: ReadResult[], gone: DataLossEvent[]): BatchWriteResult {
    const result: BatchWriteResult = { files, rows: 0, corruptRows: 0, badRecords: 0, badRecordFiles: [], inputBytes: 0, lostOffsets: 0, gone, ranges: new Map() }
    for (const o of outcomes) {
      result.rows += o.rows
      result.corruptRows += o.corruptRows
      result.badRecords += o.badRows ?? 0
      result.inputBytes += o.inputBytes
      for (const r of o.ranges) {
        result.lostOffsets += r.lost
        const key = `${r.topic}:${r.partition}`
        const prev = result.ranges.get(key)
        if (prev === undefined) {
          result.ranges.set(key, { records: r.records, minTimestamp: r.minTimestamp, maxTimestamp: r.maxTimestamp })
        } else {
          prev.records += r.records
          prev.minTimestamp = Math.min(prev.minTimestamp, r.minTimestamp)
          prev.maxTimestamp = Math.max(prev.maxTimestamp, r.maxTimestamp)
        }
      }
    }
    result.files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return result
  }

  #writerSpec(batchId: number, fileUuid: string, writer: number, writeEmptyFile: boolean, memoryBytes: number): WriterSpec {
    const c = this.#config
    return {
      batchId,
      writer,
      fileUuid,
      runId: this.#runId,
      output: this.#outputSpec,
      checkpoint: this.#checkpointSpec,
      compression: c.sink.compression,
      parquet: this.#parquet,
      writeEmptyFile,
      memoryBytes,
      maxRecordsPerFile: c.sink.maxRecordsPerFile,
      targetFileSize: c.sink.targetFileSize,
      lineSep: c.sink.lineSep,
      badRecords:
        c.sink.badRecordsPath === undefined
          ? undefined
          : { store: { location: c.sink.badRecordsPath, s3: c.s3 }, key: badRecordsKey(batchId, writer, this.#queryId) },
    }
  }

  #kafka(): ReadTask['kafka'] {
    const k = this.#config.source.kafka
    return {
      clientId: k.clientId,
      requestTimeoutMs: k.requestTimeoutMs,
      maxPartitionFetchBytes: k.maxPartitionFetchBytes,
      fetchMaxBytes: k.fetchMaxBytes,
      fetchMaxWaitMs: k.fetchMaxWaitMs,
      isolationLevel: k.isolationLevel,
      security: k.security,
    }
  }

  /**
   * sink.writerMemory is for the whole process: half for the merge writers' open files (shared
   * equally by the batch's writers), half for the read tasks' row blocks and the blocks in flight.
   */
  #memory(): { writers: number; readers: number } {
    const total = this.#config.sink.writerMemoryBytes
    return { writers: Math.floor(total / 2), readers: Math.floor(total / 2) }
  }

  async close(): Promise<void> {
    await this.#pool.destroy()
  }
}

/** Logs the "Skip missing records" line of each event (failOnDataLoss: false); returns the offsets they skipped where known. */
export function reportSkipped(log: Logger, events: DataLossEvent[]): number {
  let lost = 0
  for (const e of events) {
    log.warn({ event: e }, 'Skip missing records: offsets are no longer in Kafka (failOnDataLoss: false)')
    lost += e.lostOffsets ?? 0
  }
  return lost
}
