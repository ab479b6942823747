/**
 * planEndOffsets: one trigger's offset decision, with Spark 3.5's semantics
 * (KafkaMicroBatchStream.latestOffset + KafkaOffsetReaderAdmin.getOffsetRangesFromResolvedOffsets):
 *
 * 1. Data loss. A start offset below the partition's earliest (aged out by retention), a partition
 *    that vanished, latest < start (offsets went backwards), or a newly discovered partition that
 *    does not start at 0 (or whose earliest offset is unknown). failOnDataLoss → SLUICE_KAFKA_DATA_LOSS;
 *    otherwise reading continues from the earliest available offset and the events are returned for
 *    the "Skip missing records" log line. (Spark continues from latest after offsets went backwards;
 *    sluice reads the re-created partition from earliest, which loses nothing it can still read.)
 * 2. New partitions (in latest, not in start) start at their earliest offset.
 * 3. minOffsetsPerTrigger: skip while the total backlog < min and less than maxTriggerDelay has
 *    passed since the last batch. (Spark counts a new partition's backlog from 0; sluice from its
 *    earliest offset, the records that can actually be read.)
 * 4. maxOffsetsPerTrigger: Spark's rateLimit proration (rate-limit.ts); else end = latest.
 */
import { SluiceError } from '../errors.js'
import { rateLimit } from './rate-limit.js'
import { compareKeys, sortedKeys, splitKey } from './topic-partition.js'
import type { DataLossEvent, OffsetMap, PlanEndOffsetsInput, PlanEndOffsetsResult } from './types.js'

export const DATA_LOSS_CODE = 'SLUICE_KAFKA_DATA_LOSS'

/** `topic:3` → `topic-3`, the way Kafka and Spark name a partition in messages. */
function show(key: string): string {
  const i = key.lastIndexOf(':')
  return `${key.slice(0, i)}-${key.slice(i + 1)}`
}

function event(e: Omit<DataLossEvent, 'topic' | 'partition'>, key: string): DataLossEvent {
  const { topic, partition } = splitKey(key)
  return { topic, partition, ...e }
}

export function planEndOffsets(p: PlanEndOffsetsInput): PlanEndOffsetsResult {
  const dataLoss: DataLossEvent[] = []
  const start: OffsetMap = new Map()
  for (const key of sortedKeys(p.start)) {
    const s = p.start.get(key)!
    const latest = p.latest.get(key)
    const earliest = p.earliest.get(key)
    if (latest === undefined) {
      dataLoss.push(
        event({ kind: 'partitionGone', startOffset: s, message: `Partition ${show(key)} is gone (not in the topic metadata any more); records from offset ${s} on may have been missed` }, key),
      )
      continue
    }
    if (latest < s) {
      const from = earliest ?? 0
      dataLoss.push(
        event(
          { kind: 'offsetsReset', startOffset: s, earliestOffset: earliest, latestOffset: latest, continueFrom: from, message: `Partition ${show(key)}'s offset was changed from ${s} to ${latest}, some data may have been missed` },
          key,
        ),
      )
      start.set(key, from)
      continue
    }
    if (earliest !== undefined && s < earliest) {
      dataLoss.push(
        event(
          { kind: 'agedOut', startOffset: s, earliestOffset: earliest, latestOffset: latest, continueFrom: earliest, lostOffsets: earliest - s, message: `Partition ${show(key)}: offsets ${s} to ${earliest - 1} (${earliest - s} records) are not available in Kafka any more (retention), some data may have been lost` },
          key,
        ),
      )
      start.set(key, earliest)
      continue
    }
    start.set(key, s)
  }
  const added = [...p.latest.keys()].filter((k) => !p.start.has(k)).sort(compareKeys)
  for (const key of added) {
    const earliest = p.earliest.get(key)
    if (earliest === undefined) {
      dataLoss.push(event({ kind: 'earliestUnknown', latestOffset: p.latest.get(key), message: `Cannot find the earliest offset of new partition ${show(key)}; it is left out of this batch, some data may have been missed` }, key))
      continue
    }
    if (earliest !== 0) {
      dataLoss.push(
        event(
          { kind: 'newPartitionNotFromZero', earliestOffset: earliest, latestOffset: p.latest.get(key), continueFrom: earliest, lostOffsets: earliest, message: `Added partition ${show(key)} starts from ${earliest} instead of 0, some data may have been missed` },
          key,
        ),
      )
    }
    start.set(key, earliest)
  }
  if (dataLoss.length > 0 && p.failOnDataLoss) throw dataLossError(dataLoss)

  const latest: OffsetMap = new Map()
  let backlog = 0
  for (const [key, s] of start) {
    const l = p.latest.get(key)!
    latest.set(key, l)
    backlog += l - s
  }
  let end: OffsetMap
  let skip = false
  if (p.minOffsetsPerTrigger !== undefined && p.msSinceLastBatch < p.maxTriggerDelayMs && backlog < p.minOffsetsPerTrigger) {
    skip = true
    end = new Map(start)
  } else if (p.maxOffsetsPerTrigger !== undefined) {
    end = rateLimit(p.maxOffsetsPerTrigger, start, latest)
  } else {
    end = latest
  }
  let offsets = 0
  for (const [key, e] of end) offsets += e - start.get(key)!
  return { start, end, skip, offsets, dataLoss }
}

function dataLossError(events: DataLossEvent[]): SluiceError {
  const lines = events.map((e) => `  - ${e.message}`).join('\n')
  return new SluiceError(
    DATA_LOSS_CODE,
    `Kafka data loss detected in ${events.length} partition(s) while planning the next batch:\n${lines}\n` +
      'The records cannot be read any more (retention deleted them, or the topic/partition was deleted or re-created). ' +
      'If losing them is acceptable, set source.failOnDataLoss: false and restart: sluice then logs "Skip missing records" and continues from the earliest available offset. ' +
      'Otherwise restore the data in Kafka, or raise the topic retention (retention.ms / retention.bytes) so that the query keeps up.',
    { retriable: false, details: { events } },
  )
}
