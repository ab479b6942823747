import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { type JobConfig, loadJob } from '../../src/config/index.js'
import { isSluiceError } from '../../src/errors.js'

const SEED = new URL('../../../examples/streaming-test.yaml', import.meta.url).pathname

const expected: JobConfig = {
  name: 'StreamingTest',
  source: {
    bootstrapServers: ['127.0.0.1:9092'],
    subscription: { kind: 'subscribe', topics: ['pySparkTest'] },
    startingOffsets: 'earliest',
    startingTimestamps: undefined,
    maxOffsetsPerTrigger: 2000,
    minOffsetsPerTrigger: undefined,
    maxTriggerDelayMs: 900_000,
    minPartitions: undefined,
    failOnDataLoss: true,
    includeHeaders: false,
    kafka: {
      clientId: 'sluice-StreamingTest',
      groupId: undefined,
      requestTimeoutMs: 30_000,
      maxPartitionFetchBytes: 4 * 1024 * 1024,
      fetchMaxBytes: 50 * 1024 * 1024,
      fetchMaxWaitMs: 500,
      isolationLevel: 'read_uncommitted',
      security: { protocol: 'PLAINTEXT', tls: null, sasl: null },
    },
    metadataRefreshMs: 30_000,
    commitOffsets: true,
  },
  schema: 'message STRING',
  fromJson: {
    allowSingleQuotes: true,
    allowNonNumericNumbers: true,
    allowUnquotedFieldNames: false,
    allowComments: false,
    allowNumericLeadingZeros: false,
    allowBackslashEscapingAnyCharacter: false,
    allowUnquotedControlChars: false,
  },
  select: [
    'json_data.*',
    'timestamp AS kafka_timestamp',
    "date_format(timestamp, 'yyyy-MM-dd') AS dt",
    "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth",
  ],
  sink: {
    format: 'json',
    path: { scheme: 's3a', bucket: 'sensor-test', prefix: 'StreamingTest/', original: 's3a://sensor-test/StreamingTest/' },
    checkpointLocation: {
      scheme: 's3a',
      bucket: 'sensor-test',
      prefix: 'StreamingTest_checkpoint/',
      original: 's3a://sensor-test/StreamingTest_checkpoint/',
    },
    partitionBy: ['dt', 'dth'],
    coalesce: 3,
    trigger: { kind: 'processingTime', intervalMs: 2000 },
    outputMode: 'append',
    compression: 'none',
    parquet: null,
    timestampFormat: undefined,
    dateFormat: undefined,
    ignoreNullFields: true,
    lineSep: '\n',
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: '_corrupt_record',
    badRecordsPath: undefined,
    compactInterval: 10,
    minBatchesToRetain: 100,
    allowCheckpointMismatch: false,
    writerMemoryBytes: 256 * 1024 * 1024,
    maxRecordsPerFile: 0,
    targetFileSize: 0,
    attemptCleanupDelayMs: 600_000,
    retentionMs: undefined,
    compaction: null,
  },
  timeZone: 'UTC',
  conf: { 'spark.sql.session.timeZone': 'UTC' },
  s3: { forcePathStyle: true },
  metrics: { host: '0.0.0.0', port: 8091, enabled: true, showRecordContent: false },
  workers: availableParallelism(),
  stopTimeoutMs: 25_000,
}

test('the seed job file loads unchanged to the expected JobConfig', async () => {
  assert.deepEqual(await loadJob(SEED, { env: {} }), expected)
})

test('the seed job picks up KAFKA_BOOTSTRAP and S3_ENDPOINT from the environment', async () => {
  const job = await loadJob(SEED, { env: { KAFKA_BOOTSTRAP: 'k1:9092,k2:9093', S3_ENDPOINT: 'http://127.0.0.1:4568' } })
  assert.deepEqual(job.source.bootstrapServers, ['k1:9092', 'k2:9093'])
  assert.deepEqual(job.s3, { endpoint: 'http://127.0.0.1:4568', forcePathStyle: true })
})

test('the seed job with an empty S3_ENDPOINT leaves the endpoint to the SDK chain', async () => {
  const job = await loadJob(SEED, { env: { S3_ENDPOINT: '' } })
  assert.equal(job.s3.endpoint, undefined)
  assert.equal('endpoint' in job.s3, false)
})

test('--trigger overrides the file trigger', async () => {
  const job = await loadJob(SEED, { env: {}, trigger: 'availableNow' })
  assert.deepEqual(job.sink.trigger, { kind: 'availableNow' })
})

test('a JSON job file loads like YAML', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'))
  try {
    const file = join(dir, 'job.json')
    await writeFile(
      file,
      JSON.stringify({
        source: { 'kafka.bootstrap.servers': '127.0.0.1:9092', subscribe: ['a', 'b'] },
        schema: 'id BIGINT',
        sink: { path: 'file:///tmp/out', checkpointLocation: 'file:///tmp/cp' },
      }),
    )
    const job = await loadJob(file, { env: {} })
    assert.deepEqual(job.source.subscription, { kind: 'subscribe', topics: ['a', 'b'] })
    assert.equal(job.sink.path.prefix, '/tmp/out/')
    assert.equal(job.name, 'sluice')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a missing job file fails with SLUICE_CONFIG_READ naming the file', async () => {
  await assert.rejects(loadJob('/nonexistent/dir/job.yaml'), (err: unknown) => {
    assert.ok(isSluiceError(err, 'SLUICE_CONFIG_READ'))
    assert.match(err.message, /\/nonexistent\/dir\/job\.yaml: it does not exist/)
    return true
  })
})
