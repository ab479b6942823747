/**
 * The embedded stack: librdkafka's mock Kafka cluster and s3rver, on free loopback ports, always
 * stopped together. Used by the integration tests, the demo and the benchmarks.
 *
 *   const stack = await startStack({ topics: [{ name: 't', partitions: 10 }], buckets: ['b-test'] })
 *   spawn('node', [cli, 'run', job], { env: { ...process.env, ...stack.env } })
 *   await stack.stop()
 */
import { startKafkaMock, type KafkaMock, type KafkaMockTopic } from './kafka-mock.js'
import { startKafkaReal } from './kafka-real.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, startS3rver, type S3rverHandle } from './s3rver.js'
import { startVersitygw, type VersitygwHandle } from './versitygw.js'

export interface Stack<K extends KafkaUnderTest = KafkaMock> {
  kafka: K
  s3: S3rverHandle | VersitygwHandle
  /** Environment for a sluice process (and for the seed job file's ${…} variables). */
  env: Record<string, string>
  stop(): Promise<void>
}

export async function startStack(o: {
  brokers?: number
  topics?: KafkaMockTopic[]
  buckets?: string[]
  /** Run s3rver in its own process (demo, benchmarks) rather than in this one. */
  s3InChildProcess?: boolean
  /** 'versitygw': an S3 that enforces conditional writes (same credentials as s3rver). */
  s3Server?: 's3rver' | 'versitygw'
}): Promise<Stack> {
  const kafka = await startKafkaMock({ brokers: o.brokers ?? 1, topics: o.topics ?? [] })
  let s3: S3rverHandle | VersitygwHandle
  try {
    s3 =
      o.s3Server === 'versitygw'
        ? await startVersitygw({ buckets: o.buckets ?? [] })
        : await startS3rver({ buckets: o.buckets ?? [], inChildProcess: o.s3InChildProcess ?? false })
  } catch (err) {
    await kafka.stop()
    throw err
  }
  const env = {
    KAFKA_BOOTSTRAP: kafka.bootstrap,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
  }
  let stopped = false
  return {
    kafka,
    s3,
    env,
    async stop() {
      if (stopped) return
      stopped = true
      await Promise.allSettled([kafka.stop(), s3.stop()])
    },
  }
}

/**
 * Which Kafka a shared check runs on: librdkafka's mock cluster, or a real Apache Kafka of a line
 * in tools/kafka-real/versions (1 broker, test/helpers/kafka-real.ts).
 */
export type BrokerKind = 'mock' | '3.9' | '4'

/** What the checks shared by the mock and the real broker use of either. */
export interface KafkaUnderTest {
  readonly bootstrap: string
  createTopic(name: string, partitions: number): Promise<void>
  stop(): Promise<void>
}

/**
 * startStack on the mock, or the same with a real Apache Kafka (1 broker; topics with
 * retention.ms -1, since the tests' records carry timestamps hours in the past). One broker per
 * test file: a real broker starts in ~10 s.
 *
 *   const stack = await startStackOn('3.9', { topics: [{ name: 't', partitions: 6 }], buckets: ['b'] })
 */
export async function startStackOn(
  broker: BrokerKind,
  o: { topics?: KafkaMockTopic[]; buckets?: string[] },
): Promise<Stack<KafkaUnderTest> & { broker: string }> {
  if (broker === 'mock') return { ...(await startStack(o)), broker: 'librdkafka mock' }
  const real = await startKafkaReal({
    version: broker,
    topics: (o.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitions, replication: 1, config: { 'retention.ms': '-1' } })),
  })
  let s3: S3rverHandle
  try {
    s3 = await startS3rver({ buckets: o.buckets ?? [] })
  } catch (err) {
    await real.stop()
    throw err
  }
  const kafka: KafkaUnderTest = {
    bootstrap: real.bootstrap,
    createTopic: (name, partitions) => real.createTopic({ name, partitions, replication: 1, config: { 'retention.ms': '-1' } }),
    stop: () => real.stop(),
  }
  let stopped = false
  return {
    broker: `Apache Kafka ${real.version}`,
    kafka,
    s3,
    env: {
      KAFKA_BOOTSTRAP: real.bootstrap,
      S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      if (stopped) return
      stopped = true
      await Promise.allSettled([real.stop(), s3.stop()])
    },
  }
}
