/**
 * Where to resume, from the checkpoint's offsets and commits logs and the output's
 * `_spark_metadata` (MicroBatchExecution.populateStartOffsets, plus checks Spark does not make).
 *
 * With O = latest offsets id, C = latest commit id, S = latest sink-log id (-1 for none):
 *
 *   O none, C none, S none      fresh at 0
 *   C == O:  S == O             resume at O+1 from offsets/O
 *   C <  O:  S == O             commit-only O (the sink committed, commits/O is missing)
 *            S == O-1           rerun O with exactly offsets/O-1 → offsets/O
 *   anything else               SLUICE_CHECKPOINT_MISMATCH, before anything is written
 *
 * Spark itself would run on in the mismatch cases: with the checkpoint deleted but the output's
 * log kept, FileStreamSink skips every batch id up to S as "already committed" and the query
 * silently writes nothing (the silent stall); with the output log behind, the next compaction
 * fails ("N.compact doesn't exist when compacting batch …"). With allowMismatch sluice continues
 * at max(O, C, S) + 1, so that no batch id is one the sink log already holds.
 */

import { SluiceError } from '../errors.js'

export type RestartPlan =
  /** Nothing to resume: start from sources/0/0 or startingOffsets as batch `nextBatchId`. */
  | { kind: 'fresh'; nextBatchId: number; warning?: string }
  /**
   * Continue with batch `nextBatchId`, starting at the offsets of offsets/`fromBatchId`
   * (null: at sources/0/0 / startingOffsets).
   */
  | { kind: 'resume'; nextBatchId: number; fromBatchId: number | null; warning?: string }
  /** Re-run batch `batchId` with exactly offsets/`batchId`-1 (sources/0/0 for 0) → offsets/`batchId`. */
  | { kind: 'rerun'; batchId: number }
  /** `_spark_metadata` already has `batchId`: skip the sink, write commits/`batchId`, go on at +1. */
  | { kind: 'commit-only'; batchId: number }

export interface RestartInputs {
  latestOffsetsId: number | null
  latestCommitId: number | null
  sinkLatestId: number | null
  allowMismatch: boolean
  checkpointUri: string
  outputUri: string
}

