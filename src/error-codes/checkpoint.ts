/**
 * Codes of the checkpoint and sink log area: Spark's checkpoint logs and `_spark_metadata`. Part
 * of the error table (index.ts); docs/errors.md is generated from it.
 */
import type { ErrorArea, ErrorCodeInfo } from './types.js'

export const CHECKPOINT_AREA: ErrorArea = {
  title: 'Checkpoint and sink log',
  intro: [
    'The checkpoint (`offsets/`, `commits/`, `metadata`, `sources/0/0`) and the output\'s ' +
    '`_spark_metadata/` are in Spark\'s own formats. Before writing anything, sluice checks that ' +
    'they agree with each other.',
  ],
}

export const CHECKPOINT_CODES = {
  SLUICE_CHECKPOINT_MISMATCH: {
    meaning: 'Checkpoint and `_spark_metadata` disagree',
    retriable: false,
    what:
      'at start, the checkpoint\'s `offsets/` and `commits/` and the output\'s `_spark_metadata/` do ' +
      'not describe the same history. sluice stops before writing anything. The message gives the ' +
      'latest offsets id, the latest commit id and the latest sink-log batch, and says which case ' +
      'applies.',
    why:
      'one of these cases:\n- `checkpoint-missing`: the checkpoint is empty but `_spark_metadata` ' +
      'has batches. The checkpoint was deleted or moved and the output was kept; Spark would ' +
      'silently skip those batch ids.\n- `offsets-missing`: `commits/` exists but `offsets/` is ' +
      'gone.\n- `commits-ahead`: `commits/` is ahead of `offsets/` (a partial restore).\n- ' +
      '`sink-ahead`: `_spark_metadata` is ahead of the checkpoint. The checkpoint was restored ' +
      'from an older backup, or another query wrote to this output.\n- `sink-behind`: ' +
      '`_spark_metadata` is behind the checkpoint. The output path changed, or its ' +
      '`_spark_metadata` was deleted.',
    todo:
      'restore the matching checkpoint or `_spark_metadata`, point the query at the right output ' +
      'path, or start over with a new checkpoint and an empty output. Alternatively, set ' +
      '`sink.allowCheckpointMismatch: true`: sluice then continues after every batch id either log ' +
      'holds, and logs the same message as a warning. Records may then be written twice, or be ' +
      'missing from this output, as the message explains.',
    details:
      '`kind` (the case above), `latestOffsetsId`, `latestCommitId`, `sinkLatestId`, `checkpoint`, ' +
      '`output`.',
  },
  SLUICE_CHECKPOINT_MISSING_OFFSETS: {
    meaning: 'An `offsets/N` a batch needs is gone',
    retriable: false,
    what: '`offsets/N` does not exist, but the batch being resumed or re-run needs it as its start offsets.',
    why: 'it was deleted by hand or purged too early, so the exact range of the batch is unknown.',
    todo:
      'restore it from a backup, or set `sink.allowCheckpointMismatch: true` to start from the ' +
      'nearest earlier offsets (records may be written twice).',
    details: '`batchId`, `missing` (the absent offsets id).',
  },
  SLUICE_CHECKPOINT_CORRUPT: {
    meaning: 'A checkpoint file cannot be parsed',
    retriable: false,
    what:
      'a checkpoint file cannot be parsed: `metadata`, `offsets/N`, `commits/N`, `sources/0/0`, ' +
      'the owner lease `sluice/owner` or an intent file `sluice/intents/N/…` (not JSON, or without ' +
      'its `runId` / `keys`). It has no `v1` version line, a line is not valid JSON, the metadata or commit object or a ' +
      'number in it is wrong, `sources/0/0` is empty, or the offsets are not Kafka offsets of the ' +
      'form `{"topic":{"0":123}}`. This code is also raised when the checkpoint belongs to a query ' +
      'with other or several sources.',
    why: 'the file was truncated, edited by hand, or written for another query or source.',
    todo:
      'restore the file from a backup. If it is the newest entry and its batch was never ' +
      'committed, deleting it lets the batch run again. A damaged `sluice/owner` can be deleted once ' +
      'no other sluice process runs on the checkpoint (the next run writes it again). A damaged ' +
      'intent file lists files of one attempt (their names contain the attempt id of its directory): ' +
      'delete those files from the output if the batch is not committed, then the intent file. ' +
      'For a checkpoint of another query, point ' +
      '`checkpointLocation` at this query\'s checkpoint, or at an empty directory to start over.',
    details:
      '`where` (the file), plus `line` and `text` for a JSON error, `firstLine` for a missing ' +
      'version line, `key` for a bad number, `sources` for the wrong source count.',
  },
  SLUICE_CHECKPOINT_VERSION: {
    meaning: 'A checkpoint file has a newer log version',
    retriable: false,
    what: 'a checkpoint file has a log version newer than `v1`, the only version sluice reads.',
    why: 'a newer Spark, or another tool, wrote it in a format sluice does not know.',
    todo:
      'run this query with the program that wrote the file, or start sluice on a new checkpoint ' +
      'and output path.',
    details: '`where`, `version`, `supported`.',
  },
  SLUICE_CHECKPOINT_CONCURRENT: {
    meaning: 'A checkpoint entry was written by someone else',
    retriable: false,
    what:
      'a checkpoint entry (`metadata`, `offsets/N`, `commits/N` or `sources/0/0`) already exists ' +
      'although this run was about to write it.',
    why:
      'another query is running on the same checkpoint, or a zombie of an earlier run is still ' +
      'writing. The message says whether the store enforces conditional writes. If it does not ' +
      '(s3rver, some S3 clones), only an existence check protects the entry, and two writers ' +
      'racing at the same moment could both succeed.',
    todo:
      'stop every other sluice or Spark query that uses this location, then restart; sluice ' +
      'resumes from the logs.',
    details: '`batchId` (-1 for `metadata`, 0 for `sources/0/0`), `entry`, `location`, `conditionalWrites`.',
  },
  SLUICE_CHECKPOINT_TAKEN_OVER: {
    meaning: 'Another process took over the checkpoint',
    retriable: false,
    what:
      'before writing `offsets/N`, before a writer task completes files, or before ' +
      '`_spark_metadata/N`, this process found that `sluice/owner` in the checkpoint names another ' +
      'run (or was removed). The process stops before that write or completion; files it had ' +
      'already completed carry its own attempt id, are never committed, and are removed by the new owner.',
    why: 'a second sluice process was started on the same checkpoint and took the lease.',
    todo:
      'two queries must never share a checkpoint: stop one of them. The process that owns the ' +
      'checkpoint re-runs the batch.',
    details: '`batchId`, `owner` (`{runId, pid, host, startedAt}` of the new owner, or null).',
  },
  SLUICE_SINK_LOG_CORRUPT: {
    meaning: 'A `_spark_metadata` file cannot be parsed',
    retriable: false,
    what:
      'a `_spark_metadata` file cannot be parsed. It has no `v1` version line, a line is not valid ' +
      'JSON or not an object, an entry has no string `path`, or an entry has an action other than ' +
      '`add` or `delete`.',
    why:
      'the file was truncated, edited by hand, or written by another tool. Spark readers of this ' +
      'output fail on it as well.',
    todo:
      'restore it from a backup. If it is the newest entry and its batch was never committed, ' +
      'deleting it lets the batch run again.',
    details: '`where`, `line`, plus `text` for a JSON error and `firstLine` for a missing version line.',
  },
  SLUICE_SINK_LOG_VERSION: {
    meaning: 'A `_spark_metadata` file has a newer log version',
    retriable: false,
    what: 'a `_spark_metadata` file has a log version newer than `v1`.',
    why: 'a newer Spark, or another tool, wrote the output log.',
    todo:
      'write to this output with the program that created it, or start sluice on a new checkpoint ' +
      'and output path.',
    details: '`where`, `version`, `supported`.',
  },
  SLUICE_SINK_LOG_MISSING: {
    meaning: 'A `_spark_metadata` entry is missing',
    retriable: false,
    what:
      'a `_spark_metadata` entry that must exist does not, for example when the log is compacted ' +
      'or read as a whole. The message gives the file and the compact interval.',
    why:
      'the output path\'s `_spark_metadata` was deleted or partly deleted, or the output path ' +
      'changed while the checkpoint was kept.',
    todo:
      'restore `_spark_metadata` from a backup, or start over with a new checkpoint and an empty ' +
      'output path.',
    details: '`batchId`, `interval`, `where`.',
  },
  SLUICE_SINK_LOG_CONCURRENT: {
    meaning: 'A `_spark_metadata` entry was written by someone else',
    retriable: false,
    what:
      '`_spark_metadata/N` (or `N.compact`) already exists although this run was about to commit ' +
      'batch N to it.',
    why:
      'another query, or a zombie of an earlier run, is writing to the same output. The message ' +
      'says whether the store enforces conditional writes (see `SLUICE_CHECKPOINT_CONCURRENT`).',
    todo: 'stop every other sluice or Spark query that writes to this output, then restart.',
    details: '`batchId`, `entry`, `location`, `conditionalWrites`.',
  },
  SLUICE_COMPACTION_SOURCE_MISSING: {
    meaning: 'A file compaction should rewrite does not exist',
    retriable: false,
    what:
      'a compaction (`sink.compaction`) read a file that `_spark_metadata` lists as committed, and ' +
      'the file is not in the output. The compaction is not committed; its merged file is removed.',
    why:
      'a file of a committed batch was deleted outside sluice (by hand, a lifecycle rule, another ' +
      'tool). Spark readers of this output fail on the same file.',
    todo:
      'restore the file; or accept the loss: turn `sink.compaction` off, and read with Spark\'s ' +
      '`spark.sql.files.ignoreMissingFiles`.',
    details: '`key`, `output`.',
  },
  SLUICE_SINK_LOG_INTERVAL: {
    meaning: 'Invalid compact interval (API misuse)',
    retriable: false,
    what: 'the sink log was opened with a compact interval that is not a positive integer.',
    why:
      'the job file only accepts integers ≥ 1 for ' +
      '`conf.spark.sql.streaming.fileSink.log.compactInterval`, so this code comes from API use.',
    todo: 'pass a positive integer (Spark\'s default is 10).',
    details: '`compactInterval`.',
  },
} as const satisfies Record<string, ErrorCodeInfo>
