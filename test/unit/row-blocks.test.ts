/**
 * RowBlocks (src/worker/row-blocks.ts): the rows a read task encodes arrive at the writer side as
 * blocks, per (writer, directory), each row once, in the order appended, with the right row
 * counts; flow control holds sends until acknowledgements come back; a stop from the writer side
 * makes the reader fail; sends over budget never send one block twice (several lanes call
 * sendDue at once: a block sent twice arrived as a detached, empty buffer before the fix).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { BLOCK_BYTES, RowBlocks } from '../../src/worker/row-blocks.js'
import type { BlockMessage, BlockReply } from '../../src/worker/types.js'
import { parseSchema } from '../../src/sql/index.js'
import { ParquetRowGroups } from '../../src/worker/parquet/row-groups.js'

interface Received {
  byDir: Map<string, string[]>
  rows: Map<string, number>
  blocks: number
  ended: Promise<void>
}

/** The writer side: collects blocks; acknowledges each at once unless `hold`. */
function collect(port: MessagePort, hold?: BlockMessage[]): Received {
  const r: Received = { byDir: new Map(), rows: new Map(), blocks: 0, ended: Promise.resolve() }
  r.ended = new Promise((resolve) => {
    port.on('message', (m: BlockMessage) => {
      if (m.t === 'e') return resolve()
      assert.ok(m.buf.byteLength >= m.len, `block of ${m.len} bytes arrived in a buffer of ${m.buf.byteLength}`)
      const key = `${m.w}/${m.dir}`
      const text = Buffer.from(m.buf, 0, m.len).toString('utf8')
      assert.ok(text.endsWith('\n'))
      const lines = text.slice(0, -1).split('\n')
      assert.equal(lines.length, m.rows)
      r.byDir.set(key, [...(r.byDir.get(key) ?? []), ...lines])
      r.rows.set(key, (r.rows.get(key) ?? 0) + m.rows)
      r.blocks++
      if (hold !== undefined) hold.push(m)
      else port.postMessage({ t: 'a', n: m.len } satisfies BlockReply)
    })
  })
  return r
}

test('every row arrives once, in order, per writer and directory', async () => {
  const { port1, port2 } = new MessageChannel()
  const got = collect(port1)
  const blocks = new RowBlocks(port2, 1 << 20, 1 << 20)
  const expected = new Map<string, string[]>()
  for (let i = 0; i < 20_000; i++) {
    const w = i % 3
    const dir = `dt=2026-01-0${i % 7}`
    const line = `{"i":${i},"s":"ünïcødé ${'x'.repeat(i % 50)}"}`
    blocks.append(w, dir, line)
    expected.set(`${w}/${dir}`, [...(expected.get(`${w}/${dir}`) ?? []), line])
    if (i % 500 === 0) await blocks.sendDue()
  }
  await blocks.finish()
  await got.ended
  port1.close()
  assert.deepEqual(new Map([...got.byDir].sort()), new Map([...expected].sort()))
  assert.ok(got.blocks > 21, `${got.blocks} blocks`)
})

test('flow control: no more than the in-flight limit is sent before acknowledgements', async () => {
  const { port1, port2 } = new MessageChannel()
  const held: BlockMessage[] = []
  const got = collect(port1, held)
  const blocks = new RowBlocks(port2, 64 << 20, 2 * BLOCK_BYTES)
  const line = 'y'.repeat(1000)
  for (let i = 0; i < 2000; i++) blocks.append(0, 'd', line)
  let done = false
  const sending = blocks.sendDue().then(() => (done = true))
  await new Promise((r) => setTimeout(r, 50))
  assert.equal(done, false, 'the reader waits for credit')
  const sentBytes = held.reduce((s, m) => s + (m.t === 'b' ? m.len : 0), 0)
  assert.ok(sentBytes <= 2 * BLOCK_BYTES, `${sentBytes} bytes in flight`)
  // Acknowledge everything as it comes from now on.
  const ackAll = (): void => {
    for (const m of held.splice(0)) if (m.t === 'b') port1.postMessage({ t: 'a', n: m.len } satisfies BlockReply)
  }
  const timer = setInterval(ackAll, 1)
  await sending
  await blocks.finish()
  await got.ended
  clearInterval(timer)
  port1.close()
  assert.equal(got.rows.get('0/d'), 2000)
})

test('a stop from the writers makes the reader fail', async () => {
  const { port1, port2 } = new MessageChannel()
  const held: BlockMessage[] = []
  collect(port1, held)
  const blocks = new RowBlocks(port2, 64 << 20, BLOCK_BYTES)
  for (let i = 0; i < 2000; i++) blocks.append(0, 'd', 'z'.repeat(1000))
  const sending = blocks.sendDue()
  port1.postMessage({ t: 'x' } satisfies BlockReply)
  await assert.rejects(sending, /stopped by its writers/)
  port1.close()
})

test('over budget, concurrent sendDue calls never send a block twice', async () => {
  const { port1, port2 } = new MessageChannel()
  const got = collect(port1)
  // 200 directories × 4 KiB blocks pass a 64 KiB budget: the largest blocks are sent early.
  const blocks = new RowBlocks(port2, 64 * 1024, 1 << 20)
  let n = 0
  for (let round = 0; round < 5; round++) {
    for (let d = 0; d < 200; d++) {
      blocks.append(0, `d${d}`, `{"n":${n++}}`)
    }
    await Promise.all(Array.from({ length: 8 }, () => blocks.sendDue()))
  }
  await blocks.finish()
  await got.ended
  port1.close()
  let rows = 0
  for (const v of got.rows.values()) rows += v
  assert.equal(rows, n)
  const all = [...got.byDir.values()].flat()
  assert.equal(new Set(all).size, n, 'each row once')
})

test('Parquet row groups of a read task hold at most maxRowsPerGroup rows (maxRecordsPerFile), every row once', async () => {
  const { port1, port2 } = new MessageChannel()
  const groups: { dir: string; rows: number }[] = []
  const ended = new Promise<void>((resolve) => {
    port1.on('message', (m: BlockMessage) => {
      if (m.t === 'e') return resolve()
      assert.ok(m.rg !== undefined, 'a row group with its metadata')
      groups.push({ dir: m.dir, rows: m.rows })
      port1.postMessage({ t: 'a', n: m.len } satisfies BlockReply)
    })
  })
  const blocks = new RowBlocks(port2, 64 << 20, 64 << 20)
  const pq = new ParquetRowGroups(blocks, { columns: parseSchema('m STRING'), timestampType: 'TIMESTAMP_MICROS', codec: 'none', maxRowsPerGroup: 4 }, 64 << 20)
  // One chunk of 10 rows for dt=a interleaved with 3 for dt=b, then the chunk's sendDue.
  for (let i = 0; i < 10; i++) {
    pq.append(0, 'dt=a', [`a${i}`])
    if (i < 3) pq.append(0, 'dt=b', [`b${i}`])
  }
  await pq.sendDue()
  await pq.finish()
  await ended
  port1.close()
  const rowsOf = (dir: string) => groups.filter((g) => g.dir === dir).map((g) => g.rows)
  assert.deepEqual(rowsOf('dt=a'), [4, 4, 2])
  assert.deepEqual(rowsOf('dt=b'), [3])
})
