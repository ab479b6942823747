/** Kafka records built in memory for sluice's projection in the Spark comparison tests. */
import type { KafkaRecord } from '../../src/sql/index.js'

export function kafkaRecord(value: Buffer | null, timestamp = 0, offset = 0): KafkaRecord {
  return {
    topic: 'pySparkTest',
    partition: 0,
    offset,
    timestamp,
    timestampType: 0,
    buf: value ?? Buffer.alloc(0),
    keyStart: -1,
    keyEnd: -1,
    valueStart: value === null ? -1 : 0,
    valueEnd: value === null ? -1 : value.length,
    headers: null,
  }
}
