/**
 * The sink half of a batch (Spark's addBatch): turn the batch's offset ranges into coalesce-N
 * writer tasks, run them on the worker pool, and return the files they made visible. Every
 * attempt writes under its own file UUID (from the commit protocol, src/commit); removing what
 * earlier or losing attempts left is the protocol's job too.
 */
import { Piscina } from 'piscina'
import { deserializeError, SluiceError } from '../errors.js'
import { assignWriters, splitKey, splitRanges, type OffsetMap, type OffsetRange } from '../planner/index.js'
import type { StoreSpec } from '../storage/types.js'
import type { RequestRecord } from '../storage/index.js'
import {
  writerTaskFile,
  type TaskProjection,
  type WriterFailure,
  type WriterOutcome,
  type WriterResult,
  type WriterTask,
  type WrittenFile,
  taskProjection,
} from '../worker/index.js'
import type { JobConfig } from '../config/types.js'
import type { PartitionInfo } from '../kafka/index.js'
import type { Logger } from '../log.js'
import type { DataLossEvent } from '../planner/types.js'

export interface BatchWriteResult {
  files: WrittenFile[]
  rows: number
  corruptRows: number
  inputBytes: number
  lostOffsets: number
  /** Ranges left out because their partition is gone (failOnDataLoss: false); not in lostOffsets. */
  gone: DataLossEvent[]
  /** Per `topic:partition`: records read, min/max Kafka timestamps. */
  ranges: Map<string, { records: number; minTimestamp: number; maxTimestamp: number }>
}

/** Receives the S3 request stats of every writer task, failed ones included. */
export type RequestSink = (records: RequestRecord[]) => void

/** Writer tasks a worker thread runs at once. */
const TASKS_PER_WORKER = 2

export class BatchWriter {
  #pool: Piscina
  #config: JobConfig
  #runId: string
  #outputSpec: StoreSpec
  #checkpointSpec: StoreSpec
  #projection: TaskProjection
  #onRequests: RequestSink

  constructor(o: {
    config: JobConfig
    runId: string
    outputSpec: StoreSpec
    checkpointSpec: StoreSpec
    onRequests: RequestSink
  }) {
    this.#onRequests = o.onRequests
    this.#config = o.config
    this.#runId = o.runId
    this.#outputSpec = o.outputSpec
    this.#checkpointSpec = o.checkpointSpec
    const c = o.config
    this.#projection = taskProjection(c)
    this.#pool = new Piscina({
      filename: writerTaskFile,
      minThreads: c.workers,
      maxThreads: c.workers,
      idleTimeout: 60_000,
      // Two tasks per thread: one's S3 uploads overlap the other's records.
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
          gone.push({ kind: 'partitionGone', topic, partition, startOffset: s, lostOffsets: e - s, message: `Partition ${topic}-${partition} is gone (deleted, or its topic re-created) and batch ${batchId}'s offsets ${s} to ${e - 1} cannot be read; they are skipped` })
          continue
        }
        ranges.push({ topic, partition, start: s, end: e })
      }
    }
    const split = splitRanges(ranges, c.source.minPartitions)
    const groups = assignWriters(split, c.sink.coalesce)
    const writeEmpty = c.sink.partitionBy.length === 0
    const tasks: WriterTask[] = groups.map((group, writer) => ({
      ...this.#task(batchId, uuid, writer),
      ranges: group.map((r) => {
        const info = leaders.get(`${r.topic}:${r.partition}`)
        if (info === undefined) {
          throw new SluiceError(
            'SLUICE_KAFKA_PARTITION_GONE',
            `Kafka partition ${r.topic}-${r.partition} is in batch ${batchId}'s offsets but the cluster no longer reports it: it was deleted or the topic recreated. ` +
              'Restore the topic, or set source.failOnDataLoss: false to skip what is missing.',
            { details: { batchId, topic: r.topic, partition: r.partition } },
          )
        }
        return { ...r, leader: info.leader }
      }),
      writeEmptyFile: writeEmpty && writer === 0,
    }))
    // Without partitionBy, Spark's writer 0 writes a file even for an empty batch.
    if (tasks.length === 0 && writeEmpty) tasks.push({ ...this.#task(batchId, uuid, 0), writeEmptyFile: true })
    const outcomes = await Promise.all(tasks.map((t) => this.#pool.run(t) as Promise<WriterOutcome>))
    for (const o of outcomes) if (o.s3Requests.length > 0) this.#onRequests(o.s3Requests)
    const failure = outcomes.find((o): o is WriterFailure => !o.ok)
    if (failure !== undefined) throw deserializeError(failure.error)
    const result: BatchWriteResult = {
      files: [],
      rows: 0,
      corruptRows: 0,
      inputBytes: 0,
      lostOffsets: 0,
      gone,
      ranges: new Map(),
    }
    for (const o of outcomes as WriterResult[]) {
      result.files.push(...o.files)
      result.rows += o.rows
      result.corruptRows += o.corruptRows
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

  /** A writer task without ranges: what every task of the batch shares. */
  #task(batchId: number, fileUuid: string, writer: number): WriterTask {
    const c = this.#config
    return {
      batchId,
      writer,
      fileUuid,
      runId: this.#runId,
      ranges: [],
      projection: this.#projection,
      output: this.#outputSpec,
      checkpoint: this.#checkpointSpec,
      compression: c.sink.compression,
      lineSep: c.sink.lineSep,
      writeEmptyFile: false,
      memoryBytes: this.#taskMemory(),
      failOnDataLoss: c.source.failOnDataLoss,
      kafka: {
        clientId: c.source.kafka.clientId,
        requestTimeoutMs: c.source.kafka.requestTimeoutMs,
        maxPartitionFetchBytes: c.source.kafka.maxPartitionFetchBytes,
        fetchMaxBytes: c.source.kafka.fetchMaxBytes,
        fetchMaxWaitMs: c.source.kafka.fetchMaxWaitMs,
        isolationLevel: c.source.kafka.isolationLevel,
        security: c.source.kafka.security,
      },
    }
  }

  /** sink.writerMemory is for the whole process: each task that can run at once gets a share. */
  #taskMemory(): number {
    return Math.floor(this.#config.sink.writerMemoryBytes / (this.#config.workers * TASKS_PER_WORKER))
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
