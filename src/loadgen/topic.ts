/**
 * Makes sure the target topic exists with the wanted partition count before producing.
 *
 * The topic list is read with a Metadata request for all topics, never for the one name:
 * librdkafka's mock cluster (and brokers with auto.create.topics.enable) create a topic that a
 * Metadata request names, with a default partition count, which would hide a missing topic.
 *
 * Creating a topic goes to the cluster controller (CreateTopics). librdkafka's mock cluster
 * reports no usable controller, so kafkajs cannot create topics there: tests create them through
 * the mock launcher (`topic <name> <n>`) and pass that as `createTopic`.
 */
import type { Admin } from 'kafkajs'
import { SluiceError } from '../errors.js'
import { DEFAULT_PARTITIONS } from './options.js'

/** Creates a topic by other means than the kafkajs admin (e.g. the mock launcher). */
export type CreateTopicFn = (topic: string, partitions: number) => Promise<void>

export interface EnsureTopicResult {
  partitions: number
  created: boolean
}

async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] })
  return meta.topics[0]?.partitions.length ?? 0
}

/**
 * Returns the topic's partition count, creating the topic when it is missing. Throws
 * SLUICE_LOADGEN_TOPIC_MISMATCH when it exists with another count than `wanted`, and
 * SLUICE_LOADGEN_TOPIC_CREATE when creating it fails.
 */
export async function ensureTopic(
  admin: Admin,
  topic: string,
  wanted: number | undefined,
  createTopic?: CreateTopicFn,
): Promise<EnsureTopicResult> {
  const existing = await admin.listTopics()
  if (existing.includes(topic)) {
    const partitions = await partitionCount(admin, topic)
    if (wanted !== undefined && partitions !== wanted) {
      throw new SluiceError(
        'SLUICE_LOADGEN_TOPIC_MISMATCH',
        `loadgen: topic '${topic}' exists with ${partitions} partitions but --partitions asks for ${wanted}; drop --partitions to use the topic as it is, or pick another --topic`,
        { details: { topic, partitions, wanted } },
      )
    }
    return { partitions, created: false }
  }

  const partitions = wanted ?? DEFAULT_PARTITIONS
  try {
    if (createTopic) {
      await createTopic(topic, partitions)
    } else {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: -1 }],
        waitForLeaders: true,
      })
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new SluiceError(
      'SLUICE_LOADGEN_TOPIC_CREATE',
      `loadgen: cannot create topic '${topic}' with ${partitions} partitions: ${reason}; create it beforehand (kafka-topics.sh --create, or for tools/kafka-mock the --topic ${topic}:${partitions} flag or the 'topic ${topic} ${partitions}' command) and run again`,
      { cause: err, retriable: false, details: { topic, partitions } },
    )
  }
  const actual = await partitionCount(admin, topic)
  if (actual !== partitions) {
    throw new SluiceError(
      'SLUICE_LOADGEN_TOPIC_CREATE',
      `loadgen: topic '${topic}' was created but reports ${actual} partitions instead of ${partitions}; another client may have created it at the same time: check the topic and run again`,
      { details: { topic, partitions, actual } },
    )
  }
  return { partitions, created: true }
}
