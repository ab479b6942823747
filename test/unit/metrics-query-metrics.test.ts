import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryMetrics } from '../../src/metrics/index.js'

const lag = (partition: number, behind: number, seconds: number | null) => ({
  topic: 't',
  partition,
  latestOffset: 100,
  committedOffset: 100 - behind,
  offsetsBehindLatest: behind,
  lagSeconds: seconds,
})

test('every series carries the query label; counters start at 0 so rate() has a first point', async () => {
  const m = new QueryMetrics('q1', { triggerIntervalMs: 2000, defaultMetrics: false })
  const text = await m.text()
  assert.match(text, /^sluice_batches_total\{outcome="failed",query="q1"\} 0$/m)
  assert.match(text, /^sluice_kafka_lost_offsets_total\{query="q1"\} 0$/m)
  assert.match(text, /^sluice_trigger_interval_seconds\{query="q1"\} 2$/m)
  for (const line of text.split('\n').filter((l) => l.startsWith('sluice_'))) assert.match(line, /query="q1"/, line)
})

test('lag series of a partition that vanished are removed; Spark aggregates follow the partitions', async () => {
  const m = new QueryMetrics('q', { triggerIntervalMs: 0, defaultMetrics: false })
  m.setLag([lag(0, 5, 1.5), lag(1, 9, 3)])
  let text = await m.text()
  assert.match(text, /sluice_kafka_offsets_behind_latest\{topic="t",partition="1",query="q"\} 9/)
  assert.match(text, /sluice_kafka_lag_seconds\{topic="t",partition="1",query="q"\} 3/)
  assert.match(text, /sluice_kafka_offsets_behind_latest_max\{query="q"\} 9/)
  m.setLag([lag(0, 2, null)])
  text = await m.text()
  assert.doesNotMatch(text, /partition="1"/)
  assert.match(text, /sluice_kafka_offsets_behind_latest\{topic="t",partition="0",query="q"\} 2/)
  // Unknown lag seconds keep the last known value rather than inventing one.
  assert.match(text, /sluice_kafka_lag_seconds\{topic="t",partition="0",query="q"\} 1.5/)
  assert.match(text, /sluice_kafka_offsets_behind_latest_avg\{query="q"\} 2/)
})

test('S3 requests are counted by operation and outcome, with latency', async () => {
  const m = new QueryMetrics('q', { triggerIntervalMs: 0, defaultMetrics: false })
  m.recordS3([
    { operation: 'PutObject', ok: true, seconds: 0.01 },
    { operation: 'PutObject', ok: false, seconds: 0.2 },
    { operation: 'UploadPart', ok: true, seconds: 0.05 },
  ])
  const text = await m.text()
  assert.match(text, /sluice_s3_requests_total\{operation="PutObject",outcome="ok",query="q"\} 1/)
  assert.match(text, /sluice_s3_requests_total\{operation="PutObject",outcome="error",query="q"\} 1/)
  assert.match(text, /sluice_s3_request_duration_seconds_count\{query="q",operation="UploadPart"\} 1/)
})

test('the bytes the writers read from Kafka (inputBytes) reach sluice_input_bytes_total', async () => {
  const m = new QueryMetrics('q', { triggerIntervalMs: 0, defaultMetrics: false })
  const durationMs = { addBatch: 1, commitOffsets: 1, getBatch: 0, latestOffset: 1, queryPlanning: 0, triggerExecution: 3, walCommit: 1 }
  const progress = {
    batchId: 0,
    numInputRows: 10,
    inputRowsPerSecond: 1,
    processedRowsPerSecond: 1,
    durationMs,
    sources: [],
    sluice: { filesWritten: 1, bytesWritten: 500, inputBytes: 1234, corruptRows: 0, lostOffsets: 0, filesPerDirectory: {}, offsetsBehindLatest: {}, rerun: false },
  }
  m.onProgress(progress as unknown as Parameters<QueryMetrics['onProgress']>[0])
  m.onProgress(progress as unknown as Parameters<QueryMetrics['onProgress']>[0])
  assert.match(await m.text(), /^sluice_input_bytes_total\{query="q"\} 2468$/m)
})

test('records written to badRecordsPath reach sluice_bad_records_total (0 before any)', async () => {
  const m = new QueryMetrics('q', { triggerIntervalMs: 0, defaultMetrics: false })
  assert.match(await m.text(), /^sluice_bad_records_total\{query="q"\} 0$/m)
  const durationMs = { addBatch: 1, commitOffsets: 1, getBatch: 0, latestOffset: 1, queryPlanning: 0, triggerExecution: 3, walCommit: 1 }
  const progress = {
    batchId: 0,
    numInputRows: 10,
    inputRowsPerSecond: 1,
    processedRowsPerSecond: 1,
    durationMs,
    sources: [],
    sluice: { filesWritten: 1, bytesWritten: 500, inputBytes: 1, corruptRows: 3, badRecords: 3, lostOffsets: 0, filesPerDirectory: {}, offsetsBehindLatest: {}, rerun: false },
  }
  m.onProgress(progress as unknown as Parameters<QueryMetrics['onProgress']>[0])
  m.onProgress(progress as unknown as Parameters<QueryMetrics['onProgress']>[0])
  assert.match(await m.text(), /^sluice_bad_records_total\{query="q"\} 6$/m)
})
