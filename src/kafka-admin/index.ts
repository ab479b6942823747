/**
 * Coordinator-side Kafka access (kafkajs): {@link KafkaAdmin} for topic discovery, leaders,
 * earliest/latest offsets and monitoring commits to a consumer group. Never imported by worker
 * code (eslint.config.js); the worker-side wire client is src/kafka/.
 */
export {
  type AdminLogger,
  compileTopicPattern,
  KafkaAdmin,
  type KafkaAdminOptions,
  partitionKey,
} from './admin.js'
export type { GroupOffset } from './group-commit.js'
