/**
 * The typed API (`import { loadJob, startQuery } from 'sluice'`): an availableNow query run in
 * this process, with Spark's listener model: started / progress / terminated events and a
 * StreamingQueryProgress whose fields, keys and value types are Spark's (spark-compat.md §6).
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { pino } from 'pino'
import { isSluiceError, type JobConfig, loadJob, startQuery, StreamingQuery, type StreamingQueryProgress } from '../../src/index.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY } from '../helpers/s3rver.js'
import { loadgen, s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'query-api'
const SPARK_FIELDS = [
  'id',
  'runId',
  'name',
  'timestamp',
  'batchId',
  // In Spark's StreamingQueryProgress class (constructor order), not printed by Spark 3.5.3's
  // json (progressJson leaves it out; test/spark/handover.test.ts compares with Spark).
  'batchDuration',
  'numInputRows',
  'inputRowsPerSecond',
  'processedRowsPerSecond',
  'durationMs',
  'stateOperators',
  'sources',
  'sink',
]
const DURATION_KEYS = ['addBatch', 'commitOffsets', 'getBatch', 'latestOffset', 'queryPlanning', 'triggerExecution', 'walCommit']

let stack: Stack
let dir: string

before(async () => {
  stack = await startStack({ buckets: [BUCKET] })
  dir = await tempDir('sluice-q-api-')
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** In-process: no ${VAR} environment, literal endpoints and credentials. */
async function apiJob(name: string, prefix: string, topic: string, maxOffsetsPerTrigger: number, bucket = BUCKET): Promise<JobConfig> {
  const job = s3Job({ name, bucket, prefix, topic, source: { maxOffsetsPerTrigger }, sink: { trigger: 'availableNow' } })
  Object.assign(job.source as object, { 'kafka.bootstrap.servers': stack.kafka.bootstrap })
  job.s3 = { endpoint: stack.s3.endpoint, forcePathStyle: true, region: 'us-east-1', accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY }
  return loadJob(await writeJob(dir, name, job))
}

