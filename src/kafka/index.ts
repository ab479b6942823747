/**
 * The Kafka wire client, safe in worker threads (never imports kafkajs; a lint rule in
 * eslint.config.js enforces it): {@link FetchClient} reads offset ranges over the Kafka protocol
 * and decodes RecordBatch v2 in place into {@link DecodedChunk}s; read records with
 * {@link fillRecord} into one reused {@link KafkaRecordView}. The coordinator's kafkajs admin
 * (discovery, offsets, monitoring commits) is src/kafka-admin/.
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
  PartitionInfo,
  RangeResult,
} from './types.js'
