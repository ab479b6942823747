/**
 * Spark's StreamingQueryProgress, field for field and in Spark's order (spark-compat.md §6), plus
 * a `sluice` section with what Spark does not report (files, bytes, corrupt rows, per-partition
 * figures). Built once per batch on the coordinator; never per record.
 */
import { serializeKafkaOffsets } from '../checkpoint/index.js'
import { javaDoubleToString } from '../sql/java-number.js'
import { toKafkaOffsets, type OffsetMap } from '../planner/index.js'

export interface DurationMs {
  addBatch: number
  commitOffsets: number
  getBatch: number
  latestOffset: number
  queryPlanning: number
  triggerExecution: number
  walCommit: number
}

export interface SourceProgress {
  description: string
  startOffset: Record<string, Record<string, number>> | null
  endOffset: Record<string, Record<string, number>>
  latestOffset: Record<string, Record<string, number>> | null
  numInputRows: number
  inputRowsPerSecond: number
  processedRowsPerSecond: number
  metrics: { avgOffsetsBehindLatest: string; maxOffsetsBehindLatest: string; minOffsetsBehindLatest: string }
}

export interface SluiceBatchFigures {
  filesWritten: number
  bytesWritten: number
  /** Bytes of Kafka record batches the writers read for this batch (fetched, before decoding). */
  inputBytes: number
  corruptRows: number
  /** Records written to sink.badRecordsPath (0 or absent without it). */
  badRecords?: number
  lostOffsets: number
  /** Files per partition directory written by this batch. */
  filesPerDirectory: Record<string, number>
  /** Offsets behind latest after this batch, per `topic:partition`. */
  offsetsBehindLatest: Record<string, number>
  rerun: boolean
}

export interface StreamingQueryProgress {
  id: string
  runId: string
  name: string
  timestamp: string
  batchId: number
  /**
   * Spark's StreamingQueryProgress.batchDuration: the trigger's processing time in ms (the span of
   * durationMs.triggerExecution). Spark 3.5.3's progress JSON does not print it (seen with Spark
   * itself), so progressJson leaves it out too; it is in the object, the log and the events.
   */
  batchDuration: number
  numInputRows: number
  inputRowsPerSecond: number
  processedRowsPerSecond: number
  durationMs: DurationMs
  stateOperators: never[]
  sources: SourceProgress[]
  sink: { description: string; numOutputRows: number }
  sluice: SluiceBatchFigures
}

export interface ProgressInput {
  id: string
  runId: string
  name: string
  batchId: number
  triggerStartMs: number
  previousTriggerStartMs: number | null
  numInputRows: number
  durationMs: DurationMs
  sourceDescription: string
  sinkPath: string
  start: OffsetMap | null
  end: OffsetMap
  latest: OffsetMap | null
  figures: Omit<SluiceBatchFigures, 'offsetsBehindLatest'>
}

export function sparkTimestamp(ms: number): string {
  return new Date(ms).toISOString()
}

export function buildProgress(p: ProgressInput): StreamingQueryProgress {
  const elapsed = p.previousTriggerStartMs === null ? 0 : p.triggerStartMs - p.previousTriggerStartMs
  const inputRowsPerSecond = elapsed > 0 ? (p.numInputRows * 1000) / elapsed : 0
  const processedRowsPerSecond = (p.numInputRows * 1000) / Math.max(1, p.durationMs.triggerExecution)
  const behind: Record<string, number> = {}
  let sum = 0
  let max = Number.NEGATIVE_INFINITY
  let min = Number.POSITIVE_INFINITY
  if (p.latest !== null) {
    for (const [k, latest] of p.latest) {
      const end = p.end.get(k)
      if (end === undefined) continue
      const b = Math.max(0, latest - end)
      behind[k] = b
      sum += b
      if (b > max) max = b
      if (b < min) min = b
    }
  }
  const n = Object.keys(behind).length
  const metric = (v: number): string => (n === 0 ? '0' : String(v))
  return {
    id: p.id,
    runId: p.runId,
    name: p.name,
    timestamp: sparkTimestamp(p.triggerStartMs),
    batchId: p.batchId,
    batchDuration: p.durationMs.triggerExecution,
    numInputRows: p.numInputRows,
    inputRowsPerSecond,
    processedRowsPerSecond,
    durationMs: p.durationMs,
    stateOperators: [],
    sources: [
      {
        description: p.sourceDescription,
        startOffset: p.start === null ? null : toKafkaOffsets(p.start),
        endOffset: toKafkaOffsets(p.end),
        latestOffset: p.latest === null ? null : toKafkaOffsets(p.latest),
        numInputRows: p.numInputRows,
        inputRowsPerSecond,
        processedRowsPerSecond,
        metrics: {
          avgOffsetsBehindLatest: n === 0 ? '0.0' : javaDouble(sum / n),
          maxOffsetsBehindLatest: metric(max),
          minOffsetsBehindLatest: metric(min),
        },
      },
    ],
    sink: { description: `FileSink[${p.sinkPath}]`, numOutputRows: -1 },
    sluice: { ...p.figures, offsetsBehindLatest: behind },
  }
}

/** Spark prints avgOffsetsBehindLatest with Double.toString: always a fraction. */
function javaDouble(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v)
}

/**
 * The progress as Spark's StreamingQueryProgress.json prints it (json4s + Jackson): fields in
 * Spark 3.5's order (no batchDuration: Spark 3.5.3 does not print it), doubles as Java's Double.toString (`0.0`, `1000.0`, `1.0E7`; NaN and
 * infinities left out), maps with sorted keys, empty maps (`eventTime`, `observedMetrics`, the
 * sink's `metrics`) left out. The `sluice` section comes last; Spark's parsers ignore it.
 */
export function progressJson(p: StreamingQueryProgress): string {
  const dbl = (k: string, v: number): string => (Number.isFinite(v) ? `,${JSON.stringify(k)}:${javaDoubleToString(v)}` : '')
  const offsets = (o: Record<string, Record<string, number>> | null): string => (o === null ? 'null' : serializeKafkaOffsets(o))
  const sorted = (m: Record<string, unknown>, value: (v: unknown) => string): string =>
    '{' + Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${value(m[k])}`).join(',') + '}'
  const sources = p.sources.map(
    (s) =>
      `{"description":${JSON.stringify(s.description)},"startOffset":${offsets(s.startOffset)},"endOffset":${offsets(s.endOffset)},` +
      `"latestOffset":${offsets(s.latestOffset)},"numInputRows":${s.numInputRows}${dbl('inputRowsPerSecond', s.inputRowsPerSecond)}` +
      `${dbl('processedRowsPerSecond', s.processedRowsPerSecond)},"metrics":${sorted(s.metrics, (v) => JSON.stringify(v))}}`,
  )
  return (
    `{"id":${JSON.stringify(p.id)},"runId":${JSON.stringify(p.runId)},"name":${JSON.stringify(p.name)},` +
    `"timestamp":${JSON.stringify(p.timestamp)},"batchId":${p.batchId},` +
    `"numInputRows":${p.numInputRows}${dbl('inputRowsPerSecond', p.inputRowsPerSecond)}${dbl('processedRowsPerSecond', p.processedRowsPerSecond)},` +
    `"durationMs":${sorted(p.durationMs as unknown as Record<string, unknown>, (v) => String(v))},"stateOperators":[],` +
    `"sources":[${sources.join(',')}],"sink":{"description":${JSON.stringify(p.sink.description)},"numOutputRows":${p.sink.numOutputRows}},` +
    `"sluice":${JSON.stringify(p.sluice)}}`
  )
}
