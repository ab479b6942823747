/**
 * The load generator against the librdkafka mock cluster: exact counts, unique and complete ids,
 * round-robin partitions, the timestamp span, keys, the typed profile, abort, and its errors.
 * Records are read back with kcat (librdkafka), not with the client that wrote them.
 */
import { execFile } from 'node:child_process'
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { isSluiceError } from '../../src/errors.js'
import { parseLoadgenMessage, runLoadgen } from '../../src/loadgen/index.js'
import { type KafkaMock, startKafkaMock } from '../helpers/kafka-mock.js'

const run = promisify(execFile)
const HOUR = 3_600_000

interface ReadRecord {
  partition: number
  offset: number
  timestampMs: number
  key: string
  value: string
}

/** Every record of the topic, via kcat. */
async function readAll(bootstrap: string, topic: string): Promise<ReadRecord[]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%T\t%k\t%s\n'],
    { maxBuffer: 256 * 1024 * 1024 },
  )
  const out: ReadRecord[] = []
  for (const line of stdout.split('\n')) {
    if (line === '') continue
    const [p, o, t, k, v] = line.split('\t')
    out.push({ partition: Number(p), offset: Number(o), timestampMs: Number(t), key: k!, value: v! })
  }
  return out
}

let kafka: KafkaMock
before(async () => {
  kafka = await startKafkaMock({ brokers: 2 })
})
after(async () => {
  await kafka.stop()
})

test('produces exactly N records, each id once, round-robin, spread over the time span', async () => {
  const n = 20_000
  const partitions = 8
  const spanHours = 6
  const before = Date.now()
  const result = await runLoadgen(
    {
      bootstrap: kafka.bootstrap,
      topic: 'lg-exact',
      partitions,
      count: n,
      recordBytes: 80,
      timeSpanHours: spanHours,
      seed: 7,
    },
    undefined,
    { createTopic: (topic, count) => kafka.createTopic(topic, count) },
  )
  const afterRun = Date.now()
  assert.equal(result.produced, n)
  assert.equal(result.aborted, false)
  assert.equal(result.topicCreated, true)
  assert.equal(result.partitions, partitions)
  assert.deepEqual(result.perPartition, new Array(partitions).fill(n / partitions))
  assert.match(result.runId, /^[0-9a-f]{8}$/)

  const records = await readAll(kafka.bootstrap, 'lg-exact')
  assert.equal(records.length, n)
  const seen = new Uint8Array(n)
  const perPartition = new Array(partitions).fill(0)
  const hours = new Set<number>()
  let minTs = Number.POSITIVE_INFINITY
  let maxTs = Number.NEGATIVE_INFINITY
  for (const r of records) {
    const body = JSON.parse(r.value) as { message: string }
    assert.deepEqual(Object.keys(body), ['message'])
    assert.equal(body.message.length, 80)
    const id = parseLoadgenMessage(body.message)
    assert.ok(id, `not a loadgen message: ${body.message}`)
    assert.equal(id.runId, result.runId)
    assert.ok(id.seq >= 0 && id.seq < n, `seq ${id.seq} out of range`)
    assert.equal(seen[id.seq], 0, `seq ${id.seq} seen twice`)
    seen[id.seq] = 1
    assert.equal(r.partition, id.seq % partitions)
    assert.equal(r.timestampMs, id.timestampMs, 'Kafka timestamp equals the ts in the message')
    assert.equal(r.key, '')
    perPartition[r.partition]++
    hours.add(Math.floor(r.timestampMs / HOUR))
    minTs = Math.min(minTs, r.timestampMs)
    maxTs = Math.max(maxTs, r.timestampMs)
  }
  assert.equal(seen.indexOf(0), -1, 'every seq from 0 to N-1 is present')
  assert.deepEqual(perPartition, result.perPartition)
  // Spread over the last 6 hours before the run: [start - 6h, start).
  assert.ok(minTs >= before - spanHours * HOUR && minTs <= afterRun - spanHours * HOUR)
  assert.ok(maxTs < afterRun && maxTs >= minTs + spanHours * HOUR - 2 * (spanHours * HOUR) / n)
  assert.ok(hours.size >= spanHours, `records cover ${hours.size} clock hours`)
  assert.equal(result.firstTimestampMs, minTs)
  assert.equal(result.lastTimestampMs, maxTs)
})

