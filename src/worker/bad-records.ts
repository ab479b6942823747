/**
 * `sink.badRecordsPath` (the name Databricks users know): records whose value from_json cannot
 * parse are written, with their Kafka coordinates and the reason, as JSON lines under that path,
 * in the same batch and exactly once (docs/architecture.md, "Bad records"). With the option set
 * they are left out of the output whatever `mode` says (FAILFAST included: the batch goes on), as
 * Databricks does: a bad record goes to badRecordsPath instead of failing the load or landing as
 * nulls.
 *
 * Path: the read task encodes each bad record as one line (`badRecordLine`) into the block of its
 * coalesce writer under the pseudo-directory BAD_RECORDS_DIR (a raw NUL never occurs in a real
 * directory: Hive escaping writes it as %00), so bad records use the same blocks, transfer and
 * flow control as rows; the merge writer appends them to its one bad-records file of the batch.
 *
 * The file of writer W in batch N is `<badRecordsPath>/batchId=N/part-<W>-<queryId>.json`: the
 * name does not depend on the attempt, so a re-run of the batch (same offsets, same writers)
 * rewrites the same file with the same records. Its key is in the writer's last intent file,
 * written before it completes, so a re-run first deletes what an earlier attempt left
 * (attempt-cleanup.ts removeAttempts), as for data files; the sweep after the commit leaves it
 * (it is the winner's name too).
 *
 * Worker-safe: imports sql and errors only.
 */
import { isSluiceError } from '../errors.js'
import { parseSchema } from '../sql/index.js'
import { JsonDataParser } from '../sql/from-json.js'
import { getZone } from '../sql/time-zone.js'
import type { KafkaRecord } from '../sql/index.js'
import type { TaskProjection } from './types.js'

/** The pseudo-directory of bad-record blocks (never a real partition directory). */
export const BAD_RECORDS_DIR = '\u0000bad-records'

/** The bad-records file of writer `writer` of batch `batchId`, relative to badRecordsPath. */
export function badRecordsKey(batchId: number, writer: number, queryId: string): string {
  return `batchId=${batchId}/part-${String(writer).padStart(5, '0')}-${queryId}.json`
}

/** Text of a key or value (Spark's CAST(... AS STRING): invalid UTF-8 becomes U+FFFD); null when absent. */
function text(rec: KafkaRecord, start: number, end: number): string | null {
  return start < 0 ? null : rec.buf.toString('utf8', start, end)
}

/**
 * Encodes bad records of one projection. The reason comes from parsing the value again with a
 * FAILFAST parser (only for records already found corrupt: nothing is added to the hot path).
 */
export class BadRecordEncoder {
  readonly #parser: JsonDataParser

  constructor(p: TaskProjection) {
    this.#parser = new JsonDataParser(parseSchema(p.schema), p.columnNameOfCorruptRecord, true, getZone(p.timeZone), p.jsonOptions)
  }

  /** Why from_json found the record malformed. */
  reason(rec: KafkaRecord): string {
    try {
      this.#parser.parse(rec)
    } catch (err) {
      if (isSluiceError(err, 'SLUICE_RECORD_MALFORMED') && typeof err.details.reason === 'string') return err.details.reason
      return err instanceof Error ? err.message : String(err)
    }
    return 'malformed'
  }

  /**
   * {"topic","partition","offset","timestamp" (ISO-8601 UTC),"timestampType","key","record" (the
   * value as text),"reason"}: Databricks' `record` and `reason`, with the Kafka coordinates in
   * place of its `path`.
   */
  line(rec: KafkaRecord): string {
    return JSON.stringify({
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
      timestamp: Math.abs(rec.timestamp) <= 8.64e15 ? new Date(rec.timestamp).toISOString() : null,
      timestampType: rec.timestampType,
      key: text(rec, rec.keyStart, rec.keyEnd),
      record: text(rec, rec.valueStart, rec.valueEnd),
      reason: this.reason(rec),
    })
  }
}
