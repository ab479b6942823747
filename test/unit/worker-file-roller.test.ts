/**
 * maxRecordsPerFile and targetFileSize (issue 15 item 2): the cut decision (file-roller.ts), the
 * row boundaries of JSON-lines blocks, and the merge writer that applies both to blocks as read
 * tasks send them (a block split at a row boundary, the next file `-c001`, every file in an
 * intent before it is completed). Against a file:// store, without Kafka.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, describe, test } from 'node:test'
import { parseIntent } from '../../src/commit/intents.js'
import { FileRoller, jsonLineLocator } from '../../src/worker/file-roller.js'
import { MergeWriter } from '../../src/worker/merge-writer.js'
import type { Codec } from '../../src/worker/compressors.js'
import type { ParquetTaskSpec } from '../../src/worker/types.js'
import { parseSchema } from '../../src/sql/index.js'
import { schemaFor } from '../../src/worker/parquet/parquet-file.js'
import { RowGroupBuilder, type RowGroupMeta } from '../../src/worker/parquet/row-group.js'
import { tempDir } from '../helpers/query-fixtures.js'
import { fileWriterSpec } from './commit-helpers.js'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

function rowsOf(n: number, from = 0, pad = ''): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ message: `m-${from + i}${pad}` }))
}
const block = (rows: string[], sep = '\n'): Uint8Array => Buffer.from(rows.map((r) => r + sep).join(''), 'utf8')

describe('jsonLineLocator', () => {
  test('finds row ends by the separator when it is made of control characters', () => {
    for (const sep of ['\n', '\r\n']) {
      const rows = rowsOf(5)
      const b = block(rows, sep)
      const loc = jsonLineLocator(sep)
      assert.equal(loc.afterRows(b, 2), Buffer.byteLength(rows[0]! + sep + rows[1]! + sep))
      const first = Buffer.byteLength(rows[0]! + sep)
      assert.deepEqual(loc.rowEndAtOrAfter(b, 1), { end: first, rows: 1 })
      assert.deepEqual(loc.rowEndAtOrAfter(b, first), { end: first, rows: 1 })
      assert.deepEqual(loc.rowEndAtOrAfter(b, first + 1), { end: 2 * first, rows: 2 })
      assert.equal(loc.rowEndAtOrAfter(b, b.byteLength - 1), null, 'the last row ends with the block')
    }
  })

  test('finds row ends by structure when the separator can occur inside a value', () => {
    const rows = [JSON.stringify({ a: 'x|y}', n: { b: [1, '|]'] } }), JSON.stringify({ a: 'é\\"|' }), JSON.stringify({ a: 'z' })]
    const b = block(rows, '|')
    const loc = jsonLineLocator('|')
    assert.equal(loc.afterRows(b, 1), Buffer.byteLength(rows[0]! + '|'))
    assert.equal(loc.afterRows(b, 2), Buffer.byteLength(rows[0]! + '|' + rows[1]! + '|'))
    assert.equal(Buffer.from(b).subarray(0, loc.afterRows(b, 2)).toString(), rows[0]! + '|' + rows[1]! + '|')
  })
})

describe('FileRoller', () => {
  const loc = jsonLineLocator('\n')
  test('maxRecordsPerFile: the file takes what is left of its rows, exactly', () => {
    const r = new FileRoller({ maxRecordsPerFile: 3, targetFileSize: 0 })
    assert.equal(r.active, true)
    const rows = rowsOf(5)
    const b = block(rows)
    assert.deepEqual(r.take({ rows: 0, bytesIn: 0, bytesOut: 0 }, b, 5, loc), { rows: 3, bytes: loc.afterRows(b, 3), full: true })
    assert.deepEqual(r.take({ rows: 1, bytesIn: 10, bytesOut: 10 }, b, 2, loc), { rows: 2, bytes: b.byteLength, full: true })
    assert.deepEqual(r.take({ rows: 0, bytesIn: 0, bytesOut: 0 }, b, 2, loc).full, false)
    assert.equal(r.isFull({ rows: 3, bytesIn: 1, bytesOut: 1 }), true)
    assert.equal(new FileRoller({ maxRecordsPerFile: 0, targetFileSize: 0 }).active, false)
    assert.equal(new FileRoller({ maxRecordsPerFile: -1, targetFileSize: 0 }).active, false)
  })

  test('targetFileSize: the file takes rows up to the first row end at or past the target', () => {
    const r = new FileRoller({ maxRecordsPerFile: 0, targetFileSize: 100 })
    const rows = rowsOf(20) // 19 or 20 bytes each
    const b = block(rows)
    const t = r.take({ rows: 0, bytesIn: 0, bytesOut: 0 }, b, 20, loc)
    assert.equal(t.full, true)
    assert.ok(t.bytes >= 100 && t.bytes < 100 + 20, `${t.bytes} bytes`)
    assert.equal(t.bytes, loc.afterRows(b, t.rows))
    assert.equal(r.take({ rows: 3, bytesIn: 60, bytesOut: 60 }, b, 20, loc).bytes, loc.rowEndAtOrAfter(b, 40)!.end, 'what is left of the target')
    // Compressed: blocks go whole; the file is full once it has passed the target on.
    const c = new FileRoller({ maxRecordsPerFile: 0, targetFileSize: 100, compressed: true })
    assert.deepEqual(c.take({ rows: 10, bytesIn: 160, bytesOut: 40 }, b, 20, loc), { rows: 20, bytes: b.byteLength, full: false })
    assert.equal(c.isFull({ rows: 30, bytesIn: 500, bytesOut: 99 }), false)
    assert.equal(c.isFull({ rows: 30, bytesIn: 500, bytesOut: 100 }), true)
    // Both limits: the first one reached cuts.
    const both = new FileRoller({ maxRecordsPerFile: 2, targetFileSize: 100 })
    assert.equal(both.take({ rows: 0, bytesIn: 0, bytesOut: 0 }, b, 20, loc).rows, 2)
  })
})

async function writer(o: { max?: number; target?: number; codec?: Codec; lineSep?: string; parquet?: ParquetTaskSpec }): Promise<{ w: MergeWriter; root: string }> {
  const root = await tempDir('sluice-roller-')
  dirs.push(root)
  const spec = await fileWriterSpec(root, 7, 2, 'roller-test', {
    compression: o.codec ?? 'none',
    memoryBytes: 64 * 1024 * 1024,
    maxRecordsPerFile: o.max,
    targetFileSize: o.target,
    lineSep: o.lineSep,
    ...(o.parquet === undefined ? {} : { parquet: o.parquet }),
  })
  return { w: new MergeWriter(spec), root }
}

async function intentKeys(root: string): Promise<string[]> {
  const d = join(root, 'cp', 'sluice', 'intents', '7', '00000000-0000-4000-8000-000000000007')
  const keys: string[] = []
  for (const f of await readdir(d)) keys.push(...parseIntent(await readFile(join(d, f)), f).keys)
  return keys.sort()
}

describe('MergeWriter with maxRecordsPerFile / targetFileSize', () => {
  test('maxRecordsPerFile 3: blocks are split at row boundaries into -c000, -c001, … of exactly 3 rows, per directory', async () => {
    const { w, root } = await writer({ max: 3 })
    const a = rowsOf(11, 0)
    const b = rowsOf(4, 100)
    // Blocks as read tasks send them: of any size, interleaved across directories.
    await w.append('dt=a', block(a.slice(0, 5)), 5)
    await w.append('dt=b', block(b.slice(0, 1)), 1)
    await w.append('dt=a', block(a.slice(5, 6)), 1)
    await w.append('dt=b', block(b.slice(1)), 3)
    await w.append('dt=a', block(a.slice(6)), 5)
    const files = await w.finish()
    const byKey = new Map(files.map((f) => [f.key, f]))
    const names = [...byKey.keys()].sort()
    const part = (d: string, c: number): string => `${d}/part-00002-00000000-0000-4000-8000-000000000007-c00${c}.json`
    assert.deepEqual(names, [part('dt=a', 0), part('dt=a', 1), part('dt=a', 2), part('dt=a', 3), part('dt=b', 0), part('dt=b', 1)])
    const lines = async (k: string): Promise<string[]> => (await readFile(join(root, 'out', k), 'utf8')).split('\n').filter((l) => l !== '')
    assert.deepEqual([await lines(part('dt=a', 0)), await lines(part('dt=a', 1)), await lines(part('dt=a', 2)), await lines(part('dt=a', 3))], [
      a.slice(0, 3),
      a.slice(3, 6),
      a.slice(6, 9),
      a.slice(9),
    ])
    assert.deepEqual([await lines(part('dt=b', 0)), await lines(part('dt=b', 1))], [b.slice(0, 3), b.slice(3)])
    for (const f of files) assert.equal(f.rows, (await lines(f.key)).length, `${f.key}: rows counted`)
    assert.deepEqual(await intentKeys(root), names, 'every file was listed in an intent before it was completed')
  })

  test('maxRecordsPerFile with a separator that can occur inside values splits by row structure', async () => {
    const { w, root } = await writer({ max: 2, lineSep: '|' })
    const rows = [JSON.stringify({ m: 'a|b' }), JSON.stringify({ m: '}|{' }), JSON.stringify({ m: 'c' })]
    await w.append('', block(rows, '|'), 3)
    const files = (await w.finish()).map((f) => f.key).sort()
    assert.equal(files.length, 2)
    assert.equal(await readFile(join(root, 'out', files[0]!), 'utf8'), rows[0] + '|' + rows[1] + '|')
    assert.equal(await readFile(join(root, 'out', files[1]!), 'utf8'), rows[2] + '|')
  })

  test('targetFileSize 4KB: every file but the last reaches the target and passes it by less than one row', async () => {
    const { w, root } = await writer({ target: 4096 })
    const rows = rowsOf(1000, 0, 'x'.repeat(40))
    const rowBytes = Buffer.byteLength(rows[0]! + '\n') + 4
    for (let i = 0; i < rows.length; i += 150) await w.append('', block(rows.slice(i, i + 150)), Math.min(150, rows.length - i))
    const files = (await w.finish()).sort((x, y) => (x.key < y.key ? -1 : 1))
    assert.ok(files.length >= 10, `${files.length} files`)
    for (const f of files.slice(0, -1)) assert.ok(f.size >= 4096 && f.size < 4096 + rowBytes, `${f.key}: ${f.size} bytes`)
    assert.ok(files.at(-1)!.size <= 4096 + rowBytes)
    let all = ''
    for (const f of files) all += await readFile(join(root, 'out', f.key), 'utf8')
    assert.equal(all, rows.map((r) => r + '\n').join(''), 'every row once, in order')
    assert.equal(files.reduce((n, f) => n + f.rows, 0), 1000)
  })

  test('targetFileSize with gzip counts stored (compressed) bytes', async () => {
    const { w, root } = await writer({ target: 16 * 1024, codec: 'gzip' })
    // Random text: ~0.6 of its size after gzip; blocks of 200 rows, ~10 KB.
    const rows = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ m: `${i}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}` }))
    let blockBytes = 0
    for (let i = 0; i < rows.length; i += 200) {
      const b = block(rows.slice(i, i + 200))
      blockBytes = Math.max(blockBytes, b.byteLength)
      await w.append('', b, 200)
    }
    const files = (await w.finish()).sort((x, y) => (x.key < y.key ? -1 : 1))
    assert.ok(files.length >= 4, `${files.length} files`)
    // At least the target; past it by less than one block plus what zlib held back (its 32 KiB window).
    for (const f of files.slice(0, -1)) assert.ok(f.size >= 16 * 1024 && f.size < 16 * 1024 + blockBytes + 32 * 1024, `${f.key}: ${f.size} bytes`)
    let all = ''
    for (const f of files) {
      assert.match(f.key, /-c\d{3}\.json\.gz$/)
      all += gunzipSync(await readFile(join(root, 'out', f.key))).toString('utf8')
    }
    assert.equal(all, rows.map((r) => r + '\n').join(''), 'every row once, in order')
  })
})

describe('MergeWriter with format parquet and maxRecordsPerFile', () => {
  test('a row group is never split: a file that cannot take the next one whole is closed first, so no file passes the limit', async () => {
    const pq: ParquetTaskSpec = { columns: parseSchema('m STRING'), timestampType: 'TIMESTAMP_MICROS', codec: 'none', maxRowsPerGroup: 5 }
    const { w, root } = await writer({ max: 5, parquet: pq })
    const schema = schemaFor(pq)
    let seq = 0
    const group = async (rows: number): Promise<{ buf: Buffer; meta: RowGroupMeta }> => {
      const b = new RowGroupBuilder(schema)
      for (let i = 0; i < rows; i++) b.append([`m-${seq++}`])
      const { parts, meta } = await b.encode('none')
      return { buf: Buffer.concat(parts), meta }
    }
    for (const n of [3, 3, 2, 5, 1]) {
      const g = await group(n)
      await w.append('dt=a', g.buf, n, g.meta)
    }
    const files = (await w.finish()).sort((x, y) => (x.key < y.key ? -1 : 1))
    // 3 | 3+2 | 5 | 1: the second group of 3 did not fit beside the first, the 5 filled a file alone.
    assert.deepEqual(files.map((f) => f.rows), [3, 5, 5, 1])
    assert.deepEqual(files.map((f) => f.key.replace(/^.*-(c\d+)\.parquet$/, '$1')), ['c000', 'c001', 'c002', 'c003'])
    for (const f of files) {
      const bytes = await readFile(join(root, 'out', f.key))
      assert.equal(bytes.subarray(0, 4).toString(), 'PAR1', `${f.key} starts as a Parquet file`)
      assert.equal(bytes.subarray(-4).toString(), 'PAR1', `${f.key} has its footer`)
    }
  })

  test('closesBefore: an empty file takes any row group; a full one or one the group would overflow is closed', () => {
    const r = new FileRoller({ maxRecordsPerFile: 5, targetFileSize: 0 })
    assert.equal(r.closesBefore({ rows: 0, bytesIn: 0, bytesOut: 0 }, 9), false)
    assert.equal(r.closesBefore({ rows: 3, bytesIn: 0, bytesOut: 0 }, 2), false)
    assert.equal(r.closesBefore({ rows: 3, bytesIn: 0, bytesOut: 0 }, 3), true)
    const t = new FileRoller({ maxRecordsPerFile: 0, targetFileSize: 100 })
    assert.equal(t.closesBefore({ rows: 10, bytesIn: 100, bytesOut: 100 }, 1), true)
    assert.equal(t.closesBefore({ rows: 10, bytesIn: 99, bytesOut: 99 }, 50), false)
  })
})
