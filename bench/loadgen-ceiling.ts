/**
 * The load generator's ceiling: `sluice loadgen` at full speed against the embedded mock Kafka,
 * per thread count, codec and record size; plus record building alone. Prints one JSON line per
 * cell. Run on a quiet machine: `node dist/bench/loadgen-ceiling.js` (docs/cli.md holds figures).
 */
import { execFileSync } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { RecordFactory, resolveLoadgenOptions } from '../src/loadgen/index.js'
import { startKafkaMock } from '../test/helpers/kafka-mock.js'
import { cliPath } from '../test/helpers/sluice-process.js'

const CELLS: [threads: number, codec: string, bytes: number][] = [
  [1, 'none', 70],
  [2, 'none', 70],
  [1, 'gzip', 70],
  [2, 'lz4', 70],
  [1, 'none', 1000],
  [2, 'none', 1000],
]

function buildRate(template?: string): number {
  const o = resolveLoadgenOptions({ bootstrap: 'h:1', topic: 't', count: 1, recordBytes: 70, template })
  const f = new RecordFactory(o, { runId: '01234567', seed: 1, partitions: 8, timeAt: (s) => 1e12 + s })
  const n = 300_000
  const t0 = performance.now()
  for (let i = 0; i < n; i++) f.build(i)
  return Math.round((n * 1000) / (performance.now() - t0))
}

async function main(): Promise<void> {
  process.stdout.write(`${JSON.stringify({ cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg: loadavg() })}\n`)
  process.stdout.write(`${JSON.stringify({ build: 'message', recordsPerSec: buildRate() })}\n`)
  process.stdout.write(`${JSON.stringify({ build: 'template', recordsPerSec: buildRate('{"id":{"$seq":true},"level":{"$enum":["a","b"]},"n":{"$int":[1,100]},"message":{"$message":true}}') })}\n`)
  const kafka = await startKafkaMock({ brokers: 1, topics: CELLS.map((_, i) => ({ name: `ceiling-${i}`, partitions: 8 })) })
  try {
    for (const [i, [threads, codec, bytes]] of CELLS.entries()) {
      const count = bytes > 500 ? 100_000 : 300_000
      const out = execFileSync(process.execPath, [cliPath, 'loadgen', '--bootstrap', kafka.bootstrap, '--topic', `ceiling-${i}`, '--count', String(count), '--threads', String(threads), '--compression', codec, '--record-bytes', String(bytes), '--progress', 'off'], { encoding: 'utf8' })
      const s = JSON.parse(out.trim().split('\n').pop()!) as { produced: number; ratePerSec: number; valueBytes: number; durationMs: number; latencyMs: { p50: number; p99: number } }
      process.stdout.write(`${JSON.stringify({ threads, codec, bytes, produced: s.produced, recordsPerSec: Math.round(s.ratePerSec), MBps: +(s.valueBytes / s.durationMs / 1000).toFixed(1), p50: s.latencyMs.p50, p99: s.latencyMs.p99 })}\n`)
    }
  } finally {
    await kafka.stop()
  }
}

void main()
