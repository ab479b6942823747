import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import {
  type SinkFileStatus,
  allValidBatches,
  compactLogs,
  defaultOffsetConf,
  deriveCompactInterval,
  isCompactionBatch,
  parseCommit,
  parseInitialOffsets,
  parseKafkaOffsets,
  parseOffsets,
  parseSinkLog,
  serializeCommit,
  serializeInitialOffsets,
  serializeKafkaOffsets,
  serializeOffsets,
  serializeSinkLog,
} from '../../src/checkpoint/index.js'

// Spark's own test files: test/fixtures/spark in the repository, else the shared copy, or
// SLUICE_SPARK_FIXTURES. (Compiled tests run from dist/test/…, hence the ../../../.)
const FIX = [
  process.env['SLUICE_SPARK_FIXTURES'],
  fileURLToPath(new URL('../../../test/fixtures/spark', import.meta.url)),
  '/work/shared/fixtures/spark',
].find((d): d is string => d !== undefined && existsSync(`${d}/README.md`))!
const fixture = (p: string) => readFileSync(`${FIX}/${p}`)

const CONF_35 =
  '{"spark.sql.streaming.stateStore.providerClass":"org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",' +
  '"spark.sql.streaming.join.stateFormatVersion":"2","spark.sql.streaming.stateStore.compression.codec":"lz4",' +
  '"spark.sql.streaming.stateStore.rocksdb.formatVersion":"5","spark.sql.streaming.statefulOperator.useStrictDistribution":"true",' +
  '"spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion":"2","spark.sql.streaming.multipleWatermarkPolicy":"min",' +
  '"spark.sql.streaming.aggregation.stateFormatVersion":"2","spark.sql.shuffle.partitions":"200"}'

test('serializeOffsets writes Spark 3.5 bytes: v1, metadata with the 3.5 conf, sorted Kafka offsets, no newline', () => {
  const text = serializeOffsets({
    metadata: { batchWatermarkMs: 0, batchTimestampMs: 1732298581733, conf: defaultOffsetConf() },
    sources: [{ zeta: { '10': 5, '2': 7 }, alpha: { '1': 3, '0': 9 } }],
  })
  assert.equal(
    text,
    `v1\n{"batchWatermarkMs":0,"batchTimestampMs":1732298581733,"conf":${CONF_35}}\n` +
      '{"alpha":{"0":9,"1":3},"zeta":{"2":7,"10":5}}',
  )
  const back = parseOffsets(text, 'offsets/0')
  assert.deepEqual(back.metadata.conf, defaultOffsetConf())
  assert.deepEqual(back.sources, [{ alpha: { '0': 9, '1': 3 }, zeta: { '2': 7, '10': 5 } }])
  assert.equal(serializeOffsets(back), text)
})

test('a null source is written as "-" and read back as null', () => {
  const text = serializeOffsets({
    metadata: { batchWatermarkMs: 5, batchTimestampMs: 6, conf: {} },
    sources: [null],
  })
  assert.equal(text, 'v1\n{"batchWatermarkMs":5,"batchTimestampMs":6,"conf":{}}\n-')
  assert.deepEqual(parseOffsets(text, 'x').sources, [null])
})

test('Spark 2.1.0 offsets fixture: no conf → legacy defaults; the non-Kafka source line is kept verbatim', () => {
  const text = fixture('checkpoint-version-2.1.0/offsets/1').toString('utf8')
  const e = parseOffsets(text, 'offsets/1')
  assert.equal(e.metadata.batchTimestampMs, 1489180209261)
  assert.equal(e.metadata.batchWatermarkMs, 0)
  assert.equal(e.metadata.conf['spark.sql.streaming.aggregation.stateFormatVersion'], '1')
  assert.equal(e.metadata.conf['spark.sql.streaming.multipleWatermarkPolicy'], 'min')
  assert.deepEqual(e.sources, [null])
  assert.deepEqual(e.rawSources, ['2'])
  assert.ok(serializeOffsets(e).endsWith('}\n2'))
})

