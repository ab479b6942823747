/**
 * Text formats of the checkpoint's offsets, commits and Kafka initial-offset files, as Spark 3.5
 * writes them (OffsetSeqLog, CommitLog, KafkaMicroBatchStream's initial offsets log).
 *
 *   offsets/N    := 'v1' '\n' metadata-json ( '\n' source )*        -- no trailing newline
 *   source       := kafka-offsets-json | '-' (no offset yet) | other source's JSON
 *   metadata     := {"batchWatermarkMs":W,"batchTimestampMs":T,"conf":{...}}
 *   commits/N    := 'v1' '\n' {"nextBatchWatermarkMs":W}
 *   sources/0/0  := 0x00 ( 'v1' '\n' kafka-offsets-json | kafka-offsets-json [ '\n' ] )
 *
 * Readers accept any key order, unknown keys, and a trailing newline.
 */

import { SluiceError } from '../errors.js'
import { parseJsonLine, splitLogLines, validateVersion } from './log-version.js'

/** topic → partition → the NEXT offset to read (last consumed + 1). */
export type KafkaOffsets = Record<string, Record<string, number>>

export interface OffsetSeqMetadata {
  batchWatermarkMs: number
  batchTimestampMs: number
  conf: Record<string, string>
}

export interface OffsetsEntry {
  metadata: OffsetSeqMetadata
  /** One per source, in query order; sluice has one Kafka source. null: `-` or a non-Kafka source. */
  sources: (KafkaOffsets | null)[]
  /**
   * The source lines as read (set by parseOffsets). A source that is not Kafka (the `2` of a
   * memory source in Spark's own fixtures) is null in `sources` and kept here verbatim, so that
   * serializeOffsets writes it back unchanged.
   */
  rawSources?: string[]
}

/**
 * The `conf` map a new Spark 3.5 query writes into offsets/N, in the order Spark 3.5 writes it
 * (seen in offsets files written by Spark 3.3-3.5 with default settings). Spark restores these on
 * restart; with all of them present it logs no "was not found in the offset log" warnings.
 */
export function defaultOffsetConf(): Record<string, string> {
  return {
    'spark.sql.streaming.stateStore.providerClass':
      'org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider',
    'spark.sql.streaming.join.stateFormatVersion': '2',
    'spark.sql.streaming.stateStore.compression.codec': 'lz4',
    'spark.sql.streaming.stateStore.rocksdb.formatVersion': '5',
    'spark.sql.streaming.statefulOperator.useStrictDistribution': 'true',
    'spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion': '2',
    'spark.sql.streaming.multipleWatermarkPolicy': 'min',
    'spark.sql.streaming.aggregation.stateFormatVersion': '2',
    'spark.sql.shuffle.partitions': '200',
  }
}

/**
 * The `conf` map of offsets/N for a job: Spark writes its session's values of these keys, so the
 * job's own `conf` values win over the defaults (keys other than these are not written, as in
 * Spark; `spark.sql.session.timeZone` is added for sluice, Spark ignores unknown keys).
 */
export function jobOffsetConf(jobConf: Record<string, string>, timeZone: string): Record<string, string> {
  const out = defaultOffsetConf()
  for (const k of Object.keys(out)) if (jobConf[k] !== undefined) out[k] = jobConf[k]
  out['spark.sql.session.timeZone'] = timeZone
  return out
}

/**
 * What Spark assumes for keys missing from an old offsets file (OffsetSeqMetadata
 * .relevantSQLConfDefaultValues): the legacy values, so that an old query keeps behaving as it
 * did. parseOffsets fills these in; keys without a legacy default are left out, as in Spark.
 */
export function legacyOffsetConfDefaults(): Record<string, string> {
  return {
    'spark.sql.streaming.multipleWatermarkPolicy': 'min',
    'spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion': '1',
    'spark.sql.streaming.aggregation.stateFormatVersion': '1',
    'spark.sql.streaming.join.stateFormatVersion': '1',
    'spark.sql.streaming.stateStore.compression.codec': 'lz4',
    'spark.sql.streaming.statefulOperator.useStrictDistribution': 'false',
  }
}

