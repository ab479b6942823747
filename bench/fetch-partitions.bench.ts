/**
 * One Fetch request carrying many partitions of one broker vs one request per partition (issue 8
 * item 4), on a real Apache Kafka (the newest 4.x line of tools/kafka-real/versions, 1 broker)
 * with one topic of 32 partitions of ~100-byte JSON records (sluice loadgen).
 *
 *   (a0) per partition, full size: FetchClient.readRange per range, RANGES_IN_FLIGHT (8) ranges
 *       at once on one connection, pipelined one request ahead, every Fetch asking for
 *       kafka.max.partition.fetch.bytes (4 MiB): what a writer task did before fetch-sizing.ts;
 *   (a) the same with each Fetch sized to the rest of its range (FetchClient's default now);
 *   (b) multi-partition: one Fetch for every unfinished range of the broker, the next request
 *       sent as soon as the response is peeked (the same pipelining), every partition decoded.
 *
 * Two shapes of batch, each a different cost:
 *   - trigger: the seed job's batches, maxOffsetsPerTrigger 2000 over 32 partitions = 62 records
 *     per range, WINDOWS consecutive windows per repetition (request overhead dominates);
 *   - drain: each partition read whole (bytes dominate).
 * All decode every record (same decoder), so the differences are bytes, requests and round trips.
 * Reported: wall time (median of BENCH_REPS alternating repetitions, min-max), CPU-seconds of
 * this process (process.cpuUsage) and of the broker's JVM (/proc/<pid>/stat), requests sent.
 * Writes bench/results/fetch-partitions-<timestamp>.json.
 *
 *   make kafka-real && npx tsc -p tsconfig.json && node dist/bench/fetch-partitions.bench.js
 */
import { readFileSync } from 'node:fs'
import { BrokerConnection } from '../src/kafka/broker-connection.js'
import { fetchVersion } from '../src/kafka/fetch-protocol.js'
import { FetchClient } from '../src/kafka/index.js'
import { API_FETCH, type RequestWriter, ResponseReader } from '../src/kafka/protocol-codec.js'
import { decodeRecordSet, peekRecordSet } from '../src/kafka/record-batch.js'
import type { BrokerAddress } from '../src/kafka/types.js'
import { startKafkaReal } from '../test/helpers/kafka-real.js'
import { runCli } from '../test/helpers/sluice-process.js'
import { median, writeResult } from './drain-lib.js'

const TOPIC = 'fetch-bench'
const PARTITIONS = 32
const PER_PARTITION = Number(process.env.BENCH_PER_PARTITION ?? 20_000)
const REPS = Number(process.env.BENCH_REPS ?? 5)
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 30)
const PER_TRIGGER = 2000
const RANGES_IN_FLIGHT = 8
const PARTITION_MAX_BYTES = 4 << 20
const FETCH_MAX_BYTES = 50 << 20
const SIZED_PARTITION_BYTES = 64 << 10

interface Range {
  partition: number
  start: number
  end: number
}

interface Run {
  wallMs: number
  cpuMs: number
  brokerCpuMs: number
  requests: number
  records: number
}

/** Broker JVM CPU time in ms (utime + stime, clock ticks of 10 ms). */
function brokerCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function perPartition(leader: BrokerAddress, ranges: Range[][], partitionMaxBytes: number, sizeFetchesToRange = false): Promise<{ requests: number; records: number }> {
  const fc = new FetchClient({ clientId: 'bench-a', requestTimeoutMs: 30_000, maxPartitionFetchBytes: partitionMaxBytes, fetchMaxBytes: FETCH_MAX_BYTES, fetchMaxWaitMs: 500, sizeFetchesToRange })
  let requests = 0
  let records = 0
  try {
    for (const batch of ranges) {
      const queue = [...batch]
      const lanes = Array.from({ length: Math.min(RANGES_IN_FLIGHT, queue.length) }, async () => {
        for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
          const res = await fc.readRange({ topic: TOPIC, ...r, leader }, (chunk) => {
            records += chunk.count
          })
          requests += res.fetches
        }
      })
      await Promise.all(lanes)
    }
  } finally {
    await fc.close()
  }
  return { requests, records }
}

/** One Fetch body for many partitions of TOPIC (v4-v11, no fetch session). */
function writeMultiFetch(w: RequestWriter, v: number, parts: { partition: number; offset: number; maxBytes: number }[]): void {
  w.int32(-1).int32(500).int32(1).int32(FETCH_MAX_BYTES).int8(0)
  if (v >= 7) w.int32(0).int32(-1)
  w.int32(1).string(TOPIC).int32(parts.length)
  for (const p of parts) {
    w.int32(p.partition)
    if (v >= 9) w.int32(-1)
    w.int64(p.offset)
    if (v >= 5) w.int64(-1)
    w.int32(p.maxBytes)
  }
  if (v >= 7) w.int32(0)
  if (v >= 11) w.string('')
}

