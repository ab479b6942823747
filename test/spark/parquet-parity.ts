/**
 * Spark 3.5 reads sluice's Parquet (sink.format parquet, issue 15): the same Kafka-like records
 * projected by sluice's projection both ways (JSON lines and Parquet values), written by the merge
 * writer's file classes, then `spark.read.parquet` of the Parquet files must give exactly the rows
 * `spark.read.schema(<that schema>).json` gives for the JSON lines, for both TIMESTAMP types, and
 * the schema Spark reads must be the job's (Spark's type mapping, nullable columns).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { KafkaRecord, ProjectedRow } from '../../src/sql/index.js'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import { compileTaskProjection } from '../../src/worker/compile-projection.js'
import { MemoryAccount } from '../../src/worker/memory-account.js'
import { ParquetFile } from '../../src/worker/parquet/parquet-file.js'
import { RowGroupBuilder } from '../../src/worker/parquet/row-group.js'
import { schemaFor } from '../../src/worker/parquet/parquet-file.js'
import { PartitionFile } from '../../src/worker/partition-file.js'
import type { TaskProjection } from '../../src/worker/types.js'
import { useSharedSpark } from './shared-spark.js'

const sparkPeer = useSharedSpark()
let dir: string
let store: Store
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-spark-parquet-'))
  store = createStore({ location: parseLocation(`file://${dir}/`) })
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const SCHEMA =
  'message STRING, b TINYINT, s SMALLINT, n INT, l BIGINT, f FLOAT, d DOUBLE, ok BOOLEAN, amt DECIMAL(9,2), mid DECIMAL(18,4), big DECIMAL(30,3), day DATE, ts TIMESTAMP, ' +
  'tags ARRAY<STRING>, attrs MAP<STRING, INT>, pos STRUCT<x: DOUBLE, y: ARRAY<INT>>'

function values(i: number): string {
  const r: Record<string, unknown> = {
    message: i % 7 === 0 ? `ünï ${i}` : `m${i}`,
    b: (i % 200) - 100,
    s: i * 3 - 500,
    n: i % 5 === 0 ? null : i * 1000,
    l: i % 11 === 0 ? 9_007_199_254_740_000 + i : -i * 1_000_003,
    f: i % 2 === 0 ? 1.5 : -0.25,
    d: i % 3 === 0 ? 1e-7 * i : i / 8,
    ok: i % 4 === 0,
    day: `2026-0${1 + (i % 9)}-1${i % 10}`,
    ts: `2026-11-30T1${i % 10}:0${i % 6}:1${i % 10}.${String(i % 1000).padStart(3, '0')}Z`,
    tags: i % 6 === 0 ? [] : i % 6 === 1 ? null : [`t${i}`, null],
    attrs: i % 5 === 1 ? null : { a: i, b: -i },
    pos: i % 8 === 0 ? null : { x: i / 2, y: i % 3 === 0 ? null : [i, null] },
  }
  let text = JSON.stringify(r)
  if (i % 9 !== 0) text = text.replace('}', `,"amt":${i % 2 ? '-' : ''}${i}.${String(i % 100).padStart(2, '0')}}`)
  return text.replace(/}$/, `,"mid":${i}12345678.1234,"big":1234567890123456789012345.${String(i % 1000).padStart(3, '0')}}`)
}

function projection(output: 'json' | 'values'): TaskProjection {
  return {
    schema: SCHEMA,
    select: ['json_data.*', 'timestamp AS kafka_timestamp'],
    partitionBy: [],
    timeZone: 'UTC',
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: '_corrupt_record',
    includeHeaders: false,
    output,
  }
}

test("Spark's spark.read.parquet reads sluice's Parquet as the JSON path's rows, INT96 and TIMESTAMP_MICROS", { timeout: 300_000 }, async () => {
  const json = compileTaskProjection(projection('json'))
  const pq = compileTaskProjection(projection('values'))
  const jsonFile = new PartitionFile(store, 'json/part-00000.json', 'none', new MemoryAccount())
  const rowsOf: unknown[][] = []
  for (let i = 0; i < 300; i++) {
    const buf = Buffer.from(values(i))
    const rec: KafkaRecord = { topic: 't', partition: 0, offset: i, timestamp: 1_764_000_000_000 + i, timestampType: 0, buf, keyStart: -1, keyEnd: -1, valueStart: 0, valueEnd: buf.length, headers: null }
    const row: ProjectedRow = { line: '', values: [], partitionPath: '', corrupt: false }
    json.project(rec, row)
    if (jsonFile.append(row.line)) await jsonFile.flush()
    pq.project(rec, row)
    rowsOf.push([...row.values!])
  }
  await jsonFile.finish()
  await jsonFile.close()
  for (const timestampType of ['INT96', 'TIMESTAMP_MICROS'] as const) {
    const spec = { columns: pq.columns, timestampType }
    const file = new ParquetFile(store, `${timestampType}/part-00000-c000.snappy.parquet`, spec, new MemoryAccount())
    // Three row groups, as three read tasks would send them.
    for (let g = 0; g < 3; g++) {
      const b = new RowGroupBuilder(schemaFor(spec))
      for (let i = g; i < rowsOf.length; i += 3) b.append(rowsOf[i]!)
      const { parts, meta } = await b.encode('snappy')
      await file.appendBytes(Buffer.concat(parts), meta.rows, meta)
    }
    await file.finish()
    await file.close()
    const r = await sparkPeer().request<{ schema: string; lines: string[]; jsonLines: string[] }>({ op: 'read_parquet', path: join(dir, timestampType), json: join(dir, 'json') })
    assert.equal(
      r.schema,
      'struct<message:string,b:tinyint,s:smallint,n:int,l:bigint,f:float,d:double,ok:boolean,amt:decimal(9,2),mid:decimal(18,4),big:decimal(30,3),day:date,ts:timestamp,tags:array<string>,attrs:map<string,int>,pos:struct<x:double,y:array<int>>,kafka_timestamp:timestamp>',
      `${timestampType}: the schema Spark reads`,
    )
    assert.equal(r.lines.length, 300)
    assert.deepEqual(r.lines, r.jsonLines, `${timestampType}: Spark reads the Parquet file as the JSON lines`)
  }
})
