import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { job, parse, parseYaml } from './config-helpers.js'

describe('source options', () => {
  test('every source option, as Spark spells it', () => {
    const j = parse(
      job({
        source: {
          'kafka.bootstrap.servers': ' a:9092 , b:9093 ',
          subscribe: 'x, y,,z',
          startingOffsets: 'latest',
          maxOffsetsPerTrigger: 5000,
          minOffsetsPerTrigger: 100,
          maxTriggerDelay: '30 seconds',
          minPartitions: 8,
          failOnDataLoss: false,
          includeHeaders: true,
          commitOffsets: false,
          'kafka.client.id': 'cid',
          'kafka.group.id': 'gid',
          'kafka.request.timeout.ms': 10000,
          'kafka.max.partition.fetch.bytes': '8MB',
          'kafka.fetch.max.bytes': 1048576,
          'kafka.fetch.max.wait.ms': 100,
          'kafka.isolation.level': 'read_committed',
          'kafka.metadata.max.age.ms': 5000,
          'kafka.security.protocol': 'plaintext',
        },
      }),
    )
    assert.deepEqual(j.source, {
      bootstrapServers: ['a:9092', 'b:9093'],
      subscription: { kind: 'subscribe', topics: ['x', 'y', 'z'] },
      startingOffsets: 'latest',
      startingTimestamps: undefined,
      maxOffsetsPerTrigger: 5000,
      minOffsetsPerTrigger: 100,
      maxTriggerDelayMs: 30_000,
      minPartitions: 8,
      failOnDataLoss: false,
      includeHeaders: true,
      kafka: {
        clientId: 'cid',
        groupId: 'gid',
        requestTimeoutMs: 10_000,
        maxPartitionFetchBytes: 8 * 1024 * 1024,
        fetchMaxBytes: 1_048_576,
        fetchMaxWaitMs: 100,
        isolationLevel: 'read_committed',
        security: { protocol: 'PLAINTEXT', tls: null, sasl: null },
      },
      metadataRefreshMs: 5000,
      commitOffsets: false,
    })
  })

  test('numbers and booleans are accepted as strings, as Spark options are', () => {
    const j = parse(job({ source: { maxOffsetsPerTrigger: '2000', failOnDataLoss: 'False', includeHeaders: 'TRUE', maxTriggerDelay: '900000' } }))
    assert.equal(j.source.maxOffsetsPerTrigger, 2000)
    assert.equal(j.source.failOnDataLoss, false)
    assert.equal(j.source.includeHeaders, true)
    assert.equal(j.source.maxTriggerDelayMs, 900_000)
  })

  test('source keys are case-insensitive like Spark options', () => {
    const j = parse({ ...job({}), source: { 'KAFKA.BOOTSTRAP.SERVERS': 'h:1', SUBSCRIBE: 't', maxoffsetspertrigger: 7 } })
    assert.deepEqual(j.source.bootstrapServers, ['h:1'])
    assert.equal(j.source.maxOffsetsPerTrigger, 7)
  })

  test('defaults follow Spark streaming: latest, failOnDataLoss true, 15m delay', () => {
    const s = parse(job({})).source
    assert.equal(s.startingOffsets, 'latest')
    assert.equal(s.failOnDataLoss, true)
    assert.equal(s.includeHeaders, false)
    assert.equal(s.commitOffsets, true)
    assert.equal(s.maxTriggerDelayMs, 15 * 60_000)
    assert.equal(s.maxOffsetsPerTrigger, undefined)
    assert.equal(s.kafka.clientId, 'sluice-sluice')
  })

  test('subscribe as a YAML list, subscribePattern, assign as JSON string and as a map', () => {
    assert.deepEqual(parse(job({ source: { subscribe: ['a', 'b'] } })).source.subscription, { kind: 'subscribe', topics: ['a', 'b'] })
    assert.deepEqual(parse(job({ source: { subscribe: undefined, subscribePattern: 'ev-.*' } })).source.subscription, {
      kind: 'subscribePattern',
      pattern: 'ev-.*',
    })
    assert.deepEqual(parse(job({ source: { subscribe: undefined, assign: '{"t":[1,0]}' } })).source.subscription, {
      kind: 'assign',
      partitions: { t: [0, 1] },
    })
    assert.deepEqual(parse(job({ source: { subscribe: undefined, assign: { t: [2], u: ['0'] } } })).source.subscription, {
      kind: 'assign',
      partitions: { t: [2], u: [0] },
    })
  })

  test('startingTimestamp, startingOffsetsByTimestamp and the strategy, in Spark\'s order of preference', () => {
    const s = (source: Record<string, unknown>) => parse(job({ source })).source.startingTimestamps
    assert.equal(s({}), undefined, 'neither set: startingOffsets decides')
    assert.deepEqual(s({ startingTimestamp: '1700000000000' }), { kind: 'global', timestamp: 1_700_000_000_000, strategy: 'error' })
    assert.deepEqual(s({ startingOffsetsByTimestamp: '{"t":{"0":5,"1":"6"}}', startingOffsetsByTimestampStrategy: 'LATEST' }), {
      kind: 'perPartition',
      timestamps: { t: { '0': 5, '1': 6 } },
      strategy: 'latest',
    })
    assert.deepEqual(s({ startingOffsetsByTimestamp: { t: { 0: 7 } } }), { kind: 'perPartition', timestamps: { t: { '0': 7 } }, strategy: 'error' }, 'a YAML map')
    // startingTimestamp wins over startingOffsetsByTimestamp, both over startingOffsets.
    const both = parse(job({ source: { startingTimestamp: 9, startingOffsetsByTimestamp: { t: { 0: 7 } }, startingOffsets: 'earliest' } })).source
    assert.deepEqual(both.startingTimestamps, { kind: 'global', timestamp: 9, strategy: 'error' })
    // Keys are case-insensitive, as in Spark.
    assert.deepEqual(s({ startingtimestamp: 3 }), { kind: 'global', timestamp: 3, strategy: 'error' })
    // With a shard, per-partition timestamps keep the shard's partitions only.
    assert.deepEqual(s({ shard: '1/2', startingOffsetsByTimestamp: { t: { 0: 1, 1: 2, 2: 3, 3: 4 } } }), {
      kind: 'perPartition',
      timestamps: { t: { '1': 2, '3': 4 } },
      strategy: 'error',
    })
  })

  test('startingOffsets: earliest, per-partition JSON string, YAML map', () => {
    assert.equal(parse(job({ source: { startingOffsets: 'EARLIEST' } })).source.startingOffsets, 'earliest')
    assert.deepEqual(parse(job({ source: { startingOffsets: '{"t":{"0":23,"1":-2}}' } })).source.startingOffsets, { t: { '0': 23, '1': -2 } })
    assert.deepEqual(parse(job({ source: { startingOffsets: { t: { 0: -1 } } } })).source.startingOffsets, { t: { '0': -1 } })
  })
})