function readMultiFetch(body: Buffer, v: number): { partition: number; errorCode: number; start: number; end: number }[] {
  const r = new ResponseReader(body)
  r.int32()
  if (v >= 7) {
    const top = r.int16()
    r.int32()
    if (top !== 0) throw new Error(`Fetch error ${top}`)
  }
  const out: { partition: number; errorCode: number; start: number; end: number }[] = []
  const topics = r.int32()
  for (let t = 0; t < topics; t++) {
    r.string()
    const n = r.int32()
    for (let i = 0; i < n; i++) {
      const partition = r.int32()
      const errorCode = r.int16()
      r.int64()
      r.int64()
      if (v >= 5) r.int64()
      const aborted = r.int32()
      for (let a = 0; a < aborted; a++) {
        r.int64()
        r.int64()
      }
      if (v >= 11) r.int32()
      const size = r.int32()
      const start = r.pos
      if (size > 0) r.skip(size)
      out.push({ partition, errorCode, start, end: size > 0 ? start + size : start })
    }
  }
  return out
}

async function multiPartition(leader: BrokerAddress, ranges: Range[][], partitionMaxBytes: number): Promise<{ requests: number; records: number }> {
  const conn = new BrokerConnection(leader, 'bench-b', 30_000)
  await conn.connect()
  let requests = 0
  let records = 0
  try {
    const v = fetchVersion(conn)
    for (const batch of ranges) {
      const byPartition = new Map(batch.map((r) => [r.partition, r]))
      const next = new Map(batch.map((r) => [r.partition, r.start]))
      // Only the first partition of a response gets a whole batch larger than its limit
      // (KIP-74); the others get it cut, so their limit doubles until it fits (as FetchClient).
      const size = new Map(batch.map((r) => [r.partition, partitionMaxBytes]))
      const send = (): Promise<Buffer> | null => {
        const parts = batch
          .filter((r) => next.get(r.partition)! < r.end)
          .map((r) => ({ partition: r.partition, offset: next.get(r.partition)!, maxBytes: size.get(r.partition)! }))
        if (parts.length === 0) return null
        requests++
        return conn.request(API_FETCH, v, (w) => writeMultiFetch(w, v, parts))
      }
      let inflight = send()
      while (inflight !== null) {
        const body = await inflight
        const parts = readMultiFetch(body, v)
        const from = new Map(next)
        for (const p of parts) {
          if (p.errorCode !== 0) throw new Error(`partition ${p.partition}: error ${p.errorCode}`)
          const r = byPartition.get(p.partition)!
          const peek = peekRecordSet(body, p.start, p.end, from.get(p.partition)!, r.end)
          next.set(p.partition, peek.nextOffset)
          if (peek.batches === 0 && peek.partial) size.set(p.partition, Math.min(size.get(p.partition)! * 2, 256 << 20))
        }
        inflight = send()
        for (const p of parts) {
          const r = byPartition.get(p.partition)!
          records += decodeRecordSet(body, p.start, p.end, TOPIC, p.partition, from.get(p.partition)!, r.end).chunk.count
        }
      }
    }
  } finally {
    await conn.close()
  }
  return { requests, records }
}

async function measure(fn: () => Promise<{ requests: number; records: number }>, pid: number): Promise<Run> {
  const c0 = process.cpuUsage()
  const b0 = brokerCpuMs(pid)
  const t0 = performance.now()
  const r = await fn()
  const wallMs = performance.now() - t0
  const c = process.cpuUsage(c0)
  return { wallMs, cpuMs: (c.user + c.system) / 1000, brokerCpuMs: brokerCpuMs(pid) - b0, ...r }
}

function summarise(runs: Run[]) {
  const m = (k: keyof Run) => Math.round(median(runs.map((r) => r[k])) * 10) / 10
  return {
    wallMs: m('wallMs'),
    wallMinMax: [Math.round(Math.min(...runs.map((r) => r.wallMs))), Math.round(Math.max(...runs.map((r) => r.wallMs)))],
    cpuMs: m('cpuMs'),
    brokerCpuMs: m('brokerCpuMs'),
    requests: runs[0]!.requests,
    records: runs[0]!.records,
  }
}

