/**
 * The piscina worker entry. A pool task is a read task of one batch (read-task.ts: fetch, decode,
 * project, encode, send the row blocks to the merge writers on the coordinator thread), told apart
 * by `kind`; other task kinds dispatch here too.
 *
 * runWriterTask is the one-thread form of a coalesce writer: one read task feeding one merge writer
 * in the same thread over a MessageChannel (the same code and protocol as the pool path), used to
 * measure a writer's memory in-process (test/integration/writer-memory.test.ts).
 */
import { MessageChannel } from 'node:worker_threads'
import { serializeError } from '../errors.js'
import { takeRequestStats } from '../storage/index.js'
import { MergeWriter } from './merge-writer.js'
import { runReadTask } from './read-task.js'
import type { BlockMessage, BlockReply, ReadOutcome, ReadTask, WriterOutcome, WriterTask } from './types.js'

export { MAX_OPEN_FILES } from './merge-writer.js'

export default async function runPoolTask(task: ReadTask | WriterTask): Promise<ReadOutcome | WriterOutcome> {
  if ('kind' in task && task.kind === 'read') return runReadTask(task)
  return runWriterTask(task as WriterTask)
}

export async function runWriterTask(task: WriterTask): Promise<WriterOutcome> {
  const writer = new MergeWriter({
    batchId: task.batchId,
    writer: task.writer,
    fileUuid: task.fileUuid,
    runId: task.runId,
    output: task.output,
    checkpoint: task.checkpoint,
    compression: task.compression,
    writeEmptyFile: task.writeEmptyFile,
    memoryBytes: Math.floor(task.memoryBytes / 2),
  })
  const { port1, port2 } = new MessageChannel()
  let failed: unknown = undefined
  const ended = new Promise<void>((resolve) => {
    port1.on('message', (m: BlockMessage) => {
      if (m.t === 'e') return resolve()
      writer.append(m.dir, new Uint8Array(m.buf, 0, m.len), m.rows).then(
        () => port1.postMessage({ t: 'a', n: m.len } satisfies BlockReply),
        (err: unknown) => {
          failed ??= err
          port1.postMessage({ t: 'x' } satisfies BlockReply)
        },
      )
    })
  })
  try {
    const half = Math.floor(task.memoryBytes / 4)
    const read = await runReadTask({
      kind: 'read',
      batchId: task.batchId,
      ranges: task.ranges.map((r) => ({ ...r, writer: 0 })),
      projection: task.projection,
      memoryBytes: half,
      inFlightBytes: half,
      failOnDataLoss: task.failOnDataLoss,
      kafka: task.kafka,
      lineSep: task.lineSep,
      port: port2,
    })
    if (failed !== undefined) throw failed
    if (!read.ok) {
      await writer.abort()
      return read
    }
    await ended
    const files = await writer.finish()
    return {
      ok: true,
      files,
      rows: read.rows,
      corruptRows: read.corruptRows,
      inputBytes: read.inputBytes,
      ranges: read.ranges,
      peakAllocatedBytes: writer.peakAllocatedBytes + read.peakBufferedBytes,
      s3Requests: takeRequestStats(),
    }
  } catch (err) {
    await writer.abort()
    return { ok: false, error: serializeError(failed ?? err), s3Requests: takeRequestStats() }
  } finally {
    port1.close()
  }
}
