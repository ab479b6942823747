/**
 * sink.format parquet: which writer (issue 15). One run, contenders in alternating order, REPS
 * repetitions, medians of rows/s and CPU-seconds (process.cpuUsage, user + system) per 100k rows,
 * and the output size:
 *
 * - `sluice`: src/worker/parquet (RowGroupBuilder: rows shredded into column buffers as they
 *   come, one PLAIN page per column chunk, RLE levels, snappy; footer), fed row by row as the
 *   read task feeds it;
 * - `hyparquet-writer`: parquetWriteBuffer on the same rows transposed into columns (the
 *   transposition is counted: the read task has rows), snappy, statistics off (sluice writes none);
 * - `json`, `json-snappy`: the JSON lines of the same rows (JSON.stringify, UTF-8; snappy in
 *   Hadoop's block framing as the JSON sink writes it), the baseline for "Parquet vs JSON" (the
 *   sink's generated JSON writer is faster than JSON.stringify: src/sql/projection.ts).
 *
 * Rows: the seed's ({message ~100 chars, kafka_timestamp}) and wide ones (10 columns: strings,
 * ints, a bigint, doubles, a boolean, a timestamp; ~10 % nulls).
 *
 *   node dist/bench/parquet.bench.js            # prints JSON, writes bench/results/parquet-<time>.json
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync, mkdirSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { parseSchema } from '../src/sql/index.js'
import { SNAPPY_MAX_BLOCK, hadoopBlocks, snappyBlock } from '../src/worker/compressors.js'
import { footer, schemaFor } from '../src/worker/parquet/parquet-file.js'
import { RowGroupBuilder, type RowGroupMeta } from '../src/worker/parquet/row-group.js'
import { MAX_GROUP_BYTES } from '../src/worker/parquet/row-groups.js'
import type { StructField } from '../src/sql/types.js'
import { randomText } from './micro-lib.js'

const REPS = Number(process.env.REPS ?? 7)

interface Dataset {
  name: string
  ddl: string
  rows: unknown[][]
  /** hyparquet-writer's type per column. */
  types: ('STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN')[]
}

function seedRows(n: number): Dataset {
  const rows: unknown[][] = []
  const t0 = Date.UTC(2026, 11, 1) * 1000
  for (let i = 0; i < n; i++) rows.push([`${randomText(90, i)} #${i}`, t0 + i * 997])
  return { name: 'seed', ddl: 'message STRING, kafka_timestamp TIMESTAMP', rows, types: ['STRING', 'INT64'] }
}

function wideRows(n: number): Dataset {
  const rows: unknown[][] = []
  const t0 = Date.UTC(2026, 11, 1) * 1000
  for (let i = 0; i < n; i++) {
    const nul = (k: number): boolean => (i * 7 + k) % 10 === 0
    rows.push([
      `${randomText(24, i)}`,
      nul(1) ? null : `user-${i % 5000}`,
      nul(2) ? null : ['info', 'warn', 'error', 'debug'][i % 4],
      i % 100_000,
      nul(4) ? null : (i * 31) % 1000,
      1_000_000_000_000 + i,
      i / 7,
      nul(7) ? null : Math.sin(i),
      i % 3 === 0,
      t0 + i * 1000,
    ])
  }
  return {
    name: 'wide',
    ddl: 'id STRING, user STRING, level STRING, n INT, code INT, seq BIGINT, ratio DOUBLE, score DOUBLE, flag BOOLEAN, ts TIMESTAMP',
    rows,
    types: ['STRING', 'STRING', 'STRING', 'INT32', 'INT32', 'INT64', 'DOUBLE', 'DOUBLE', 'BOOLEAN', 'INT64'],
  }
}

async function sluice(d: Dataset, columns: StructField[]): Promise<number> {
  const schema = schemaFor({ columns, timestampType: 'TIMESTAMP_MICROS' })
  const parts: Buffer[] = [Buffer.from('PAR1')]
  const groups: RowGroupMeta[] = []
  const offsets: number[] = []
  let pos = 4
  let b = new RowGroupBuilder(schema)
  const flush = async (): Promise<void> => {
    const { parts: p, meta } = await b.encode('snappy')
    offsets.push(pos)
    groups.push(meta)
    parts.push(...p)
    pos += meta.bytes
    b = new RowGroupBuilder(schema)
  }
  for (let i = 0; i < d.rows.length; i++) {
    b.append(d.rows[i]!)
    if ((i & 1023) === 1023 && b.size >= MAX_GROUP_BYTES) await flush()
  }
  if (b.rows > 0) await flush()
  parts.push(footer(schema, groups, offsets))
  return Buffer.concat(parts).length
}