function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`
}

const ALLOW = 'sink.allowCheckpointMismatch: true'

function mismatch(
  s: RestartInputs,
  headline: string,
  cause: string,
  fix: string,
  kind: string,
): SluiceError {
  return new SluiceError(
    'SLUICE_CHECKPOINT_MISMATCH',
    `${headline} (checkpoint ${s.checkpointUri}: latest offsets ${s.latestOffsetsId ?? 'none'}, ` +
      `latest commit ${s.latestCommitId ?? 'none'}; output ${s.outputUri}_spark_metadata: latest ` +
      `batch ${s.sinkLatestId ?? 'none'}). ${cause} sluice stopped before writing anything. ${fix}`,
    {
      details: {
        kind,
        latestOffsetsId: s.latestOffsetsId,
        latestCommitId: s.latestCommitId,
        sinkLatestId: s.sinkLatestId,
        checkpoint: s.checkpointUri,
        output: s.outputUri,
      },
    },
  )
}

function allowed(s: RestartInputs, err: SluiceError, committed: boolean): RestartPlan {
  const o = s.latestOffsetsId
  const next = Math.max(o ?? -1, s.latestCommitId ?? -1, s.sinkLatestId ?? -1) + 1
  const warning =
    `${err.message} Continuing because of ${ALLOW}: the next batch is ${next}, after every ` +
    'batch id either log holds, so the sink does not skip it.'
  if (o === null) return { kind: 'fresh', nextBatchId: next, warning }
  // Committed: start after offsets/O. Uncommitted: the range offsets/O-1 → offsets/O never
  // reached the sink under a usable id, so start again from offsets/O-1.
  const fromBatchId = committed ? o : o === 0 ? null : o - 1
  return { kind: 'resume', nextBatchId: next, fromBatchId, warning }
}

/**
 * Pure decision; see the table at the top of this file. Over 80 lines on purpose: one case of
 * Spark's restart table after another, in the table's order, so the two can be read side by side.
 */
export function resolveRestart(input: RestartInputs): RestartPlan {
  const s: RestartInputs = {
    ...input,
    checkpointUri: withSlash(input.checkpointUri),
    outputUri: withSlash(input.outputUri),
  }
  const o = s.latestOffsetsId
  const c = s.latestCommitId ?? -1
  const sink = s.sinkLatestId ?? -1

  if (o === null) {
    if (c < 0 && sink < 0) return { kind: 'fresh', nextBatchId: 0 }
    const err =
      c >= 0
        ? mismatch(
            s,
            `The checkpoint has commits/${c} but no offsets files`,
            'The offsets/ directory was deleted or purged by hand, so the offsets of the ' +
              'committed batches are lost.',
            `Restore ${s.checkpointUri}offsets/ from a backup, or start over with a new ` +
              `checkpoint (and delete ${s.outputUri}_spark_metadata with the files it lists, or ` +
              `set ${ALLOW} to continue numbering after batch ${Math.max(c, sink)}).`,
            'offsets-missing',
          )
        : mismatch(
            s,
            `The checkpoint is empty but the output's _spark_metadata already holds batches up to ${sink}, while the checkpoint's next batch would be 0`,
            'The checkpoint was deleted or moved and the output kept: Spark would now skip ' +
              `batches 0 to ${sink} as "already committed" and silently write nothing.`,
            `Restore the checkpoint at ${s.checkpointUri}; or delete ${s.outputUri}_spark_metadata ` +
              `(and the data files it lists) to start over; or set ${ALLOW} to continue ` +
              `numbering at batch ${sink + 1}.`,
            'checkpoint-missing',
          )
    if (s.allowMismatch) return allowed(s, err, false)
    throw err
  }

  if (c > o) {
    const err = mismatch(
      s,
      `The checkpoint's commits/${c} is ahead of its latest offsets/${o}`,
      'offsets/ and commits/ come from different runs or backups (a partial restore).',
      `Restore ${s.checkpointUri} as a whole from one backup, or set ${ALLOW} to continue at ` +
        `batch ${Math.max(c, sink) + 1}.`,
      'commits-ahead',
    )
    if (s.allowMismatch) return allowed(s, err, true)
    throw err
  }

  const committed = c === o
  // The sink log must hold exactly the batches the checkpoint says the sink finished:
  // O when committed; O (commit missing) or O-1 (batch O not written yet) otherwise.
  const sinkMax = o
  const sinkMin = committed ? o : o - 1
  if (sink > sinkMax) {
    const err = mismatch(
      s,
      `The output's _spark_metadata batch ${sink} is ahead of the checkpoint's latest batch ${o}`,
      'The checkpoint was restored from an older backup or reset, or another query wrote to ' +
        `this output: Spark would skip batches ${o + (committed ? 1 : 0)} to ${sink} as ` +
        '"already committed" and silently lose their data.',
      `Restore the newest checkpoint for this output; or point the query at a new output path; or ` +
        `set ${ALLOW} to continue numbering at batch ${sink + 1} (the records after ` +
        `${committed ? `offsets/${o}` : o === 0 ? 'sources/0/0' : `offsets/${o - 1}`} are read ` +
        'again and may be written twice).',
      'sink-ahead',
    )
    if (s.allowMismatch) return allowed(s, err, committed)
    throw err
  }
  if (sink < sinkMin) {
    const err = mismatch(
      s,
      `The output's _spark_metadata batch ${sink < 0 ? 'none' : sink} is behind the checkpoint's ` +
        `${committed ? 'last committed' : 'previous'} batch ${sinkMin}`,
      'The output path changed, or its _spark_metadata was deleted, while the checkpoint was kept: ' +
        `the data of batches ${sink + 1} to ${sinkMin} is not in this output's log, and Spark ` +
        'would fail at its next compaction ("_spark_metadata/… doesn\'t exist when compacting batch …").',
      `Point the query back at the output path this checkpoint was written with; or restore its ` +
        `_spark_metadata; or start over with a new checkpoint (and startingOffsets); or set ${ALLOW} ` +
        `to continue at batch ${o + 1} without those batches in this output.`,
      'sink-behind',
    )
    if (s.allowMismatch) return allowed(s, err, committed)
    throw err
  }
  if (committed) return { kind: 'resume', nextBatchId: o + 1, fromBatchId: o }
  if (sink === o) return { kind: 'commit-only', batchId: o }
  return { kind: 'rerun', batchId: o }
}
