/**
 * The librdkafka mock-cluster launcher (tools/kafka-mock) and its test helper: real kafkajs
 * clients talk to it over loopback; fault commands change what those clients see; the launcher
 * never outlives its parent.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { eventually } from '../helpers/eventually.js'
import { Kafka, logLevel } from 'kafkajs'
import { type KafkaMock, kafkaMockBinary, startKafkaMock } from '../helpers/kafka-mock.js'

const started: KafkaMock[] = []
after(async () => {
  await Promise.all(started.map((m) => m.stop()))
})

async function start(...args: Parameters<typeof startKafkaMock>): Promise<KafkaMock> {
  const mock = await startKafkaMock(...args)
  started.push(mock)
  return mock
}

function client(mock: KafkaMock, retries = 5): Kafka {
  return new Kafka({
    clientId: 'kafka-mock-test',
    brokers: mock.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries, initialRetryTime: 50, maxRetryTime: 500 },
  })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  await eventually(`kafka-mock pid ${pid} gone`, () => !isAlive(pid), 10_000, { intervalMs: 50 }).catch(() => {})
  return !isAlive(pid)
}

test('admin and producer work; fetchTopicOffsets shows the produced counts', async () => {
  const mock = await start({ brokers: 3, topics: [{ name: 'orders', partitions: 4 }] })
  assert.equal(mock.brokers.length, 3)
  for (const b of mock.brokers) assert.match(b, /^127\.0\.0\.1:\d+$/)

  const kafka = client(mock)
  const admin = kafka.admin()
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await Promise.all([admin.connect(), producer.connect()])
  try {
    assert.ok((await admin.listTopics()).includes('orders'))
    const perPartition = [5, 0, 17, 3]
    for (let p = 0; p < perPartition.length; p++) {
      const messages = Array.from({ length: perPartition[p]! }, (_, i) => ({
        value: JSON.stringify({ message: `p${p}-${i}` }),
        partition: p,
      }))
      if (messages.length > 0) await producer.send({ topic: 'orders', acks: 1, messages })
    }
    const offsets = await admin.fetchTopicOffsets('orders')
    const byPartition = offsets
      .sort((a, b) => a.partition - b.partition)
      .map((o) => Number(o.high) - Number(o.low))
    assert.deepEqual(byPartition, perPartition)
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()])
  }
})

test('topic command creates a topic; bad commands answer ERR and reject', async () => {
  const mock = await start()
  await mock.createTopic('made-later', 6)
  await mock.command('ping')

  const admin = client(mock).admin()
  await admin.connect()
  try {
    const meta = await admin.fetchTopicMetadata({ topics: ['made-later'] })
    assert.equal(meta.topics[0]!.partitions.length, 6)
  } finally {
    await admin.disconnect()
  }

  await assert.rejects(mock.createTopic('made-later', 6), /TOPIC_ALREADY_EXISTS/)
  await assert.rejects(mock.command('no-such-command 1'), /unknown command/)
  await assert.rejects(mock.command('request-errors Fetch 1 NOT_A_CODE'), /unknown error code/)
  await assert.rejects(mock.command('leader made-later 0 99'), /BROKER_NOT_AVAILABLE/)
  await assert.rejects(mock.command('two\nlines'), /one line/)
  // The line protocol is still in step after the errors.
  await mock.command('ping')
})

test('fault commands answer OK', async () => {
  const mock = await start({ brokers: 3, topics: [{ name: 'faults', partitions: 3 }] })
  for (const line of [
    'rtt 2 5',
    'rtt 2 0',
    'leader faults 0 3',
    'request-errors Fetch 2 NOT_LEADER_FOR_PARTITION',
    'request-errors 2 1 6',
    'clear-request-errors Fetch',
    'clear-request-errors ListOffsets',
    'topic-error faults UNKNOWN_TOPIC_OR_PART',
    'topic-error faults 0',
    'coordinator group my-group 2',
    'broker-down 3',
    'broker-up 3',
  ]) {
    await mock.command(line)
  }
})

test('broker-down makes requests fail; broker-up recovers', async () => {
  const mock = await start({ topics: [{ name: 'downtime', partitions: 2 }] })
  await mock.command('broker-down 1')
  const down = client(mock, 1).admin()
  await assert.rejects(async () => {
    await down.connect()
    await down.fetchTopicOffsets('downtime')
  })
  await down.disconnect()

  await mock.command('broker-up 1')
  const up = client(mock).admin()
  await up.connect()
  try {
    const offsets = await up.fetchTopicOffsets('downtime')
    assert.equal(offsets.length, 2)
  } finally {
    await up.disconnect()
  }
})

test('request-errors fails the next requests of that API key, then they succeed', async () => {
  const mock = await start({ topics: [{ name: 'flaky', partitions: 1 }] })
  const admin = client(mock, 0).admin()
  await admin.connect()
  try {
    // 29 = TOPIC_AUTHORIZATION_FAILED: not retriable in kafkajs, so the error surfaces as is.
    await mock.command('request-errors ListOffsets 1 TOPIC_AUTHORIZATION_FAILED')
    await assert.rejects(admin.fetchTopicOffsets('flaky'), /authoriz/i)
    const offsets = await admin.fetchTopicOffsets('flaky')
    assert.equal(offsets.length, 1)
  } finally {
    await admin.disconnect()
  }
})

test('stop() ends the process; stdin EOF and SIGTERM end the launcher with code 0', async () => {
  const mock = await startKafkaMock()
  assert.ok(isAlive(mock.pid))
  await mock.stop()
  assert.equal(isAlive(mock.pid), false)
  await mock.stop()
  await assert.rejects(mock.command('ping'), /stopped/)

  const bin = await kafkaMockBinary()
  for (const how of ['eof', 'sigterm'] as const) {
    const child = spawn(bin, ['--brokers', '2'], { stdio: ['pipe', 'pipe', 'inherit'] })
    const [first] = (await once(child.stdout, 'data')) as [Buffer]
    assert.match(first.toString(), /^BOOTSTRAP 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\n$/)
    if (how === 'eof') child.stdin.end()
    else child.kill('SIGTERM')
    const [code, signal] = await once(child, 'exit')
    assert.deepEqual({ how, code, signal }, { how, code: 0, signal: null })
  }
})

test('the launcher exits when its parent is killed (stdin EOF)', async () => {
  const helper = fileURLToPath(new URL('../helpers/kafka-mock.js', import.meta.url))
  const script = `
    const { startKafkaMock } = await import(${JSON.stringify(helper)})
    const m = await startKafkaMock()
    process.stdout.write(String(m.pid) + '\\n')
    setInterval(() => {}, 1000)
  `
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [chunk] = (await once(parent.stdout, 'data')) as [Buffer]
  const pid = Number(chunk.toString().trim())
  assert.ok(pid > 0 && isAlive(pid))
  parent.kill('SIGKILL')
  await once(parent, 'exit')
  assert.equal(await waitUntilGone(pid), true, `kafka-mock pid ${pid} outlived its parent`)
})

test('a bad --topic argument fails the start with the launcher message', async () => {
  await assert.rejects(
    startKafkaMock({ topics: [{ name: 'x', partitions: 0 }] }),
    /partitions must be an integer >= 1/,
  )
})