test('Spark 2.4.3 Kafka offsets fixture: recorded conf kept, missing keys filled, partitions in hash order read', () => {
  const e = parseOffsets(fixture('kafka-checkpoint-version-2.4.3/offsets/0').toString('utf8'), 'o/0')
  assert.equal(e.metadata.batchTimestampMs, 1568508285207)
  assert.equal(e.metadata.conf['spark.sql.shuffle.partitions'], '5')
  assert.equal(e.metadata.conf['spark.sql.streaming.aggregation.stateFormatVersion'], '2')
  // Not in the 2.4.3 file: Spark's legacy default.
  assert.equal(e.metadata.conf['spark.sql.streaming.join.stateFormatVersion'], '1')
  const topic = 'spark-test-topic-2b8619f5-d3c4-4c2d-b5d1-8d9d9458aa62'
  assert.deepEqual(e.sources, [{ [topic]: { '0': 3, '1': 3, '2': 3, '3': 3, '4': 3 } }])
  assert.equal(
    serializeKafkaOffsets(e.sources[0]!),
    `{"${topic}":{"0":3,"1":3,"2":3,"3":3,"4":3}}`,
  )
})

test('kafka-source-offset-version-2.1.0.txt parses, trailing newline accepted', () => {
  const o = parseKafkaOffsets(fixture('kafka-source-offset-version-2.1.0.txt').toString(), 'f')
  assert.deepEqual(o, { topic1: { '0': 456, '1': 789 }, topic2: { '0': 0 } })
})

test('sources/0/0: Spark 2.1.0 binary fixture (raw JSON after the zero byte) and our v1 form', () => {
  const o = parseInitialOffsets(fixture('kafka-source-initial-offset-version-2.1.0.bin'), 'sources/0/0')
  assert.deepEqual(o, { 'kafka-initial-offset-2-1-0': { '0': 0, '1': 1, '2': 2 } })
  const bytes = serializeInitialOffsets(o)
  assert.deepEqual(
    bytes,
    Buffer.concat([
      Buffer.from([0]),
      Buffer.from('v1\n{"kafka-initial-offset-2-1-0":{"0":0,"1":1,"2":2}}'),
    ]),
  )
  assert.deepEqual(parseInitialOffsets(bytes, 'x'), o)
  assert.throws(
    () => parseInitialOffsets(Buffer.from('\0v2\n{}'), 'sources/0/0'),
    (e: { code?: string }) => e.code === 'SLUICE_CHECKPOINT_VERSION',
  )
})

test('commits/N: exact bytes, parse, missing JSON line reads as watermark 0', () => {
  assert.equal(serializeCommit(), 'v1\n{"nextBatchWatermarkMs":0}')
  assert.equal(serializeCommit(42), 'v1\n{"nextBatchWatermarkMs":42}')
  assert.deepEqual(parseCommit('v1\n{"nextBatchWatermarkMs":42,"x":1}', 'c'), { nextBatchWatermarkMs: 42 })
  assert.deepEqual(parseCommit('v1', 'c'), { nextBatchWatermarkMs: 0 })
})

test('version and corruption errors name the file and carry the right code', () => {
  assert.throws(
    () => parseOffsets('v2\n{}\n{}', 's3://b/cp/offsets/7'),
    (e: { code?: string; message: string }) =>
      e.code === 'SLUICE_CHECKPOINT_VERSION' && e.message.includes('s3://b/cp/offsets/7') && e.message.includes('v2'),
  )
  assert.throws(
    () => parseOffsets('', 'offsets/3'),
    (e: { code?: string }) => e.code === 'SLUICE_CHECKPOINT_CORRUPT',
  )
  assert.throws(
    () => parseOffsets('v1\n{"batchWatermarkMs":0\n{}', 'offsets/3'),
    (e: { code?: string; message: string }) =>
      e.code === 'SLUICE_CHECKPOINT_CORRUPT' && e.message.includes('line 2'),
  )
  assert.throws(
    () => parseSinkLog('v3\n{}', '_spark_metadata/4'),
    (e: { code?: string }) => e.code === 'SLUICE_SINK_LOG_VERSION',
  )
  assert.throws(
    () => parseSinkLog('v1\n{"path":"/a","action":"rename"}', '_spark_metadata/4'),
    (e: { code?: string }) => e.code === 'SLUICE_SINK_LOG_CORRUPT',
  )
})