/** Spark's JsonUtils form: `{"t":{"0":12,"1":7}}`, topics by name, partitions by number, no spaces. */
export function serializeKafkaOffsets(o: KafkaOffsets): string {
  const topics = Object.keys(o).sort()
  let out = '{'
  for (let t = 0; t < topics.length; t++) {
    const topic = topics[t]!
    const parts = o[topic]!
    const ids = Object.keys(parts).sort((a, b) => Number(a) - Number(b))
    if (t > 0) out += ','
    out += `${JSON.stringify(topic)}:{`
    for (let p = 0; p < ids.length; p++) {
      if (p > 0) out += ','
      out += `"${ids[p]}":${parts[ids[p]!]}`
    }
    out += '}'
  }
  return `${out}}`
}

/** A parsed JSON value as Kafka offsets, or null when it has another shape (another source kind). */
export function asKafkaOffsets(value: unknown): KafkaOffsets | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const out: KafkaOffsets = {}
  for (const [topic, parts] of Object.entries(value)) {
    if (typeof parts !== 'object' || parts === null || Array.isArray(parts)) return null
    const po: Record<string, number> = {}
    for (const [p, off] of Object.entries(parts as Record<string, unknown>)) {
      if (!/^\d+$/.test(p) || typeof off !== 'number' || !Number.isSafeInteger(off)) return null
      po[p] = off
    }
    out[topic] = po
  }
  return out
}

/** Parses Kafka offsets JSON (`{"t":{"0":1}}`), failing with SLUICE_CHECKPOINT_CORRUPT otherwise. */
export function parseKafkaOffsets(text: string, where: string): KafkaOffsets {
  const parsed = asKafkaOffsets(parseJsonLine(text.trim(), where, 1, 'SLUICE_CHECKPOINT'))
  if (parsed === null) {
    throw new SluiceError(
      'SLUICE_CHECKPOINT_CORRUPT',
      `${where} does not hold Kafka offsets of the form {"topic":{"0":123}}: the checkpoint was ` +
        'written for another source, or edited by hand. Point checkpointLocation at the ' +
        "checkpoint of this Kafka query, or at an empty directory to start over from startingOffsets.",
      { details: { where, text: text.slice(0, 200) } },
    )
  }
  return parsed
}

export function serializeOffsets(e: OffsetsEntry): string {
  const md = e.metadata
  let out =
    'v1\n' +
    JSON.stringify({
      batchWatermarkMs: md.batchWatermarkMs,
      batchTimestampMs: md.batchTimestampMs,
      conf: md.conf,
    })
  for (let i = 0; i < e.sources.length; i++) {
    const s = e.sources[i]
    out += '\n'
    if (s) out += serializeKafkaOffsets(s)
    else out += e.rawSources?.[i] ?? '-'
  }
  return out
}

function numberField(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key]
  if (v === undefined) return 0
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new SluiceError(
      'SLUICE_CHECKPOINT_CORRUPT',
      `${where}: "${key}" in the metadata line is ${JSON.stringify(v)}, not a number: the file was ` +
        'edited by hand or written by another tool. Restore it from a backup.',
      { details: { where, key } },
    )
  }
  return v
}