async function main(): Promise<void> {
  const kafka = await startKafkaReal({ version: '4', topics: [{ name: TOPIC, partitions: PARTITIONS, replication: 1, config: { 'retention.ms': '-1' } }] })
  try {
    const gen = await runCli(['loadgen', '--bootstrap', kafka.bootstrap, '--topic', TOPIC, '--partitions', String(PARTITIONS), '--rate', '0', '--count', String(PARTITIONS * PER_PARTITION)], {}, 600_000)
    if (gen.code !== 0) throw new Error(`loadgen: ${gen.stderr}`)
    const [host, port] = kafka.brokers[0]!.split(':') as [string, string]
    const leader = { nodeId: 1, host, port: Number(port) }
    const pid = kafka.pid(1)!
    // Partition sizes (loadgen spreads records; the key mode decides how evenly).
    const ends = await partitionEnds(leader)
    const perRange = Math.floor(PER_TRIGGER / PARTITIONS)
    const trigger: Range[][] = Array.from({ length: WINDOWS }, (_, w) =>
      ends.map((end, p) => ({ partition: p, start: Math.min(w * perRange, end), end: Math.min((w + 1) * perRange, end) })).filter((r) => r.end > r.start),
    )
    const drain: Range[][] = [ends.map((end, p) => ({ partition: p, start: 0, end }))]
    // (a0) FetchClient asking for the full 4 MiB on every Fetch (before fetch-sizing.ts): a
    // range of 62 records then carries up to 4 MiB past its end; (a) FetchClient as it is,
    // each Fetch sized to the rest of its range; (b) one multi-partition Fetch, 64 KiB per
    // partition for trigger-sized ranges (sized as (a) would), 4 MiB for the drain.
    const shapes: [string, Range[][], number][] = [
      ['trigger', trigger, SIZED_PARTITION_BYTES],
      ['drain', drain, PARTITION_MAX_BYTES],
    ]
    const result: Record<string, unknown> = {}
    for (const [shape, ranges, multiBytes] of shapes) {
      const contenders: [string, () => Promise<{ requests: number; records: number }>][] = [
        ['perPartitionFull', () => perPartition(leader, ranges, PARTITION_MAX_BYTES, false)],
        ['perPartitionSized', () => perPartition(leader, ranges, PARTITION_MAX_BYTES, true)],
        ['multiPartition', () => multiPartition(leader, ranges, multiBytes)],
      ]
      const runs = new Map<string, Run[]>(contenders.map(([n]) => [n, []]))
      for (const [, fn] of contenders) await fn() // warm-up (JIT, page cache), not counted
      for (let rep = 0; rep < REPS; rep++) {
        const order = rep % 2 === 0 ? contenders : [...contenders].reverse()
        for (const [name, fn] of order) runs.get(name)!.push(await measure(fn, pid))
      }
      const sum = Object.fromEntries([...runs].map(([n, r]) => [n, summarise(r)]))
      const ratio = (x: number, y: number) => (y > 0 ? Math.round((x / y) * 100) / 100 : null)
      const full = sum.perPartitionFull!
      const sized = sum.perPartitionSized!
      const multi = sum.multiPartition!
      result[shape] = {
        ranges: ranges.reduce((n, r) => n + r.length, 0),
        ...sum,
        sizing: { wall: ratio(full.wallMs, sized.wallMs), cpu: ratio(full.cpuMs, sized.cpuMs), brokerCpu: ratio(full.brokerCpuMs, sized.brokerCpuMs) },
        multiOverSized: { wall: ratio(sized.wallMs, multi.wallMs), cpu: ratio(sized.cpuMs, multi.cpuMs), brokerCpu: ratio(sized.brokerCpuMs, multi.brokerCpuMs) },
      }
      process.stderr.write(`${shape}: ${JSON.stringify(result[shape])}\n`)
    }
    await writeResult('fetch-partitions', {
      kafka: kafka.version,
      partitions: PARTITIONS,
      recordsPerPartition: PER_PARTITION,
      reps: REPS,
      note: 'machine shared with other jobs (load average ~15); sizing = perPartitionFull / perPartitionSized, multiOverSized = perPartitionSized / multiPartition (above 1: the second is cheaper)',
      ...result,
    })
  } finally {
    await kafka.stop()
  }
}

/** High watermark of each partition (ListOffsets latest, one request). */
async function partitionEnds(leader: BrokerAddress): Promise<number[]> {
  const conn = new BrokerConnection(leader, 'bench-offsets', 30_000)
  await conn.connect()
  try {
    const body = await conn.request(2, 2, (w) => {
      w.int32(-1).int8(0).int32(1).string(TOPIC).int32(PARTITIONS)
      for (let p = 0; p < PARTITIONS; p++) w.int32(p).int64(-1)
    })
    const r = new ResponseReader(body)
    r.int32()
    r.int32()
    r.string()
    const n = r.int32()
    const ends = new Array<number>(PARTITIONS).fill(0)
    for (let i = 0; i < n; i++) {
      const p = r.int32()
      r.int16()
      r.int64()
      ends[p] = r.int64()
    }
    return ends
  } finally {
    await conn.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