const f = (path: string, action: 'add' | 'delete' = 'add', size = 10): SinkFileStatus => ({
  path,
  size,
  isDir: false,
  modificationTime: 1617125637000,
  blockReplication: 1,
  blockSize: 33554432,
  action,
})

test('serializeSinkLog: Spark 3.5 bytes (key order, no trailing newline); empty batch is "v1"', () => {
  assert.equal(serializeSinkLog([]), 'v1')
  const text = serializeSinkLog([f('s3a://bkt/out/dt=2024-01-01/part-00000-u-c000.json', 'add', 77), f('/x%25y', 'delete')])
  assert.equal(
    text,
    'v1\n' +
      '{"path":"s3a://bkt/out/dt=2024-01-01/part-00000-u-c000.json","size":77,"isDir":false,"modificationTime":1617125637000,"blockReplication":1,"blockSize":33554432,"action":"add"}\n' +
      '{"path":"/x%25y","size":10,"isDir":false,"modificationTime":1617125637000,"blockReplication":1,"blockSize":33554432,"action":"delete"}',
  )
  assert.deepEqual(parseSinkLog(text, 'a'), parseSinkLog(`${text}\n`, 'b'))
  assert.equal(parseSinkLog(text, 'a').length, 2)
})

test('Spark 2.1 sink-log fixture files (ending with a newline) parse', () => {
  const eight = parseSinkLog(fixture('file-sink-log-version-2.1.0/8').toString(), '8')
  assert.deepEqual(eight, [
    { path: '/a/b/8', size: 800, isDir: false, modificationTime: 800, blockReplication: 1, blockSize: 100, action: 'add' },
    { path: '/a/b/0', size: 100, isDir: false, modificationTime: 100, blockReplication: 1, blockSize: 100, action: 'delete' },
  ])
  assert.equal(parseSinkLog(fixture('file-sink-log-version-2.1.0/7.compact').toString(), '7').length, 8)
  // Re-serialising what Spark 2.1 wrote gives the same lines without the final newline.
  const nine = fixture('file-sink-log-version-2.1.0/9').toString()
  assert.equal(serializeSinkLog(parseSinkLog(nine, '9')) + '\n', nine)
})

test('compactLogs drops deleted paths (and the delete entries) and, with retention, expired entries', () => {
  const logs = [f('/a/x'), f('/a/y'), f('/a/z'), f('/a/m'), f('/a/z', 'delete')]
  assert.deepEqual(compactLogs(logs).map((x) => x.path), ['/a/x', '/a/y', '/a/m'])
  const old = { ...f('/a/old'), modificationTime: 1000 }
  const young = { ...f('/a/new'), modificationTime: 9000 }
  assert.deepEqual(compactLogs([old, young], 5000, 10000).map((x) => x.path), ['/a/new'])
})

test('compaction arithmetic matches CompactibleFileStreamLog', () => {
  assert.ok(isCompactionBatch(9, 10) && isCompactionBatch(19, 10) && !isCompactionBatch(10, 10))
  assert.deepEqual(allValidBatches(2, 3), [2])
  assert.deepEqual(allValidBatches(4, 3), [2, 3, 4])
  assert.deepEqual(allValidBatches(5, 3), [5])
  assert.deepEqual(allValidBatches(7, 3), [5, 6, 7])
  assert.deepEqual(allValidBatches(9, 8), [7, 8, 9])
  assert.deepEqual(allValidBatches(1, 10), [0, 1])
  assert.equal(deriveCompactInterval(5, 4), 5)
  assert.equal(deriveCompactInterval(4, 9), 5)
  assert.equal(deriveCompactInterval(5, 11), 6)
  assert.equal(deriveCompactInterval(10, 7), 8)
  assert.equal(deriveCompactInterval(10, 99), 10)
  assert.equal(deriveCompactInterval(10, 19), 20)
})
