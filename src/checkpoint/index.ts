/**
 * Checkpoint and commit: Spark 3.5's checkpoint logs (metadata, offsets/N, commits/N,
 * sources/0/0), the file sink's `_spark_metadata` log, and restart resolution across both.
 * Everything goes through a Store (src/storage) bound to the checkpoint or the output location.
 */

export { CheckpointLog } from './checkpoint-log.js'
export {
  FileSinkLog,
  type FileSinkLogOptions,
  allValidBatches,
  batchesBeforeCompaction,
  deriveCompactInterval,
  isCompactionBatch,
} from './file-sink-log.js'
export { LOG_VERSION } from './log-version.js'
export {
  type KafkaOffsets,
  type OffsetSeqMetadata,
  type OffsetsEntry,
  defaultOffsetConf,
  jobOffsetConf,
  legacyOffsetConfDefaults,
  parseCommit,
  parseInitialOffsets,
  parseKafkaOffsets,
  parseOffsets,
  serializeCommit,
  serializeInitialOffsets,
  serializeKafkaOffsets,
  serializeOffsets,
} from './offsets-format.js'
export { type RestartInputs, type RestartPlan, resolveRestart } from './restart.js'
export { type RestartState, kafkaSource, loadRestart } from './restart-loader.js'
export {
  type SinkFileStatus,
  compactLogs,
  parseSinkLog,
  serializeSinkFileStatus,
  serializeSinkLog,
} from './sink-log-format.js'