/** Reads offsets/N. Spark 2.1 files lack `conf`: missing keys get Spark's legacy defaults. */
export function parseOffsets(text: string, where: string): OffsetsEntry {
  const lines = splitLogLines(text)
  validateVersion(lines[0], where, 'SLUICE_CHECKPOINT')
  const mdLine = (lines[1] ?? '').trim()
  const metadata: OffsetSeqMetadata = {
    batchWatermarkMs: 0,
    batchTimestampMs: 0,
    conf: legacyOffsetConfDefaults(),
  }
  if (mdLine !== '') {
    const md = parseJsonLine(mdLine, where, 2, 'SLUICE_CHECKPOINT')
    if (typeof md !== 'object' || md === null || Array.isArray(md)) {
      throw new SluiceError(
        'SLUICE_CHECKPOINT_CORRUPT',
        `${where} line 2 is not the batch metadata object {"batchWatermarkMs":…}: the file is not ` +
          'a Spark offsets log entry. Restore it from a backup.',
        { details: { where } },
      )
    }
    const obj = md as Record<string, unknown>
    metadata.batchWatermarkMs = numberField(obj, 'batchWatermarkMs', where)
    metadata.batchTimestampMs = numberField(obj, 'batchTimestampMs', where)
    const conf = obj['conf']
    if (typeof conf === 'object' && conf !== null && !Array.isArray(conf)) {
      // Recorded values win; legacy defaults only fill what the file lacks, as Spark does.
      const merged: Record<string, string> = {}
      for (const [k, v] of Object.entries(conf)) merged[k] = String(v)
      for (const [k, v] of Object.entries(metadata.conf)) if (!(k in merged)) merged[k] = v
      metadata.conf = merged
    }
  }
  const sources: (KafkaOffsets | null)[] = []
  const rawSources: string[] = []
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!.trim()
    rawSources.push(line)
    if (line === '-' || line === '') {
      sources.push(null)
      continue
    }
    sources.push(asKafkaOffsets(parseJsonLine(line, where, i + 1, 'SLUICE_CHECKPOINT')))
  }
  return { metadata, sources, rawSources }
}

export function serializeCommit(nextBatchWatermarkMs = 0): string {
  return `v1\n${JSON.stringify({ nextBatchWatermarkMs })}`
}

/** Reads commits/N; returns nextBatchWatermarkMs (0 when the JSON line is missing, as in Spark). */
export function parseCommit(text: string, where: string): { nextBatchWatermarkMs: number } {
  const lines = splitLogLines(text)
  validateVersion(lines[0], where, 'SLUICE_CHECKPOINT')
  const line = (lines[1] ?? '').trim()
  if (line === '') return { nextBatchWatermarkMs: 0 }
  const obj = parseJsonLine(line, where, 2, 'SLUICE_CHECKPOINT')
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new SluiceError(
      'SLUICE_CHECKPOINT_CORRUPT',
      `${where} line 2 is not the commit object {"nextBatchWatermarkMs":…}: restore the file from ` +
        'a backup, or delete it to make sluice re-check the batch against _spark_metadata.',
      { details: { where } },
    )
  }
  return { nextBatchWatermarkMs: numberField(obj as Record<string, unknown>, 'nextBatchWatermarkMs', where) }
}

/** sources/0/0: one zero byte (Spark 2.1 compatibility, SPARK-19517), `v1\n`, the offsets JSON. */
export function serializeInitialOffsets(o: KafkaOffsets): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(`v1\n${serializeKafkaOffsets(o)}`, 'utf8')])
}

/** Reads sources/0/0: skips the first byte, then accepts a `v1` line or raw JSON (Spark 2.1). */
export function parseInitialOffsets(bytes: Uint8Array, where: string): KafkaOffsets {
  const content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .subarray(1)
    .toString('utf8')
  if (content.length === 0) {
    throw new SluiceError(
      'SLUICE_CHECKPOINT_CORRUPT',
      `${where} is empty: the initial offsets were not written completely. Delete ${where} so ` +
        'that sluice resolves startingOffsets again (only safe if no batch was committed yet).',
      { details: { where } },
    )
  }
  if (content[0] === 'v') {
    const nl = content.indexOf('\n')
    validateVersion(nl > 0 ? content.slice(0, nl) : content, where, 'SLUICE_CHECKPOINT')
    if (nl < 0) return parseKafkaOffsets('', where)
    return parseKafkaOffsets(content.slice(nl + 1), where)
  }
  return parseKafkaOffsets(content, where)
}
