/**
 * Fetch + decode throughput on one thread: sluice's FetchClient (Kafka protocol over `net`,
 * RecordBatch v2 decoded in place) against a kafkajs consumer (eachBatch, no processing), on
 * the same pre-filled partitions of one librdkafka mock broker, with kcat's consume as the
 * ceiling. Alternating order, several repetitions; prints one JSON document.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/decode.bench.js [--partitions 8] [--records 40000] [--reps 3]
 *
 * Each side touches every value (sums value lengths) so neither can skip work. The kafkajs
 * clock starts at its first batch (group join excluded); FetchClient's includes connecting.
 */
import { execFileSync, spawn } from 'node:child_process'
import os from 'node:os'
import { Kafka, logLevel } from 'kafkajs'
import { createRecordView, FetchClient, fillRecord } from '../src/kafka/index.js'
import { KafkaAdmin } from '../src/kafka-admin/index.js'
import { startKafkaMock } from '../test/helpers/kafka-mock.js'

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}

const PARTITIONS = arg('partitions', 8)
const RECORDS_PER_PARTITION = arg('records', 40_000) // ~3.6 MB per partition: under the mock's ~5 MB retention
const REPS = arg('reps', 3)
const SEND_BATCH = 5_000
const TOPIC = 'bench'

function value(n: number): string {
  return JSON.stringify({ id: n, ts: '2025-07-02T23:00:00.000Z', user: `user-${n % 1000}`, message: 'hello world from sluice' })
}

async function sluiceRead(bootstrap: string[], total: number): Promise<{ ms: number; records: number; bytes: number }> {
  const admin = new KafkaAdmin({ bootstrapServers: bootstrap, clientId: 'bench', requestTimeoutMs: 10_000 })
  await admin.connect()
  const parts = await admin.discover({ kind: 'subscribe', topics: [TOPIC] })
  const { latest } = await admin.offsets(parts)
  await admin.close()
  const fc = new FetchClient({
    clientId: 'bench',
    requestTimeoutMs: 10_000,
    maxPartitionFetchBytes: 4 << 20,
    fetchMaxBytes: 50 << 20,
    fetchMaxWaitMs: 100,
  })
  const rec = createRecordView()
  let records = 0
  let bytes = 0
  const t0 = performance.now()
  for (const p of parts) {
    await fc.readRange({ ...p, start: 0, end: latest.get(`${p.topic}:${p.partition}`)! }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        fillRecord(chunk, i, rec)
        bytes += rec.valueEnd - rec.valueStart
      }
      records += chunk.count
    })
  }
  const ms = performance.now() - t0
  await fc.close()
  if (records !== total) throw new Error(`FetchClient read ${records}, expected ${total}`)
  return { ms, records, bytes }
}

async function kafkajsRead(bootstrap: string[], total: number, rep: number): Promise<{ ms: number; records: number; bytes: number }> {
  const kafka = new Kafka({ brokers: bootstrap, clientId: 'bench', logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `bench-${rep}-${Date.now()}`, maxBytesPerPartition: 4 << 20, maxBytes: 50 << 20 })
  await consumer.connect()
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
  let records = 0
  let bytes = 0
  let t0 = 0
  const ms = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (t0 === 0) t0 = performance.now()
          for (const m of batch.messages) bytes += m.value?.length ?? 0
          records += batch.messages.length
          if (records >= total) resolve(performance.now() - t0)
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  if (records !== total) throw new Error(`kafkajs read ${records}, expected ${total}`)
  return { ms, records, bytes }
}

function kcatRead(bootstrap: string, total: number): Promise<{ ms: number; records: number } | null> {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' })
  } catch {
    return Promise.resolve(null)
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    let lines = 0
    child.stdout.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) lines++
    })
    child.on('error', reject)
    child.on('close', () => {
      const ms = performance.now() - t0
      if (lines !== total) reject(new Error(`kcat read ${lines}, expected ${total}`))
      else resolve({ ms, records: lines })
    })
  })
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b)
  return { median: Math.round(s[Math.floor(s.length / 2)]!), min: Math.round(s[0]!), max: Math.round(s.at(-1)!) }
}

async function main(): Promise<void> {
  const mock = await startKafkaMock({ brokers: 1, topics: [{ name: TOPIC, partitions: PARTITIONS }] })
  try {
    const kafka = new Kafka({ brokers: mock.brokers, clientId: 'bench', logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    let n = 0
    for (let p = 0; p < PARTITIONS; p++) {
      for (let done = 0; done < RECORDS_PER_PARTITION; done += SEND_BATCH) {
        const messages = []
        for (let i = 0; i < Math.min(SEND_BATCH, RECORDS_PER_PARTITION - done); i++) {
          messages.push({ partition: p, value: value(n++) })
        }
        await producer.send({ topic: TOPIC, messages })
      }
    }
    await producer.disconnect()
    const total = PARTITIONS * RECORDS_PER_PARTITION

    const runs: Record<'sluice' | 'kafkajs' | 'kcat', number[]> = { sluice: [], kafkajs: [], kcat: [] }
    let valueBytes = 0
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? ['sluice', 'kafkajs', 'kcat'] : ['kcat', 'kafkajs', 'sluice']
      for (const who of order) {
        if (who === 'sluice') {
          const r = await sluiceRead(mock.brokers, total)
          valueBytes = r.bytes
          runs.sluice.push((r.records / r.ms) * 1000)
        } else if (who === 'kafkajs') {
          const r = await kafkajsRead(mock.brokers, total, rep)
          runs.kafkajs.push((r.records / r.ms) * 1000)
        } else {
          const r = await kcatRead(mock.bootstrap, total)
          if (r) runs.kcat.push((r.records / r.ms) * 1000)
        }
      }
    }
    const s = stats(runs.sluice)
    const k = stats(runs.kafkajs)
    const c = runs.kcat.length > 0 ? stats(runs.kcat) : null
    console.log(
      JSON.stringify(
        {
          bench: 'decode',
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
          data: { partitions: PARTITIONS, records: total, avgValueBytes: Math.round(valueBytes / total), recordsPerBatch: SEND_BATCH },
          reps: REPS,
          recordsPerSecond: { sluiceFetchClient: s, kafkajsEachBatch: k, kcat: c },
          ratio: {
            sluiceOverKafkajs: Number((s.median / k.median).toFixed(2)),
            sluiceOverKcat: c ? Number((s.median / c.median).toFixed(2)) : null,
          },
          notes: 'one thread; sluice includes connecting, kafkajs excludes group join; kcat includes process start',
        },
        null,
        2,
      ),
    )
  } finally {
    await mock.stop()
  }
}

await main()
