/**
 * Committing offsets to a consumer group without joining it, for lag monitoring (issue 3):
 * Spark never commits to Kafka, so consumer-group lag tools see nothing. kafkajs' setOffsets
 * joins the group with a consumer; here the commit is one OffsetCommit with generation -1 and
 * an empty member id (what Kafka's AdminClient.alterConsumerGroupOffsets sends), which the
 * group coordinator accepts for a group with no active members.
 *
 *   FindCoordinator v1 => key:string key_type:int8
 *     response => throttle_time_ms:int32 error_code:int16 error_message:nullable_string
 *                 node_id:int32 host:string port:int32
 *   OffsetCommit v2 => group_id:string generation_id:int32 member_id:string retention_time_ms:int64
 *                      [name:string [partition_index:int32 committed_offset:int64 metadata:nullable_string]]
 *     response => [name:string [partition_index:int32 error_code:int16]]
 */
import { SluiceError } from '../errors.js'
import { BrokerConnection } from '../kafka/broker-connection.js'
import { ResponseReader, kafkaErrorName } from '../kafka/protocol-codec.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import type { BrokerAddress } from '../kafka/types.js'

const API_OFFSET_COMMIT = 8
const API_FIND_COORDINATOR = 10

/** Errors after which finding the coordinator again and retrying can succeed. */
const COORDINATOR_MOVED = new Set([14, 15, 16])
/** The group has live members: a commit outside the group generation is refused. */
const GROUP_ACTIVE = new Set([22, 25, 27])

export interface GroupOffset {
  topic: string
  partition: number
  offset: number
}

/** Finds the group's coordinator through `via` and commits `offsets` there. */
export async function commitOffsetsOutsideGroup(
  via: BrokerAddress,
  clientId: string,
  timeoutMs: number,
  groupId: string,
  offsets: GroupOffset[],
  security: KafkaSecuritySpec | null = null,
): Promise<void> {
  if (offsets.length === 0) return
  const coordinator = await findCoordinator(via, clientId, timeoutMs, groupId, security)
  const conn = new BrokerConnection(coordinator, clientId, timeoutMs, security)
  try {
    await conn.connect().catch((err) => {
      throw commitError(groupId, `cannot reach its coordinator: ${(err as Error).message}`, true, err)
    })
    const byTopic = new Map<string, GroupOffset[]>()
    for (const o of offsets) {
      const list = byTopic.get(o.topic)
      if (list) list.push(o)
      else byTopic.set(o.topic, [o])
    }
    const body = await conn
      .request(API_OFFSET_COMMIT, 2, (w) => {
        w.string(groupId).int32(-1).string('').int64(-1)
        w.int32(byTopic.size)
        for (const [topic, list] of byTopic) {
          w.string(topic).int32(list.length)
          for (const o of list) w.int32(o.partition).int64(o.offset).string(null)
        }
      })
      .catch((err) => {
        throw commitError(groupId, (err as Error).message, true, err)
      })
    const r = new ResponseReader(body)
    const topics = r.int32()
    for (let t = 0; t < topics; t++) {
      const topic = r.string()
      const parts = r.int32()
      for (let i = 0; i < parts; i++) {
        const partition = r.int32()
        const code = r.int16()
        if (code === 0) continue
        const name = kafkaErrorName(code)
        if (GROUP_ACTIVE.has(code)) {
          throw commitError(
            groupId,
            `the group has active members (${name}), so a commit from outside it is refused; ` +
              'set kafka.group.id to a group that only sluice uses',
            false,
          )
        }
        throw commitError(
          groupId,
          `the coordinator refused ${topic}-${partition} with ${name}`,
          COORDINATOR_MOVED.has(code) || code === 7 || code === 13,
        )
      }
    }
  } finally {
    await conn.close()
  }
}

async function findCoordinator(
  via: BrokerAddress,
  clientId: string,
  timeoutMs: number,
  groupId: string,
  security: KafkaSecuritySpec | null,
): Promise<BrokerAddress> {
  const conn = new BrokerConnection(via, clientId, timeoutMs, security)
  try {
    await conn.connect()
    const body = await conn.request(API_FIND_COORDINATOR, 1, (w) => w.string(groupId).int8(0))
    const r = new ResponseReader(body)
    r.int32() // throttle_time_ms
    const code = r.int16()
    const message = r.string()
    const nodeId = r.int32()
    const host = r.string() ?? ''
    const port = r.int32()
    if (code !== 0) {
      throw commitError(
        groupId,
        `FindCoordinator failed with ${kafkaErrorName(code)}${message ? ` (${message})` : ''}`,
        true,
      )
    }
    return { nodeId, host, port }
  } catch (err) {
    if (err instanceof SluiceError && err.code === 'SLUICE_KAFKA_COMMIT') throw err
    throw commitError(groupId, `cannot find its coordinator: ${(err as Error).message}`, true, err)
  } finally {
    await conn.close()
  }
}

function commitError(groupId: string, why: string, retriable: boolean, cause?: unknown): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_COMMIT',
    `committing offsets to consumer group '${groupId}' failed: ${why}. These commits only feed ` +
      'lag monitoring; the checkpoint holds the real offsets, so the query goes on and the next ' +
      'batch commits again.',
    { retriable, cause, details: { groupId } },
  )
}