describe('sink options', () => {
  test('every sink option', () => {
    const j = parse(
      job({
        sink: {
          format: 'JSON',
          path: 'file:///tmp/out',
          checkpointLocation: 's3://bucket-cp/cp',
          partitionBy: 'dt, dth',
          coalesce: '4',
          trigger: '1 minute',
          outputMode: 'Append',
          compression: 'LZ4',
          timestampFormat: 'yyyy-MM-dd HH:mm',
          dateFormat: 'dd.MM.yyyy',
          ignoreNullFields: 'false',
          lineSep: '\r\n',
          mode: 'failfast',
          columnNameOfCorruptRecord: 'bad',
          allowCheckpointMismatch: true,
          writerMemory: '64MB',
          maxRecordsPerFile: '1000',
          targetFileSize: '32MB',
          attemptCleanupDelay: '5m',
          retention: '7d',
          compaction: 'true',
          compactionTargetFileSize: '64MB',
          compactionIdleTime: '30m',
          compactionCloseDelay: '5m',
          compactionRemoveDelay: '0s',
        },
      }),
    )
    assert.deepEqual(j.sink, {
      format: 'json',
      path: { scheme: 'file', bucket: '', prefix: '/tmp/out/', original: 'file:///tmp/out' },
      checkpointLocation: { scheme: 's3', bucket: 'bucket-cp', prefix: 'cp/', original: 's3://bucket-cp/cp' },
      partitionBy: ['dt', 'dth'],
      coalesce: 4,
      trigger: { kind: 'processingTime', intervalMs: 60_000 },
      outputMode: 'append',
      compression: 'lz4',
      parquet: null,
      timestampFormat: 'yyyy-MM-dd HH:mm',
      dateFormat: 'dd.MM.yyyy',
      ignoreNullFields: false,
      lineSep: '\r\n',
      mode: 'FAILFAST',
      columnNameOfCorruptRecord: 'bad',
      badRecordsPath: undefined,
      compactInterval: 10,
      minBatchesToRetain: 100,
      allowCheckpointMismatch: true,
      writerMemoryBytes: 64 * 1024 * 1024,
      maxRecordsPerFile: 1000,
      targetFileSize: 32 * 1024 * 1024,
      attemptCleanupDelayMs: 300_000,
      retentionMs: 7 * 86_400_000,
      compaction: { targetFileSize: 64 * 1024 * 1024, idleTimeMs: 1_800_000, closeDelayMs: 300_000, removeDelayMs: 0 },
    })
  })

  test('defaults: no partitions, coalesce 0, trigger as fast as possible, no compression', () => {
    const s = parse(job({})).sink
    assert.deepEqual(s.partitionBy, [])
    assert.equal(s.coalesce, 0)
    assert.deepEqual(s.trigger, { kind: 'processingTime', intervalMs: 0 })
    assert.equal(s.compression, 'none')
    assert.equal(s.mode, 'PERMISSIVE')
    assert.equal(s.writerMemoryBytes, 256 * 1024 * 1024)
  })

  test("maxRecordsPerFile and targetFileSize: Spark's option wins over its conf; 0 or negative is no limit", () => {
    const s = parse(job({ sink: { maxRecordsPerFile: '500', targetFileSize: '64MB' } })).sink
    assert.equal(s.maxRecordsPerFile, 500)
    assert.equal(s.targetFileSize, 64 * 1024 * 1024)
    const d = parse(job({})).sink
    assert.equal(d.maxRecordsPerFile, 0)
    assert.equal(d.targetFileSize, 0)
    assert.equal(parse(job({ sink: { maxRecordsPerFile: -1 } })).sink.maxRecordsPerFile, 0)
    assert.equal(parse(job({ conf: { 'spark.sql.files.maxRecordsPerFile': 2000 } })).sink.maxRecordsPerFile, 2000)
    assert.equal(parse(job({ sink: { maxRecordsPerFile: 0 }, conf: { 'spark.sql.files.maxRecordsPerFile': 2000 } })).sink.maxRecordsPerFile, 0)
  })

  test('badRecordsPath is a location', () => {
    assert.deepEqual(parse(job({ sink: { badRecordsPath: 's3a://bucket-bad/bad/' } })).sink.badRecordsPath, {
      scheme: 's3a',
      bucket: 'bucket-bad',
      prefix: 'bad/',
      original: 's3a://bucket-bad/bad/',
    })
  })

  test('compression uncompressed means none', () => {
    assert.equal(parse(job({ sink: { compression: 'uncompressed' } })).sink.compression, 'none')
  })

  const triggers: [unknown, unknown][] = [
    ['2 seconds', { kind: 'processingTime', intervalMs: 2000 }],
    ["ProcessingTime('1 minute')", { kind: 'processingTime', intervalMs: 60_000 }],
    ['processingTime="500 milliseconds"', { kind: 'processingTime', intervalMs: 500 }],
    ['interval 10 seconds', { kind: 'processingTime', intervalMs: 10_000 }],
    ['1 minute 30 seconds', { kind: 'processingTime', intervalMs: 90_000 }],
    ['15m', { kind: 'processingTime', intervalMs: 900_000 }],
    [250, { kind: 'processingTime', intervalMs: 250 }],
    ['0 seconds', { kind: 'processingTime', intervalMs: 0 }],
    ['once', { kind: 'once' }],
    ['Once()', { kind: 'once' }],
    ['availableNow', { kind: 'availableNow' }],
    ['available_now', { kind: 'availableNow' }],
    [{ processingTime: '5 seconds' }, { kind: 'processingTime', intervalMs: 5000 }],
    [{ availableNow: true }, { kind: 'availableNow' }],
    [{ once: true }, { kind: 'once' }],
  ]
  for (const [input, expected] of triggers) {
    test(`trigger ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parse(job({ sink: { trigger: input } })).sink.trigger, expected)
    })
  }

  test('the CLI trigger overrides sink.trigger', () => {
    assert.deepEqual(parse(job({ sink: { trigger: 'once' } }), { trigger: '3 seconds' }).sink.trigger, { kind: 'processingTime', intervalMs: 3000 })
  })
})

describe('conf, s3, metrics, top level', () => {
  test('conf keys map to the session zone, compaction and retention; raw conf is kept as strings', () => {
    const j = parse(
      job({
        conf: {
          'spark.sql.session.timeZone': 'Asia/Seoul',
          'spark.sql.streaming.fileSink.log.compactInterval': 5,
          'spark.sql.streaming.minBatchesToRetain': '20',
          'spark.sql.shuffle.partitions': 200,
          'spark.sql.adaptive.enabled': false,
        },
      }),
    )
    assert.equal(j.timeZone, 'Asia/Seoul')
    assert.equal(j.sink.compactInterval, 5)
    assert.equal(j.sink.minBatchesToRetain, 20)
    assert.deepEqual(j.conf, {
      'spark.sql.session.timeZone': 'Asia/Seoul',
      'spark.sql.streaming.fileSink.log.compactInterval': '5',
      'spark.sql.streaming.minBatchesToRetain': '20',
      'spark.sql.shuffle.partitions': '200',
      'spark.sql.adaptive.enabled': 'false',
    })
  })

  test("the session zone defaults to the process's zone", () => {
    assert.equal(parse(job({})).timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone)
    assert.deepEqual(parse(job({})).conf, {})
  })

  test('every s3 option', () => {
    const j = parse(
      job({
        s3: {
          endpoint: 'http://127.0.0.1:4568',
          region: 'eu-west-1',
          forcePathStyle: 'true',
          accessKeyId: 'AK',
          secretAccessKey: 'SK',
          sessionToken: 'ST',
          partSize: '16MB',
          queueSize: 2,
        },
      }),
    )
    assert.deepEqual(j.s3, {
      endpoint: 'http://127.0.0.1:4568',
      region: 'eu-west-1',
      forcePathStyle: true,
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      sessionToken: 'ST',
      partSize: 16 * 1024 * 1024,
      queueSize: 2,
    })
    assert.deepEqual(parse(job({})).s3, {})
  })

  test('metrics options and defaults', () => {
    assert.deepEqual(parse(job({})).metrics, { host: '0.0.0.0', port: 8091, enabled: true, showRecordContent: false })
    assert.deepEqual(parse(job({ metrics: { host: '127.0.0.1', port: 0, enabled: false, showRecordContent: true } })).metrics, {
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      showRecordContent: true,
    })
  })

  test('stopTimeout: default 25s, a duration', () => {
    assert.equal(parse(job({})).stopTimeoutMs, 25_000)
    assert.equal(parse(job({ stopTimeout: '10 seconds' })).stopTimeoutMs, 10_000)
  })

  test('s3 timeouts are durations in milliseconds, unset by default', () => {
    assert.deepEqual(parse(job({ s3: { requestTimeout: '2m', socketTimeout: '15s' } })).s3, { requestTimeout: 120_000, socketTimeout: 15_000 })
    assert.deepEqual(parse(job({})).s3, {})
  })

  test('name, workers, select, schema', () => {
    const j = parse(job({ name: 'orders', workers: 3, select: ['json_data.*', 'offset'], schema: 'a INT, b STRING' }))
    assert.equal(j.name, 'orders')
    assert.equal(j.workers, 3)
    assert.deepEqual(j.select, ['json_data.*', 'offset'])
    assert.equal(j.schema, 'a INT, b STRING')
    assert.deepEqual(parse(job({})).select, ['json_data.*'])
    assert.equal(parse(job({ select: 'json_data.*' })).select.length, 1)
  })

  test('YAML null values count as not set', () => {
    const j = parseYaml(
      'source:\n  kafka.bootstrap.servers: h:1\n  subscribe: t\n  maxOffsetsPerTrigger:\nschema: a INT\nsink:\n  path: file:///o\n  checkpointLocation: file:///c\n  coalesce:\nmetrics:\n',
    )
    assert.equal(j.source.maxOffsetsPerTrigger, undefined)
    assert.equal(j.sink.coalesce, 0)
    assert.equal(j.metrics.port, 8091)
  })
})
