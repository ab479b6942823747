/**
 * The piscina task of a compaction (src/commit/compaction.ts): concatenates the source files of
 * one group, in order, into one new file of the same format and compression, streaming (a source
 * is read in 1 MiB chunks and the output goes out as multipart parts, so memory is bounded by the
 * store writer's parts whatever the file sizes). JSON lines concatenate as they are; gzip files
 * concatenate as gzip members (RFC 1952: a gzip file may hold several members, which Hadoop's
 * codec, Python and zcat read as one stream). Before it completes the file it checks the owner
 * lease: a process that lost the checkpoint completes nothing. The plan file written before the
 * task lists the output key, so an interrupted compaction's file is found and removed.
 *
 * Run through the writer pool with piscina's `filename` option (one pool, one worker budget).
 * Worker-safe: imports only storage, errors and commit's owner lease.
 */
import { OwnerLease } from '../commit/owner-lease.js'
import { serializeError, SluiceError } from '../errors.js'
import { takeRequestStats, type RequestRecord } from '../storage/index.js'
import { storeFor } from './merge-writer.js'
import { openReadStream } from '../storage/read-stream.js'
import type { ObjectInfo, StoreSpec } from '../storage/types.js'

export interface CompactTask {
  outputSpec: StoreSpec
  checkpointSpec: StoreSpec
  runId: string
  /** For the lease check's messages. */
  batchId: number
  output: string
  sources: string[]
  /** Uncompressed JSON lines: a source not ending in '\n' gets one, so lines never join. */
  text: boolean
}

export type CompactOutcome =
  | { ok: true; file: ObjectInfo; bytesRead: number; s3Requests: RequestRecord[] }
  | { ok: false; error: ReturnType<typeof serializeError>; s3Requests: RequestRecord[] }


const NEWLINE = new Uint8Array([10])

export default async function runCompactTask(task: CompactTask): Promise<CompactOutcome> {
  try {
    const { file, bytesRead } = await compact(task)
    return { ok: true, file, bytesRead, s3Requests: takeRequestStats() }
  } catch (err) {
    return { ok: false, error: serializeError(err), s3Requests: takeRequestStats() }
  }
}

async function compact(task: CompactTask): Promise<{ file: ObjectInfo; bytesRead: number }> {
  const output = storeFor(task.outputSpec)
  const writer = output.createWriter(task.output)
  let bytesRead = 0
  try {
    for (const key of task.sources) {
      const body = await openReadStream(task.outputSpec, key)
      if (body === null) {
        throw new SluiceError(
          'SLUICE_COMPACTION_SOURCE_MISSING',
          `${output.uri(key)} is listed in _spark_metadata but does not exist, so compaction cannot rewrite it into ${task.output}. ` +
            'A file of a committed batch was deleted outside sluice. Restore it, or accept the loss and let the next compaction plan go on without it.',
          { details: { key, output: task.output } },
        )
      }
      let last = 10
      for await (const chunk of body) {
        if (chunk.length === 0) continue
        bytesRead += chunk.length
        last = chunk[chunk.length - 1]!
        await writer.write(chunk)
      }
      if (task.text && last !== 10) await writer.write(NEWLINE)
    }
    await new OwnerLease(storeFor(task.checkpointSpec), task.runId).check(task.batchId)
    return { file: await writer.close(), bytesRead }
  } catch (err) {
    await writer.abort().catch(() => undefined)
    throw err
  }
}
