import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { fails, job, parse, parseYaml } from './config-helpers.js'

type Case = [name: string, patch: Record<string, unknown>, code: string, ...mentions: string[]]

const cases: Case[] = [
  // unknown keys, with "did you mean"
  ['typo in sink', { sink: { partitonBy: ['dt'] } }, 'SLUICE_CONFIG_UNKNOWN_KEY', 'sink.partitonBy', 'did you mean "partitionBy"'],
  ['typo at top level', { shcema: 'x' }, 'SLUICE_CONFIG_UNKNOWN_KEY', 'shcema', 'did you mean "schema"'],
  ['misplaced key', { trigger: '1 second' }, 'SLUICE_CONFIG_UNKNOWN_KEY', 'trigger', 'sink.trigger'],
  ['typo in a kafka key', { source: { 'kafka.bootstrap.server': 'x:1' } }, 'SLUICE_CONFIG_UNKNOWN_KEY', 'source.kafka.bootstrap.server', 'kafka.bootstrap.servers'],
  ['unknown conf key', { conf: { 'spark.foo.bar': 1 } }, 'SLUICE_CONFIG_UNKNOWN_KEY', 'conf.spark.foo.bar'],
  ['unknown s3 key', { s3: { endpoit: 'http://x:1' } }, 'SLUICE_CONFIG_UNKNOWN_KEY', 's3.endpoit', '"endpoint"'],
  ['unknown metrics key', { metrics: { prot: 1 } }, 'SLUICE_CONFIG_UNKNOWN_KEY', 'metrics.prot', '"port"'],
  // required
  ['missing bootstrap servers', { source: { 'kafka.bootstrap.servers': undefined } }, 'SLUICE_CONFIG_REQUIRED', 'source.kafka.bootstrap.servers'],
  ['missing schema', { schema: undefined }, 'SLUICE_CONFIG_REQUIRED', 'schema'],
  ['missing checkpoint', { sink: { checkpointLocation: undefined } }, 'SLUICE_CONFIG_REQUIRED', 'sink.checkpointLocation'],
  ['missing path', { sink: { path: undefined } }, 'SLUICE_CONFIG_REQUIRED', 'sink.path'],
  // source
  ['no subscription', { source: { subscribe: undefined } }, 'SLUICE_CONFIG_SOURCE', 'source', 'exactly one of subscribe'],
  ['two subscriptions', { source: { subscribePattern: 'a.*' } }, 'SLUICE_CONFIG_SOURCE', 'subscribe and subscribePattern'],
  ['min above max', { source: { minOffsetsPerTrigger: 10, maxOffsetsPerTrigger: 5 } }, 'SLUICE_CONFIG_SOURCE', 'source.minOffsetsPerTrigger', 'maxOffsetsPerTrigger (5)'],
  ['bad bootstrap', { source: { 'kafka.bootstrap.servers': 'localhost' } }, 'SLUICE_CONFIG_VALUE', 'source.kafka.bootstrap.servers', 'host:port'],
  ['bad pattern', { source: { subscribe: undefined, subscribePattern: '(' } }, 'SLUICE_CONFIG_VALUE', 'source.subscribePattern', 'regular expression'],
  ['bad assign JSON', { source: { subscribe: undefined, assign: '{t:[0]}' } }, 'SLUICE_CONFIG_VALUE', 'source.assign', 'not valid JSON'],
  ['bad assign partitions', { source: { subscribe: undefined, assign: { t: [-1] } } }, 'SLUICE_CONFIG_VALUE', 'source.assign', 'partitions are integers'],
  ['bad startingOffsets', { source: { startingOffsets: 'beginning' } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsets', '"earliest", "latest"'],
  ['bad startingOffsets offset', { source: { startingOffsets: '{"t":{"0":-3}}' } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsets', '-2 (earliest)'],
  ['non-integer max offsets', { source: { maxOffsetsPerTrigger: '2k' } }, 'SLUICE_CONFIG_VALUE', 'source.maxOffsetsPerTrigger', 'integer'],
  ['zero max offsets', { source: { maxOffsetsPerTrigger: 0 } }, 'SLUICE_CONFIG_VALUE', 'source.maxOffsetsPerTrigger', '>= 1'],
  ['zero minPartitions', { source: { minPartitions: 0 } }, 'SLUICE_CONFIG_VALUE', 'source.minPartitions', '>= 1'],
  ['bad boolean', { source: { failOnDataLoss: 'yes' } }, 'SLUICE_CONFIG_VALUE', 'source.failOnDataLoss', 'true or false'],
  ['bad duration', { source: { maxTriggerDelay: '15 parsecs' } }, 'SLUICE_CONFIG_VALUE', 'source.maxTriggerDelay', 'duration'],
  ['bad fetch bytes', { source: { 'kafka.max.partition.fetch.bytes': 'lots' } }, 'SLUICE_CONFIG_VALUE', 'source.kafka.max.partition.fetch.bytes', 'size'],
  // unsupported and rejected source options
  ['auto.offset.reset', { source: { 'kafka.auto.offset.reset': 'earliest' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.auto.offset.reset', 'startingOffsets'],
  ['key deserializer', { source: { 'kafka.key.deserializer': 'x' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.key.deserializer', 'bytes'],
  ['value deserializer', { source: { 'kafka.value.deserializer': 'x' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.value.deserializer', 'from_json'],
  ['enable.auto.commit', { source: { 'kafka.enable.auto.commit': true } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.enable.auto.commit', 'commitOffsets'],
  ['interceptors', { source: { 'kafka.interceptor.classes': 'x' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.interceptor.classes', 'interceptors'],
  ['sasl without a SASL protocol', { source: { 'kafka.sasl.mechanism': 'PLAIN' } }, 'SLUICE_CONFIG_VALUE', 'source.kafka.sasl.mechanism', 'does not use SASL'],
  ['ssl without a TLS protocol', { source: { 'kafka.ssl.truststore.location': '/x' } }, 'SLUICE_CONFIG_VALUE', 'source.kafka.ssl.truststore.location', 'does not use TLS'],
  ['SASL protocol without a mechanism', { source: { 'kafka.security.protocol': 'SASL_SSL' } }, 'SLUICE_CONFIG_REQUIRED', 'source.kafka.sasl.mechanism', 'GSSAPI'],
  ['GSSAPI', { source: { 'kafka.security.protocol': 'SASL_SSL', 'kafka.sasl.mechanism': 'GSSAPI' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.sasl.mechanism', 'Kerberos'],
  ['unknown security protocol', { source: { 'kafka.security.protocol': 'TLS' } }, 'SLUICE_CONFIG_VALUE', 'source.kafka.security.protocol', 'SASL_SSL'],
  ['other kafka option', { source: { 'kafka.max.poll.records': 10 } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafka.max.poll.records', 'Supported kafka.* options'],
  ['isolation level', { source: { 'kafka.isolation.level': 'read_dirty' } }, 'SLUICE_CONFIG_VALUE', 'source.kafka.isolation.level', 'read_committed'],
  ['startingTimestamp not a number', { source: { startingTimestamp: 'yesterday' } }, 'SLUICE_CONFIG_VALUE', 'source.startingTimestamp', 'integer'],
  ['startingTimestamp negative', { source: { startingTimestamp: -1 } }, 'SLUICE_CONFIG_VALUE', 'source.startingTimestamp', '>= 0', 'epoch milliseconds'],
  ['startingOffsetsByTimestamp empty', { source: { startingOffsetsByTimestamp: '{}' } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsetsByTimestamp', 'names no topic'],
  ['startingOffsetsByTimestamp bad JSON', { source: { startingOffsetsByTimestamp: '{t:{0:1}}' } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsetsByTimestamp', 'not valid JSON'],
  ['startingOffsetsByTimestamp bad timestamp', { source: { startingOffsetsByTimestamp: '{"t":{"0":-2}}' } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsetsByTimestamp', 'epoch milliseconds >= 0'],
  ['startingOffsetsByTimestamp bad partition', { source: { startingOffsetsByTimestamp: { t: { x: 5 } } } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsetsByTimestamp', 'partitions are integers'],
  ['startingOffsetsByTimestampStrategy', { source: { startingOffsetsByTimestampStrategy: 'earliest' } }, 'SLUICE_CONFIG_VALUE', 'source.startingOffsetsByTimestampStrategy', '"error", "latest"'],
  ['endingOffsets', { source: { endingOffsets: 'latest' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.endingOffsets', 'availableNow'],
  ['pollTimeoutMs', { source: { 'kafkaConsumer.pollTimeoutMs': 512 } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.kafkaConsumer.pollTimeoutMs', 'kafka.fetch.max.wait.ms'],
  ['fetchOffset.numRetries', { source: { 'fetchOffset.numRetries': 3 } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.fetchOffset.numRetries', 'not applicable'],
  ['groupIdPrefix', { source: { groupIdPrefix: 'x' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'source.groupIdPrefix', 'kafka.group.id'],
  // sink
  ['orc', { sink: { format: 'orc' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'sink.format', 'format: parquet'],
  ['unknown format', { sink: { format: 'xml' } }, 'SLUICE_CONFIG_VALUE', 'sink.format', '"json"'],
  ['complete mode', { sink: { outputMode: 'complete' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'sink.outputMode', 'append only'],
  ['update mode', { sink: { outputMode: 'update' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'sink.outputMode', 'append only'],
  ['unknown mode', { sink: { mode: 'LENIENT' } }, 'SLUICE_CONFIG_VALUE', 'sink.mode', '"DROPMALFORMED"'],
  ['unknown codec', { sink: { compression: 'brotli' } }, 'SLUICE_CONFIG_VALUE', 'sink.compression', '"snappy"'],
  ['timestampNTZFormat', { sink: { timestampNTZFormat: 'yyyy' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'sink.timestampNTZFormat', 'TIMESTAMP_NTZ'],
  ['writer timestampFormat', { sink: { timestampFormat: 'YYYY-ww' } }, 'SLUICE_CONFIG_VALUE', 'sink.timestampFormat', 'not supported'],
  ['writer dateFormat with time', { sink: { dateFormat: 'yyyy-MM-dd HH' } }, 'SLUICE_CONFIG_VALUE', 'sink.dateFormat', 'no time of day'],
  ['empty lineSep', { sink: { lineSep: '' } }, 'SLUICE_CONFIG_VALUE', 'sink.lineSep', 'cannot be an empty string'],
  ['from_json timestampFormat', { fromJson: { timestampFormat: 'yyyy-ww' } }, 'SLUICE_CONFIG_VALUE', 'fromJson.timestampFormat', 'week-based'],
  ['coalesce 0', { sink: { coalesce: 0 } }, 'SLUICE_CONFIG_VALUE', 'sink.coalesce', 'omit coalesce'],
  ['bad trigger', { sink: { trigger: 'sometimes' } }, 'SLUICE_CONFIG_VALUE', 'sink.trigger', 'availableNow'],
  ['continuous trigger', { sink: { trigger: 'continuous 1 second' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'sink.trigger', 'continuous'],
  ['bad path scheme', { sink: { path: 'hdfs://nn/out' } }, 'SLUICE_CONFIG_PATH', 'sink.path', 'hdfs'],
  ['relative checkpoint', { sink: { checkpointLocation: 'cp/' } }, 'SLUICE_CONFIG_PATH', 'sink.checkpointLocation', 'no scheme'],
  ['same path and checkpoint', { sink: { checkpointLocation: 's3a://bucket-out/data' } }, 'SLUICE_CONFIG_VALUE', 'sink.checkpointLocation', 'same place as sink.path'],
  ['duplicate partition column', { sink: { partitionBy: ['dt', 'dt'] } }, 'SLUICE_CONFIG_VALUE', 'sink.partitionBy', '"dt" twice'],
  ['small writerMemory', { sink: { writerMemory: '1KB' } }, 'SLUICE_CONFIG_VALUE', 'sink.writerMemory', 'at least 1 MiB'],
  ['maxRecordsPerFile not an integer', { sink: { maxRecordsPerFile: '1e3' } }, 'SLUICE_CONFIG_VALUE', 'sink.maxRecordsPerFile', 'integer'],
  ['badRecordsPath inside the output', { sink: { badRecordsPath: 's3a://bucket-out/data/_bad/' } }, 'SLUICE_CONFIG_VALUE', 'sink.badRecordsPath', 'inside sink.path'],
  ['small targetFileSize', { sink: { targetFileSize: '100' } }, 'SLUICE_CONFIG_VALUE', 'sink.targetFileSize', 'at least 1 KiB'],
  ['empty corrupt column', { sink: { columnNameOfCorruptRecord: ' ' } }, 'SLUICE_CONFIG_VALUE', 'sink.columnNameOfCorruptRecord'],
  // conf
  ['bad time zone', { conf: { 'spark.sql.session.timeZone': 'Mars/Olympus' } }, 'SLUICE_CONFIG_VALUE', 'conf.spark.sql.session.timeZone', 'IANA'],
  ['bad compact interval', { conf: { 'spark.sql.streaming.fileSink.log.compactInterval': 0 } }, 'SLUICE_CONFIG_VALUE', 'conf.spark.sql.streaming.fileSink.log.compactInterval'],
  ['s3a endpoint in conf', { conf: { 'spark.hadoop.fs.s3a.endpoint': 'http://x:1' } }, 'SLUICE_CONFIG_UNSUPPORTED', 'conf.spark.hadoop.fs.s3a.endpoint', 's3.endpoint'],
  ['other hadoop conf', { conf: { 'spark.hadoop.fs.s3a.connection.maximum': 100 } }, 'SLUICE_CONFIG_UNSUPPORTED', 'conf.spark.hadoop.fs.s3a.connection.maximum', 's3 section'],
  // s3, metrics, top level
  ['bad endpoint', { s3: { endpoint: 'localhost:4568' } }, 'SLUICE_CONFIG_VALUE', 's3.endpoint', 'http'],
  ['key without secret', { s3: { accessKeyId: 'AK' } }, 'SLUICE_CONFIG_VALUE', 's3.secretAccessKey', 'give both'],
  ['small part size', { s3: { partSize: '1MB' } }, 'SLUICE_CONFIG_VALUE', 's3.partSize', '5 MiB'],
  ['bad port', { metrics: { port: 70000 } }, 'SLUICE_CONFIG_VALUE', 'metrics.port', 'between 0 and 65535'],
  ['zero workers', { workers: 0 }, 'SLUICE_CONFIG_VALUE', 'workers'],
  ['empty select', { select: [] }, 'SLUICE_CONFIG_VALUE', 'select', 'at least one'],
  ['select of objects', { select: [{ a: 1 }] }, 'SLUICE_CONFIG_VALUE', 'select', 'list of strings'],
  ['section not a map', { sink: 'somewhere' }, 'SLUICE_CONFIG_VALUE', 'sink', 'mapping'],
]

describe('config errors name the field and the fix', () => {
  for (const [name, patch, code, ...mentions] of cases) {
    test(`${name} → ${code}`, () => {
      fails(() => parse(job(patch)), code, ...mentions)
    })
  }

  test('a key given twice in different case', () => {
    fails(() => parse(job({ source: { SubScribe: 'x' } })), 'SLUICE_CONFIG_VALUE', 'source.SubScribe', 'given twice')
  })

  test('several problems are reported together under SLUICE_CONFIG_INVALID, each with its field', () => {
    const err = fails(
      () => parse(job({ sink: { partitonBy: ['dt'], coalesce: -1 }, source: { 'kafka.auto.offset.reset': 'x' }, workers: 'many' })),
      'SLUICE_CONFIG_INVALID',
      'has 4 problems',
      'sink.partitonBy',
      'sink.coalesce',
      'source.kafka.auto.offset.reset',
      'workers',
    )
    const problems = err.details.problems as { code: string; path: string }[]
    assert.deepEqual(
      problems.map((p) => `${p.path} ${p.code}`).sort(),
      [
        'sink.coalesce SLUICE_CONFIG_VALUE',
        'sink.partitonBy SLUICE_CONFIG_UNKNOWN_KEY',
        'source.kafka.auto.offset.reset SLUICE_CONFIG_UNSUPPORTED',
        'workers SLUICE_CONFIG_VALUE',
      ],
    )
  })

  test('several problems of one kind keep that code', () => {
    fails(() => parse(job({ sink: { partitonBy: ['dt'] }, shcema: 'x' })), 'SLUICE_CONFIG_UNKNOWN_KEY', 'sink.partitonBy', 'shcema')
  })

  test('a --trigger that does not parse names the flag', () => {
    fails(() => parse(job({}), { trigger: 'soon' }), 'SLUICE_CONFIG_VALUE', '--trigger')
  })

  test('YAML syntax errors give line and column', () => {
    const err = fails(() => parseYaml('source:\n  subscribe: [a,\nschema: x\n'), 'SLUICE_CONFIG_SYNTAX', 'job.yaml', /line \d+, column \d+/)
    assert.ok(Array.isArray(err.details.errors))
  })

  test('duplicate YAML keys are a syntax error, not last-one-wins', () => {
    fails(() => parseYaml('schema: a INT\nschema: b INT\n'), 'SLUICE_CONFIG_SYNTAX', 'line 2, column 1', 'unique')
  })

  test('JSON syntax errors give line and column', () => {
    fails(() => parseYaml('{\n  "schema": "a INT",,\n}'), 'SLUICE_CONFIG_SYNTAX', 'line 2')
  })

  test('an empty file and a non-mapping file say what a job needs', () => {
    fails(() => parseYaml(''), 'SLUICE_CONFIG_VALUE', 'is empty', 'kafka.bootstrap.servers')
    fails(() => parseYaml('- a\n- b\n'), 'SLUICE_CONFIG_VALUE', 'mapping', 'a list')
  })
})
