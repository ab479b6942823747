/**
 * The read path's per-record projection, the string way against the byte way (issue 11): the
 * seed job's projection (from_json `message STRING`, kafka_timestamp, dt/dth partitions) over
 * loadgen-shaped ~100-byte records, ending with the row's bytes in a block:
 *   string: Projection.project (utf-8 decode, JSON.parse, fill, line string) + utf8Write;
 *   bytes:  Projection.projectBytes (json-scan.ts + projection-bytes.ts) into a sink.
 * CPU-ns per record (process.cpuUsage around each case: the machine is shared), medians of REPS
 * alternating repetitions.
 *
 *   node dist/bench/project-bytes.bench.js
 */
import { compileProjection, parseSchema, type KafkaRecord, type ProjectedRow, type RowSink } from '../src/sql/index.js'
import { randomText, REPS } from './micro-lib.js'

const N = 1024
const FILLER = 'abcdefghijklmnopqrstuvwxyz '
// One partition of bench/drain-lib.ts's topic: 30,000 records over 6 hours, ~0.7 s apart (BENCH_TS_STEP_MS).
const STEP = Number(process.env.BENCH_TS_STEP_MS ?? 720)
const t0 = Date.UTC(2025, 6, 2, 20, 0, 0)
const values = Array.from({ length: N }, (_, i) => {
  const ts = new Date(t0 + i * STEP).toISOString()
  const msg = `lg-0f3a9c21-${i} ${ts} ${randomText(70 - 40, i + 1, FILLER)}`
  return Buffer.from(JSON.stringify({ message: msg }))
})
// One fetch buffer holding all values, as a decoded Kafka chunk does.
const all = Buffer.concat(values)
const recs: KafkaRecord[] = []
let at = 0
for (let i = 0; i < N; i++) {
  recs.push({ topic: 'drain', partition: 0, offset: i, timestamp: t0 + i * STEP, timestampType: 0, buf: all, keyStart: -1, keyEnd: -1, valueStart: at, valueEnd: at + values[i]!.length, headers: null })
  at += values[i]!.length
}
const bytes = at / N

const projection = compileProjection({
  schema: parseSchema('message STRING'),
  select: ['json_data.*', 'timestamp AS kafka_timestamp', "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"],
  partitionBy: ['dt', 'dth'],
  timeZone: 'UTC',
  mode: 'PERMISSIVE',
  columnNameOfCorruptRecord: '_corrupt_record',
  includeHeaders: false,
})
const fast = projection.projectBytes!

const block = Buffer.allocUnsafeSlow(1 << 20)
let pos = 0
const sink: RowSink = {
  pos: 0,
  room(_dir: string, need: number): Buffer {
    if (block.length - pos < need + 1) pos = 0
    this.pos = pos
    return block
  },
  commit(end: number): void {
    block[end] = 10
    pos = end + 1
  },
}
const row: ProjectedRow = { line: '', partitionPath: '', corrupt: false }
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number }

function viaString(i: number): number {
  projection.project(recs[i & (N - 1)]!, row)
  const line = row.line
  if (block.length - pos < line.length * 3 + 1) pos = 0
  pos += (block as Utf8Writable).utf8Write(line, pos)
  block[pos++] = 10
  return pos
}

function viaBytes(i: number): number {
  if (!fast(recs[i & (N - 1)]!, sink)) throw new Error('the byte projection refused a seed record')
  return pos
}

// Same output first: the bench is meaningless otherwise.
for (let i = 0; i < N; i++) {
  pos = 0
  viaString(i)
  const a = block.toString('utf8', 0, pos)
  pos = 0
  viaBytes(i)
  const b = block.toString('utf8', 0, pos)
  if (a !== b) throw new Error(`outputs differ for record ${i}: ${a} vs ${b}`)
}

const n = Number(process.env.BENCH_RECORDS ?? 500_000)
const cases = [
  { name: 'string (project + utf8Write)', fn: viaString },
  { name: 'bytes (projectBytes)', fn: viaBytes },
]
// CPU time of this process per case (the machine is shared: wall time says little), alternating.
const cpuNs: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]))
for (let r = 0; r < REPS; r++) {
  for (const c of r % 2 === 0 ? cases : [...cases].reverse()) {
    const c0 = process.cpuUsage()
    for (let i = 0; i < n; i++) c.fn(i)
    const d = process.cpuUsage(c0)
    cpuNs[c.name]!.push(((d.user + d.system) * 1000) / n)
  }
}
const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!
const out: Record<string, unknown> = {}
for (const [k, v] of Object.entries(cpuNs)) out[k] = { cpuNsPerRecord: Math.round(med(v)), min: Math.round(Math.min(...v)), max: Math.round(Math.max(...v)) }
const [sa, sb] = cases.map((c) => med(cpuNs[c.name]!))
console.log(JSON.stringify({ bench: 'project-bytes', node: process.version, recordBytes: Math.round(bytes), repetitions: REPS, recordsPerRepetition: n, results: out, bytesOverString: Number((sb! / sa!).toFixed(3)) }, null, 2))