test('seq keys, the typed profile and a rate limit', async () => {
  await kafka.createTopic('lg-typed', 3)
  const result = await runLoadgen({
    bootstrap: kafka.bootstrap,
    topic: 'lg-typed',
    count: 500,
    rate: 5000,
    keyMode: 'seq',
    profile: 'typed',
    recordBytes: 10,
  })
  assert.equal(result.produced, 500)
  assert.equal(result.topicCreated, false)
  const records = await readAll(kafka.bootstrap, 'lg-typed')
  assert.equal(records.length, 500)
  const seqs = new Set<number>()
  for (const r of records) {
    const body = JSON.parse(r.value) as { message: string; seq: number; ts: string }
    assert.deepEqual(Object.keys(body), ['message', 'seq', 'ts'])
    const id = parseLoadgenMessage(body.message)!
    assert.equal(body.seq, id.seq)
    assert.equal(Date.parse(body.ts), r.timestampMs)
    assert.equal(r.key, String(body.seq))
    // recordBytes below the id prefix: the text is just the prefix.
    assert.equal(body.message, `lg-${result.runId}-${body.seq} ${body.ts}`)
    seqs.add(body.seq)
  }
  assert.equal(seqs.size, 500)
})

test('the same seed gives the same messages', async () => {
  await kafka.createTopic('lg-seed', 1)
  const a = await runLoadgen({ bootstrap: kafka.bootstrap, topic: 'lg-seed', count: 50, seed: 3 })
  const b = await runLoadgen({ bootstrap: kafka.bootstrap, topic: 'lg-seed', count: 50, seed: 3 })
  assert.equal(a.runId, b.runId)
  const texts = (await readAll(kafka.bootstrap, 'lg-seed')).map(
    (r) => (JSON.parse(r.value) as { message: string }).message.split(' ').slice(2).join(' '),
  )
  assert.deepEqual(texts.slice(0, 50), texts.slice(50))
})

test('an abort stops the run with exact acknowledged counts', async () => {
  await kafka.createTopic('lg-abort', 4)
  const controller = new AbortController()
  const result = await runLoadgen(
    { bootstrap: kafka.bootstrap, topic: 'lg-abort', durationSec: 600, batchSize: 500 },
    controller.signal,
    {
      onProgress: (p) => {
        if (p.produced > 0) controller.abort()
      },
    },
  )
  assert.equal(result.aborted, true)
  assert.ok(result.produced > 0)
  const records = await readAll(kafka.bootstrap, 'lg-abort')
  assert.equal(records.length, result.produced)
  assert.deepEqual(
    [0, 1, 2, 3].map((p) => records.filter((r) => r.partition === p).length),
    result.perPartition,
  )
})

test('topic errors name the topic and the fix', async () => {
  await kafka.createTopic('lg-mismatch', 2)
  await assert.rejects(
    runLoadgen({ bootstrap: kafka.bootstrap, topic: 'lg-mismatch', partitions: 5, count: 1 }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_LOADGEN_TOPIC_MISMATCH') &&
      /'lg-mismatch' exists with 2 partitions but --partitions asks for 5/.test(err.message),
  )
  // The mock cluster has no controller, so the kafkajs admin cannot create topics there.
  await assert.rejects(
    runLoadgen({ bootstrap: kafka.bootstrap, topic: 'lg-missing', partitions: 3, count: 1 }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_LOADGEN_TOPIC_CREATE') &&
      err.message.includes("'topic lg-missing 3'"),
  )
})

test('an unreachable bootstrap fails with SLUICE_LOADGEN_CONNECT', async () => {
  const gone = await startKafkaMock()
  const bootstrap = gone.bootstrap
  await gone.stop()
  await assert.rejects(
    runLoadgen({ bootstrap, topic: 'x', count: 1 }),
    (err: unknown) =>
      isSluiceError(err, 'SLUICE_LOADGEN_CONNECT') && err.retriable && err.message.includes(bootstrap),
  )
})
