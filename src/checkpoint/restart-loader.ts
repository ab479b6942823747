/**
 * The I/O half of restart: reads the three logs, asks resolveRestart, and loads the offsets the
 * plan needs (the start of the next batch, and for a re-run the exact offsets/N entry).
 */

import { SluiceError } from '../errors.js'
import type { CheckpointLog } from './checkpoint-log.js'
import type { FileSinkLog } from './file-sink-log.js'
import type { KafkaOffsets, OffsetsEntry } from './offsets-format.js'
import { type RestartPlan, resolveRestart } from './restart.js'

export interface RestartState {
  plan: RestartPlan
  /**
   * Where the next batch to plan starts (after a commit-only, after the re-run batch):
   * - fresh: sources/0/0 when present, else null (resolve startingOffsets and write sources/0/0);
   * - resume: offsets/fromBatchId (sources/0/0 when fromBatchId is null);
   * - rerun N: offsets/N-1 (sources/0/0 for N = 0): the start of the re-run range;
   * - commit-only N: offsets/N, the start of batch N+1.
   */
  startOffsets: KafkaOffsets | null
  /** rerun / commit-only: offsets/N as written (end offsets and the batch metadata to reuse). */
  batchEntry: OffsetsEntry | null
  /** The query id from `metadata`, null on a fresh checkpoint. */
  queryId: string | null
}

/** The Kafka offsets of source 0 of an offsets entry; SLUICE_CHECKPOINT_CORRUPT if not Kafka. */
export function kafkaSource(entry: OffsetsEntry, where: string): KafkaOffsets {
  const k = entry.sources[0]
  if (k === undefined || k === null || entry.sources.length !== 1) {
    throw new SluiceError(
      'SLUICE_CHECKPOINT_CORRUPT',
      `${where} holds ${entry.sources.length} source line(s) (${JSON.stringify(
        entry.rawSources ?? [],
      ).slice(0, 200)}), not exactly one Kafka offsets line: this checkpoint belongs to a query ` +
        'with other sources. Use a checkpointLocation of a query with one Kafka source, or a new one.',
      { details: { where, sources: entry.sources.length } },
    )
  }
  return k
}

export async function loadRestart(
  checkpoint: CheckpointLog,
  sinkLog: FileSinkLog,
  opts: { allowMismatch: boolean; checkpointUri: string; outputUri: string },
): Promise<RestartState> {
  const [latest, latestCommitId, sinkLatestId, meta] = await Promise.all([
    checkpoint.latestOffsets(),
    checkpoint.latestCommit(),
    sinkLog.latestBatchId(),
    checkpoint.readMetadata(),
  ])
  const plan = resolveRestart({
    latestOffsetsId: latest?.batchId ?? null,
    latestCommitId,
    sinkLatestId,
    allowMismatch: opts.allowMismatch,
    checkpointUri: opts.checkpointUri,
    outputUri: opts.outputUri,
  })
  const queryId = meta?.id ?? null
  const uri = (n: number) => `${opts.checkpointUri.replace(/\/?$/, '/')}offsets/${n}`

  /** offsets/id's Kafka offsets; with allowMismatch, the nearest lower entry if it is gone. */
  const startAt = async (id: number | null, forBatch: number): Promise<KafkaOffsets | null> => {
    if (id === null) return checkpoint.readInitialOffsets()
    const entry = await checkpoint.getOffsets(id)
    if (entry !== null) return kafkaSource(entry, uri(id))
    if (opts.allowMismatch) {
      const lower = (await checkpoint.offsetIds()).filter((n) => n < id)
      if (lower.length === 0) return checkpoint.readInitialOffsets()
      const n = lower[lower.length - 1]!
      return kafkaSource((await checkpoint.getOffsets(n))!, uri(n))
    }
    throw new SluiceError(
      'SLUICE_CHECKPOINT_MISSING_OFFSETS',
      `${uri(id)} does not exist, but batch ${forBatch} needs it as its start offsets: it was ` +
        'deleted by hand or purged too early, so the exact range of the batch is unknown. ' +
        'Restore it from a backup, or set sink.allowCheckpointMismatch: true to start from the ' +
        'nearest earlier offsets (records may be written twice).',
      { details: { batchId: forBatch, missing: id } },
    )
  }

  switch (plan.kind) {
    case 'fresh':
      return { plan, startOffsets: await checkpoint.readInitialOffsets(), batchEntry: null, queryId }
    case 'resume':
      return {
        plan,
        startOffsets: await startAt(plan.fromBatchId, plan.nextBatchId),
        batchEntry: null,
        queryId,
      }
    case 'rerun': {
      const n = plan.batchId
      kafkaSource(latest!.entry, uri(n))
      return {
        plan,
        startOffsets: await startAt(n === 0 ? null : n - 1, n),
        batchEntry: latest!.entry,
        queryId,
      }
    }
    case 'commit-only':
      return {
        plan,
        startOffsets: kafkaSource(latest!.entry, uri(plan.batchId)),
        batchEntry: latest!.entry,
        queryId,
      }
  }
}
