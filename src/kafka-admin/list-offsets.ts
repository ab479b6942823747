/**
 * ListOffsets asked of the partitions' leaders with sluice's own request, for what kafkajs' admin
 * cannot ask: the high watermark (kafkajs sends isolation_level read_committed, its default, with
 * no option, so through kafkajs an open transaction holds the planned end back at its last stable
 * offset; Spark plans to the high watermark by default), and offsets by timestamp with the
 * broker's own "no offset" answer (kafkajs' fetchTopicOffsetsByTimestamp replaces a missing
 * offset with the high watermark, which would hide Spark's startingOffsetsByTimestampStrategy).
 *
 *   ListOffsets v2 => replica_id:int32 isolation_level:int8
 *                     [topic:string [partition:int32 timestamp:int64]]
 *       timestamp: -1 = latest, else epoch ms: the earliest offset whose timestamp is >= it
 *     response => throttle_time_ms:int32
 *                 [topic:string [partition:int32 error_code:int16 timestamp:int64 offset:int64]]
 *       offset -1 with error_code 0: no record at or after the timestamp (below the high
 *       watermark, or the last stable offset under read_committed)
 */
import { SluiceError } from '../errors.js'
import { BrokerConnection } from '../kafka/broker-connection.js'
import { isRetriableKafkaError, kafkaErrorName, ResponseReader } from '../kafka/protocol-codec.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { BrokerAddress } from '../kafka/types.js'

const API_LIST_OFFSETS = 2

export interface LeaderPartition {
  topic: string
  partition: number
  leader: BrokerAddress
}

/**
 * Latest offsets (read_uncommitted: the high watermark) of `parts`, keyed `${topic}:${partition}`.
 * One request per leader, in parallel; a partition error rejects with SLUICE_KAFKA_METADATA
 * (retriable when the partition moved).
 */
export async function highWatermarks(
  parts: LeaderPartition[],
  clientId: string,
  timeoutMs: number,
  security: KafkaSecuritySpec | null = null,
): Promise<Map<string, number>> {
  return listOffsets(parts.map((p) => ({ ...p, timestamp: -1 })), 'read_uncommitted', clientId, timeoutMs, security)
}

/**
 * For each partition, the earliest offset whose record timestamp is at or after `timestamp`
 * (epoch ms), or -1 when it has none; keyed `${topic}:${partition}`.
 */
export async function offsetsForTimestamps(
  parts: (LeaderPartition & { timestamp: number })[],
  isolationLevel: 'read_uncommitted' | 'read_committed',
  clientId: string,
  timeoutMs: number,
  security: KafkaSecuritySpec | null = null,
): Promise<Map<string, number>> {
  return listOffsets(parts, isolationLevel, clientId, timeoutMs, security)
}

async function listOffsets(
  parts: (LeaderPartition & { timestamp: number })[],
  isolationLevel: 'read_uncommitted' | 'read_committed',
  clientId: string,
  timeoutMs: number,
  security: KafkaSecuritySpec | null,
): Promise<Map<string, number>> {
  const byLeader = new Map<string, (LeaderPartition & { timestamp: number })[]>()
  for (const p of parts) {
    const key = `${p.leader.host}:${p.leader.port}`
    const list = byLeader.get(key)
    if (list) list.push(p)
    else byLeader.set(key, [p])
  }
  const what = parts.every((p) => p.timestamp === -1) ? 'high watermark' : 'by timestamp'
  const out = new Map<string, number>()
  await Promise.all(
    [...byLeader.values()].map(async (list) => {
      const conn = new BrokerConnection(list[0]!.leader, clientId, timeoutMs, security)
      try {
        await conn.connect()
        const byTopic = new Map<string, { partition: number; timestamp: number }[]>()
        for (const p of list) {
          const ps = byTopic.get(p.topic)
          if (ps) ps.push(p)
          else byTopic.set(p.topic, [p])
        }
        const body = await conn.request(API_LIST_OFFSETS, 2, (w) => {
          w.int32(-1).int8(isolationLevel === 'read_committed' ? 1 : 0).int32(byTopic.size)
          for (const [topic, ps] of byTopic) {
            w.string(topic).int32(ps.length)
            for (const p of ps) w.int32(p.partition).int64(p.timestamp)
          }
        })
        const r = new ResponseReader(body)
        r.int32() // throttle_time_ms
        const topics = r.int32()
        for (let t = 0; t < topics; t++) {
          const topic = r.string() ?? ''
          const n = r.int32()
          for (let i = 0; i < n; i++) {
            const partition = r.int32()
            const code = r.int16()
            r.int64() // timestamp
            const offset = r.int64()
            if (code !== 0) throw listError(topic, partition, code)
            out.set(`${topic}:${partition}`, offset)
          }
        }
      } catch (err) {
        if (err instanceof SluiceError) throw err
        throw new SluiceError(
          'SLUICE_KAFKA_METADATA',
          `ListOffsets (${what}) to broker ${list[0]!.leader.host}:${list[0]!.leader.port} failed: ${(err as Error).message}; retried after a metadata refresh.`,
          { retriable: true, cause: err, details: { broker: `${list[0]!.leader.host}:${list[0]!.leader.port}` } },
        )
      } finally {
        await conn.close()
      }
    }),
  )
  return out
}

function listError(topic: string, partition: number, code: number): SluiceError {
  const retriable = isRetriableKafkaError(code)
  return new SluiceError(
    'SLUICE_KAFKA_METADATA',
    `ListOffsets of ${topic}-${partition} failed with ${kafkaErrorName(code)}` +
      (retriable ? ': the partition moved or is unavailable; retried after a metadata refresh.' : '.'),
    { retriable, details: { topic, partition, code: kafkaErrorName(code) } },
  )
}
