/**
 * Record-batch hardening (issue 6 item 6, issue 8): a negative or too small batchLength, a
 * CRC-32C mismatch and an impossible record count fail the range with SLUICE_KAFKA_CORRUPT_RECORD
 * instead of looping forever, decoding garbage or throwing a RangeError. The decoder runs in a
 * worker thread with a time limit, so a decoder that loops forever fails the test instead of
 * hanging it.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import { crc32c, crc32cJs } from '../../src/kafka/crc32c.js'
import { crc32cBitwise, encodeBatch, recs } from '../helpers/record-batch-encoder.js'

const MODULE = new URL('../../src/kafka/record-batch.js', import.meta.url).href

/** decodeRecordSet(data, 0, len, 't', 0, 0, 1000) in a worker; resolves with its error or count. */
function decodeInWorker(data: Buffer, timeoutMs = 10_000): Promise<{ code?: string; message?: string; count?: number; timedOut?: boolean }> {
  const src = `
    const { parentPort, workerData } = require('node:worker_threads')
    import(workerData.module).then((m) => {
      try {
        const r = m.decodeRecordSet(Buffer.from(workerData.data), 0, workerData.data.length, 't', 0, 0, 1000)
        parentPort.postMessage({ count: r.chunk.count })
      } catch (e) {
        parentPort.postMessage({ code: e.code, message: e.message })
      }
    })`
  return new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true, workerData: { module: MODULE, data: new Uint8Array(data) } })
    const timer = setTimeout(() => {
      void w.terminate()
      resolve({ timedOut: true })
    }, timeoutMs)
    w.once('message', (m) => {
      clearTimeout(timer)
      void w.terminate()
      resolve(m)
    })
    w.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
}

test('crc32c: the addon, the JavaScript table and a bitwise reference agree', () => {
  assert.equal(crc32c(Buffer.from('123456789'), 0, 9), 0xe3069283) // the standard check value
  for (const len of [0, 1, 7, 8, 9, 63, 1000, 4099]) {
    const b = Buffer.alloc(len + 6)
    for (let i = 0; i < b.length; i++) b[i] = (i * 131 + len) & 0xff
    const want = crc32cBitwise(b.subarray(3, 3 + len))
    assert.equal(crc32c(b, 3, 3 + len), want, `addon, ${len} bytes`)
    assert.equal(crc32cJs(b, 3, 3 + len), want, `js, ${len} bytes`)
  }
})

test('a negative batchLength fails with SLUICE_KAFKA_CORRUPT_RECORD instead of looping forever', async () => {
  for (const length of [-12, -1, 0, 48]) {
    const data = Buffer.concat([
      encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 3, 'a') }),
      encodeBatch({ baseOffset: 3, baseTimestamp: 1, records: recs(0, 3, 'b') }),
    ])
    const second = data.length / 2
    data.writeInt32BE(length, second + 8)
    const r = await decodeInWorker(data)
    assert.ok(!r.timedOut, `batchLength ${length}: the decoder did not return in 10 s`)
    assert.equal(r.code, 'SLUICE_KAFKA_CORRUPT_RECORD', `batchLength ${length}: ${JSON.stringify(r)}`)
    assert.match(r.message!, new RegExp(`batchLength ${length} is below the 49-byte minimum`))
    assert.match(r.message!, /offset 3 of t-0/)
  }
})

test('a batch whose CRC-32C does not match fails naming both checksums', async () => {
  const data = encodeBatch({ baseOffset: 7, baseTimestamp: 1, records: recs(0, 3, 'a') })
  data[data.length - 2] ^= 0x01 // one bit of the last record's value
  const r = await decodeInWorker(data)
  assert.equal(r.code, 'SLUICE_KAFKA_CORRUPT_RECORD', JSON.stringify(r))
  assert.match(r.message!, /offset 7 of t-0 is damaged: its CRC-32C is 0x[0-9a-f]{8}, the batch header says 0x[0-9a-f]{8}/)
  // The header's own fields are covered too (attributes onwards).
  const ts = encodeBatch({ baseOffset: 7, baseTimestamp: 1, records: recs(0, 3, 'a') })
  ts.writeInt32BE(12345, 27 + 4)
  assert.equal((await decodeInWorker(ts)).code, 'SLUICE_KAFKA_CORRUPT_RECORD')
})

test('an impossible record count fails with SLUICE_KAFKA_CORRUPT_RECORD, not a RangeError', async () => {
  const data = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 3, 'a') })
  data.writeInt32BE(0x7fffffff, 57)
  data.writeUInt32BE(crc32cBitwise(data.subarray(21)), 17)
  const r = await decodeInWorker(data)
  assert.equal(r.code, 'SLUICE_KAFKA_CORRUPT_RECORD', JSON.stringify(r))
  assert.match(r.message!, /record count 2147483647 does not fit/)
})

test('intact batches still decode in the worker (the harness itself works)', async () => {
  const data = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: recs(0, 5, 'a') })
  assert.deepEqual(await decodeInWorker(data), { count: 5 })
})

test('a range that ends inside a compacted gap ends at its planned end (decode and peek)', async () => {
  const { decodeRecordSet, peekRecordSet } = await import('../../src/kafka/record-batch.js')
  // Offsets 0-9 compacted away: the first batch left starts at 10.
  const data = encodeBatch({ baseOffset: 10, baseTimestamp: 1, records: recs(0, 3, 'a') })
  const dec = decodeRecordSet(data, 0, data.length, 't', 0, 2, 7)
  assert.equal(dec.chunk.count, 0)
  assert.equal(dec.reachedEnd, true)
  assert.equal(dec.nextOffset, 7)
  const peek = peekRecordSet(data, 0, data.length, 2, 7)
  assert.deepEqual(peek, { nextOffset: 7, batches: 1, bytes: 0, partial: false, reachedEnd: true }, 'a batch past the range holds no bytes of it')
})
