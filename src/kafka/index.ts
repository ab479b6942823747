/**
 * Kafka access. Worker side (no kafkajs): {@link FetchClient} reads offset ranges over the
 * Kafka protocol and decodes RecordBatch v2 in place into {@link DecodedChunk}s; read records
 * with {@link fillRecord} into one reused {@link KafkaRecordView}. Coordinator side (kafkajs):
 * {@link KafkaAdmin} for topic discovery, offsets and monitoring commits.
 */
export { FetchClient } from './fetch-client.js'
export {
  createRecordView,
  decodeHeaders,
  fillRecord,
  forEachRecord,
  recordKey,
  recordValue,
} from './record-view.js'
export type {
  BrokerAddress,
  DecodedChunk,
  FetchClientOptions,
  FetchRange,
  KafkaHeader,
  KafkaRecordView,
  RangeResult,
} from './types.js'
export {
  type AdminLogger,
  compileTopicPattern,
  KafkaAdmin,
  type KafkaAdminOptions,
  type PartitionInfo,
  partitionKey,
} from './admin.js'
export type { GroupOffset } from './group-commit.js'