function hyparquet(d: Dataset, columns: StructField[]): number {
  const data = columns.map((_, c) => {
    const col = new Array<unknown>(d.rows.length)
    const big = d.types[c] === 'INT64'
    for (let i = 0; i < d.rows.length; i++) {
      const v = d.rows[i]![c]
      col[i] = big && v !== null ? BigInt(v as number) : v
    }
    return col
  })
  const buf = parquetWriteBuffer({
    columnData: columns.map((f, c) => ({ name: f.name, data: data[c]!, type: d.types[c]!, nullable: true })),
    codec: 'SNAPPY',
    statistics: false,
  })
  return buf.byteLength
}

function json(d: Dataset, columns: StructField[], compress: boolean): number {
  const chunks: Buffer[] = []
  let lines: string[] = []
  let bytes = 0
  let size = 0
  const flush = (): void => {
    const raw = Buffer.from(lines.join(''), 'utf8')
    const out = compress ? hadoopBlocks(raw, SNAPPY_MAX_BLOCK, snappyBlock) : raw
    chunks.push(out)
    size += out.length
    lines = []
    bytes = 0
  }
  for (const r of d.rows) {
    const o: Record<string, unknown> = {}
    for (let c = 0; c < columns.length; c++) if (r[c] !== null) o[columns[c]!.name] = r[c]
    const line = JSON.stringify(o) + '\n'
    lines.push(line)
    bytes += line.length
    if (bytes >= 256 * 1024) flush()
  }
  flush()
  return size
}

interface Sample {
  wallMs: number
  cpuMs: number
  bytes: number
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function main(): Promise<void> {
  const datasets = [seedRows(200_000), wideRows(100_000)]
  const result: Record<string, Record<string, unknown>> = {}
  for (const d of datasets) {
    const columns = parseSchema(d.ddl)
    const contenders: { name: string; run: () => Promise<number> | number }[] = [
      { name: 'sluice', run: () => sluice(d, columns) },
      { name: 'hyparquet-writer', run: () => hyparquet(d, columns) },
      { name: 'json', run: () => json(d, columns, false) },
      { name: 'json-snappy', run: () => json(d, columns, true) },
    ]
    const samples: Record<string, Sample[]> = {}
    for (const c of contenders) samples[c.name] = []
    for (let r = 0; r < REPS; r++) {
      const order = r % 2 === 0 ? contenders : [...contenders].reverse()
      for (const c of order) {
        const cpu0 = process.cpuUsage()
        const t0 = process.hrtime.bigint()
        const bytes = await c.run()
        const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
        const cpu = process.cpuUsage(cpu0)
        samples[c.name]!.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, bytes })
      }
    }
    const n = d.rows.length
    result[d.name] = Object.fromEntries(
      contenders.map((c) => {
        const s = samples[c.name]!
        const wall = median(s.map((x) => x.wallMs))
        const cpu = median(s.map((x) => x.cpuMs))
        return [
          c.name,
          {
            rows: n,
            rowsPerSec: Math.round(n / (wall / 1000)),
            rowsPerCpuSec: Math.round(n / (cpu / 1000)),
            cpuSecPer100kRows: Number(((cpu / 1000) * (100_000 / n)).toFixed(3)),
            bytes: s[0]!.bytes,
            bytesPerRow: Number((s[0]!.bytes / n).toFixed(1)),
            wallMsMinMax: [Math.round(Math.min(...s.map((x) => x.wallMs))), Math.round(Math.max(...s.map((x) => x.wallMs)))],
          },
        ]
      }),
    )
  }
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim()
  } catch {
    // not a git checkout
  }
  const out = {
    benchmark: 'parquet',
    date: new Date().toISOString(),
    commit,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    reps: REPS,
    note: 'machine shared with other jobs: compare ratios and CPU-seconds',
    result,
  }
  const dir = join(process.cwd(), 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `parquet-${out.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(out, null, 2) + '\n')
  console.log(JSON.stringify(out, null, 2))
}

await main()
