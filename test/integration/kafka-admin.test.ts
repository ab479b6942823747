/**
 * KafkaAdmin against librdkafka's mock cluster (3 brokers): discovery for subscribe,
 * subscribePattern and assign; leaders usable by FetchClient; earliest/latest offsets; a new
 * topic matching a pattern; errors for missing topics and unreachable servers; monitoring
 * commits to a consumer group that kafkajs then reads back.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { isSluiceError } from '../../src/errors.js'
import { FetchClient } from '../../src/kafka/index.js'
import { KafkaAdmin, partitionKey } from '../../src/kafka-admin/index.js'
import { type KafkaMock, startKafkaMock } from '../helpers/kafka-mock.js'

let mock: KafkaMock
let admin: KafkaAdmin
let kafka: Kafka
let producer: Producer

before(async () => {
  mock = await startKafkaMock({
    brokers: 3,
    topics: [
      { name: 'events.a', partitions: 4 },
      { name: 'events.b', partitions: 2 },
      { name: 'other', partitions: 3 },
      { name: 'xevents.a', partitions: 1 },
    ],
  })
  kafka = new Kafka({ brokers: mock.brokers, clientId: 'kafka-admin-test', logLevel: logLevel.NOTHING })
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  admin = new KafkaAdmin({ bootstrapServers: mock.brokers, clientId: 'kafka-admin-test', requestTimeoutMs: 5_000 })
  await admin.connect()
})

after(async () => {
  await admin?.close()
  await producer?.disconnect()
  await mock?.stop()
})

test('subscribe: every partition of the listed topics with a leader from the cluster', async () => {
  const parts = await admin.discover({ kind: 'subscribe', topics: ['other', 'events.b'] })
  assert.deepEqual(
    parts.map((p) => `${p.topic}-${p.partition}`),
    ['events.b-0', 'events.b-1', 'other-0', 'other-1', 'other-2'],
  )
  const ports = new Set(mock.brokers.map((b) => Number(b.split(':')[1])))
  for (const p of parts) {
    assert.ok(ports.has(p.leader.port), `leader of ${p.topic}-${p.partition} is a mock broker`)
    assert.ok(p.leader.nodeId >= 1 && p.leader.nodeId <= 3)
  }
})

test('subscribePattern is a full match (Java matches()) and sees new topics on the next call', async () => {
  const before = await admin.discover({ kind: 'subscribePattern', pattern: 'events\\..*' })
  assert.deepEqual([...new Set(before.map((p) => p.topic))], ['events.a', 'events.b'])
  assert.equal(before.length, 6)
  await mock.createTopic('events.c', 5)
  const after = await admin.discover({ kind: 'subscribePattern', pattern: 'events\\..*' })
  assert.deepEqual([...new Set(after.map((p) => p.topic))], ['events.a', 'events.b', 'events.c'])
  assert.equal(after.filter((p) => p.topic === 'events.c').length, 5)
  const none = await admin.discover({ kind: 'subscribePattern', pattern: 'events' })
  assert.deepEqual(none, [])
})

test('an invalid pattern names the field', async () => {
  await assert.rejects(
    admin.discover({ kind: 'subscribePattern', pattern: 'events[' }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_KAFKA_TOPIC_PATTERN') && err.message.includes('subscribePattern'),
  )
})

test('assign: only the listed partitions; missing topics or partitions are errors', async () => {
  const parts = await admin.discover({ kind: 'assign', partitions: { other: [2, 0] } })
  assert.deepEqual(parts.map((p) => p.partition), [0, 2])
  await assert.rejects(
    admin.discover({ kind: 'assign', partitions: { other: [1, 7] } }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_KAFKA_TOPIC_NOT_FOUND') &&
      /partitions 7 of topic 'other' do not exist \(it has 3\)/.test(err.message) &&
      err.message.includes('source.assign'),
  )
  await assert.rejects(
    admin.discover({ kind: 'assign', partitions: { nope: [0] } }),
    (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_TOPIC_NOT_FOUND'),
  )
})

test('subscribe to a missing topic fails without creating it', async () => {
  await assert.rejects(
    admin.discover({ kind: 'subscribe', topics: ['events.a', 'missing-topic'] }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_KAFKA_TOPIC_NOT_FOUND') &&
      err.message.includes("'missing-topic'") &&
      err.message.includes('source.subscribe') &&
      !err.retriable,
  )
  const again = await admin.discover({ kind: 'subscribePattern', pattern: 'missing.*' })
  assert.deepEqual(again, [], 'the failed subscribe did not auto-create the topic')
})

test('offsets: earliest and latest per partition; leaders serve FetchClient reads', async () => {
  await producer.send({
    topic: 'events.a',
    messages: [
      { partition: 0, value: 'a' },
      { partition: 0, value: 'b' },
      { partition: 2, value: 'c' },
      { partition: 3, value: 'd' },
      { partition: 3, value: 'e' },
      { partition: 3, value: 'f' },
    ],
  })
  const parts = await admin.discover({ kind: 'subscribe', topics: ['events.a'] })
  const { earliest, latest } = await admin.offsets(parts)
  assert.deepEqual(
    parts.map((p) => [earliest.get(partitionKey(p.topic, p.partition)), latest.get(partitionKey(p.topic, p.partition))]),
    [[0, 2], [0, 0], [0, 1], [0, 3]],
  )
  const fc = new FetchClient({
    clientId: 'kafka-admin-test',
    requestTimeoutMs: 5_000,
    maxPartitionFetchBytes: 1 << 20,
    fetchMaxBytes: 1 << 20,
    fetchMaxWaitMs: 100,
  })
  try {
    let total = 0
    for (const p of parts) {
      const end = latest.get(partitionKey(p.topic, p.partition))!
      const res = await fc.readRange({ ...p, start: 0, end }, () => {})
      assert.equal(res.records, end, `${p.topic}-${p.partition} via broker ${p.leader.nodeId}`)
      total += res.records
    }
    assert.equal(total, 6)
  } finally {
    await fc.close()
  }
})

test('commitGroupOffsets: a group nobody joined shows the offsets to lag tools', async () => {
  await admin.commitGroupOffsets('sluice-monitor', [
    { topic: 'events.a', partition: 0, offset: 2 },
    { topic: 'events.a', partition: 3, offset: 1 },
    { topic: 'other', partition: 1, offset: 0 },
  ])
  const ka = kafka.admin()
  await ka.connect()
  try {
    const got = await ka.fetchOffsets({ groupId: 'sluice-monitor', topics: ['events.a'] })
    const byPartition = Object.fromEntries(got[0]!.partitions.map((p) => [p.partition, p.offset]))
    assert.equal(byPartition[0], '2')
    assert.equal(byPartition[3], '1')
    // A later commit moves them forward.
    await admin.commitGroupOffsets('sluice-monitor', [{ topic: 'events.a', partition: 0, offset: 5 }])
    const again = await ka.fetchOffsets({ groupId: 'sluice-monitor', topics: ['events.a'] })
    assert.equal(again[0]!.partitions.find((p) => p.partition === 0)!.offset, '5')
  } finally {
    await ka.disconnect()
  }
})

test('unreachable bootstrap servers: SLUICE_KAFKA_CONNECT listing them', async () => {
  const net = await import('node:net')
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  const bad = new KafkaAdmin({ bootstrapServers: [`127.0.0.1:${port}`], clientId: 'x', requestTimeoutMs: 1_000 })
  await assert.rejects(bad.connect(), (err: unknown) => {
    assert.ok(isSluiceError(err, 'SLUICE_KAFKA_CONNECT'), String(err))
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
    assert.match(err.message, /kafka\.bootstrap\.servers/)
    assert.equal(err.retriable, true)
    return true
  })
  await bad.close()
})

test('use before connect is a clear error', async () => {
  const idle = new KafkaAdmin({ bootstrapServers: mock.brokers, clientId: 'x', requestTimeoutMs: 1_000 })
  await assert.rejects(
    idle.discover({ kind: 'subscribe', topics: ['other'] }),
    (err: unknown) => isSluiceError(err, 'SLUICE_KAFKA_NOT_CONNECTED'),
  )
})