test('startQuery runs availableNow in-process with Spark-shaped progress events', { timeout: 120_000 }, async () => {
  await loadgen(stack, 'api', 2, 1500)
  const config = await apiJob('api-query', 'api', 'api', 500)
  assert.equal(config.sink.trigger.kind, 'availableNow')

  const query = await startQuery(config, { logger: pino({ level: 'silent' }) })
  const started: { id: string; runId: string; name: string; timestamp: string }[] = []
  const progress: StreamingQueryProgress[] = []
  const terminated: { exception: string | null; errorClassOnException: string | null }[] = []
  const order: string[] = []
  // Listeners attached as soon as startQuery returns: the earliest a caller of startQuery can.
  query.on('started', (e) => {
    started.push(e)
    order.push('started')
  })
  query.on('progress', (p) => {
    progress.push(p)
    order.push('progress')
  })
  query.on('terminated', (e) => {
    terminated.push(e)
    order.push('terminated')
  })
  await query.awaitTermination()

  assert.equal(terminated.length, 1, 'terminated fires once')
  assert.equal(terminated[0]!.exception, null)
  assert.equal(terminated[0]!.errorClassOnException, null)
  assert.equal(order.at(-1), 'terminated', 'terminated is the last event')
  assert.ok(progress.length >= 3, `${progress.length} batches for 1500 records at 500 per trigger`)
  assert.equal(query.recentProgress.length, progress.length, 'recentProgress holds every batch')
  assert.deepEqual(query.lastProgress, progress.at(-1))
  assert.equal(progress.reduce((n, p) => n + p.numInputRows, 0), 1500)

  for (const p of progress) {
    assert.deepEqual(Object.keys(p), [...SPARK_FIELDS, 'sluice'], 'field order of Spark, then sluice')
    assert.deepEqual(Object.keys(p.durationMs), DURATION_KEYS)
    for (const k of DURATION_KEYS) assert.equal(typeof p.durationMs[k as keyof typeof p.durationMs], 'number')
    assert.equal(p.id, query.id)
    assert.equal(p.runId, query.runId)
    assert.equal(p.name, 'api-query')
    assert.match(p.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.deepEqual(p.stateOperators, [])
    assert.equal(p.sources.length, 1)
    const s = p.sources[0]!
    assert.equal(s.description, 'KafkaV2[Subscribe[api]]')
    assert.deepEqual(Object.keys(s.metrics).sort(), ['avgOffsetsBehindLatest', 'maxOffsetsBehindLatest', 'minOffsetsBehindLatest'])
    for (const v of Object.values(s.metrics)) assert.equal(typeof v, 'string', 'source metrics are strings, as in Spark')
    assert.equal(s.numInputRows, p.numInputRows)
    assert.deepEqual(Object.keys(s.endOffset), ['api'])
    assert.deepEqual(p.sink, { description: 'FileSink[s3a://query-api/api/out/]', numOutputRows: -1 })
  }
  assert.deepEqual(progress.map((p) => p.batchId), progress.map((_, i) => i))
  assert.equal(progress[0]!.inputRowsPerSecond, 0, 'inputRowsPerSecond is 0 on the first batch')
  // Batches chain: each starts where the previous ended; the last ends at the latest offsets.
  for (let i = 1; i < progress.length; i++) assert.deepEqual(progress[i]!.sources[0]!.startOffset, progress[i - 1]!.sources[0]!.endOffset)
  const last = progress.at(-1)!.sources[0]!
  assert.deepEqual(last.endOffset, last.latestOffset)
  assert.equal(last.metrics.maxOffsetsBehindLatest, '0')

  // Checked last so that the checks above report on their own: a caller of startQuery must be
  // able to see 'started' (Spark's QueryStartedEvent) once, before the first progress.
  assert.equal(started.length, 1, `'started' fired ${started.length} times where startQuery's caller could see it`)
  assert.deepEqual(Object.keys(started[0]!), ['id', 'runId', 'name', 'timestamp'])
  assert.equal(started[0]!.id, query.id)
  assert.equal(order[0], 'started', 'started comes before the first progress')
})

test('StreamingQuery with listeners registered before start(): started, progress…, terminated, each lifecycle event once', { timeout: 60_000 }, async () => {
  await loadgen(stack, 'api-2', 1, 300)
  const query = new StreamingQuery(await apiJob('api-events', 'api-events', 'api-2', 100), { logger: pino({ level: 'silent' }) })
  const order: string[] = []
  query.on('started', () => order.push('started'))
  query.on('progress', () => order.push('progress'))
  query.on('terminated', () => order.push('terminated'))
  await query.start()
  await query.awaitTermination()
  assert.deepEqual(order, ['started', 'progress', 'progress', 'progress', 'terminated'])
  assert.equal(query.recentProgress.length, 3)
})

test('start() rejects with the SluiceError that ended the query, and terminated carries its code', { timeout: 60_000 }, async () => {
  await stack.kafka.createTopic('api-3', 1)
  const query = new StreamingQuery(await apiJob('api-fail', 'x', 'api-3', 100, 'no-such-bucket-api'), { logger: pino({ level: 'silent' }) })
  const terminated: { exception: string | null; errorClassOnException: string | null }[] = []
  query.on('terminated', (e) => terminated.push(e))
  await assert.rejects(query.start(), (err: unknown) => isSluiceError(err) && err.code === 'SLUICE_S3_NO_BUCKET')
  await assert.rejects(query.awaitTermination(), (err: unknown) => isSluiceError(err) && err.code === 'SLUICE_S3_NO_BUCKET')
  assert.equal(terminated.length, 1)
  assert.equal(terminated[0]!.errorClassOnException, 'SLUICE_S3_NO_BUCKET')
  assert.match(terminated[0]!.exception ?? '', /no-such-bucket-api/)
})
