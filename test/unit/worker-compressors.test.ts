/**
 * Output codecs (src/worker/compressors.ts) through a PartitionFile on a file:// store: each
 * codec's bytes decode, with an independent decoder where there is one (zlib, the bzip2 and zstd
 * command-line tools), to exactly the rows, in Spark's framing (Hadoop block framing for lz4 and
 * snappy, read back with a reader written from Hadoop's BlockDecompressorStream); lineSep; the
 * file names' extensions.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, inflateSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import { CODECS, type Codec, LZ4_MAX_BLOCK, SNAPPY_MAX_BLOCK } from '../../src/worker/compressors.js'
import { MemoryAccount } from '../../src/worker/memory-account.js'
import { FLUSH_BYTES, PartitionFile } from '../../src/worker/partition-file.js'
import { dataFileName } from '../../src/worker/types.js'

const require = createRequire(import.meta.url)
const lz4 = require('lz4-napi') as { uncompressSync(b: Buffer): Buffer }
const snappy = require('snappy') as { uncompressSync(b: Buffer): Buffer }

let dir: string
let store: Store
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-compressors-'))
  store = createStore({ location: parseLocation(`file://${dir}/`) })
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Hadoop's BlockDecompressorStream: per block, raw length, then chunks until that many bytes. */
function readHadoopBlocks(file: Buffer, decode: (chunk: Buffer, rawLen: number) => Buffer, maxBlock: number): Buffer {
  const out: Buffer[] = []
  let p = 0
  while (p < file.length) {
    const raw = file.readUInt32BE(p)
    p += 4
    assert.ok(raw <= maxBlock, `a block of ${raw} bytes would not fit Hadoop's decompressor buffer`)
    let got = 0
    while (got < raw) {
      const len = file.readUInt32BE(p)
      const part = decode(file.subarray(p + 4, p + 4 + len), raw - got)
      out.push(part)
      got += part.length
      p += 4 + len
    }
    assert.equal(got, raw)
  }
  return Buffer.concat(out)
}

function lz4Raw(chunk: Buffer, rawLen: number): Buffer {
  const withSize = Buffer.alloc(4 + chunk.length)
  withSize.writeUInt32LE(rawLen, 0)
  chunk.copy(withSize, 4)
  return lz4.uncompressSync(withSize)
}

const DECODE: Record<Codec, (file: Buffer) => Buffer> = {
  none: (f) => f,
  gzip: (f) => gunzipSync(f),
  deflate: (f) => inflateSync(f),
  bzip2: (f) => execFileSync('bzip2', ['-dc'], { input: f, maxBuffer: 1 << 28 }),
  zstd: (f) => execFileSync('zstd', ['-dc'], { input: f, maxBuffer: 1 << 28 }),
  lz4: (f) => readHadoopBlocks(f, lz4Raw, LZ4_MAX_BLOCK),
  snappy: (f) => readHadoopBlocks(f, (c) => snappy.uncompressSync(c), SNAPPY_MAX_BLOCK),
}

async function writeFile(key: string, codec: Codec, rows: string[], lineSep?: string): Promise<Buffer> {
  const account = new MemoryAccount()
  const f = new PartitionFile(store, key, codec, account, lineSep)
  for (const r of rows) if (f.append(r)) await f.flush()
  await f.finish()
  await f.close()
  assert.equal(account.used, 0, 'a closed file holds nothing')
  return readFile(join(dir, key))
}

const rows = Array.from({ length: 9000 }, (_, i) => JSON.stringify({ message: `row ${i} ${'é€😀'.repeat(i % 7)} ${'x'.repeat(i % 113)}`, n: i }))
const text = rows.map((r) => r + '\n').join('')

for (const codec of CODECS) {
  test(`${codec}: the file decodes to exactly the rows, across several flushes`, async () => {
    assert.ok(Buffer.byteLength(text) > 3 * FLUSH_BYTES, 'the rows span several flushed chunks')
    const file = await writeFile(`many/${codec}.json`, codec, rows)
    assert.equal(DECODE[codec](file).toString('utf8'), text)
    if (codec !== 'none') assert.ok(file.length < Buffer.byteLength(text) / 2, `${codec} compresses (${file.length} bytes)`)
  })

  test(`${codec}: a small file and an empty file are valid for the codec's readers`, async () => {
    assert.equal(DECODE[codec](await writeFile(`small/${codec}.json`, codec, ['{"a":1}'])).toString(), '{"a":1}\n')
    const empty = await writeFile(`empty/${codec}.json`, codec, [])
    assert.equal(DECODE[codec](empty).length, 0)
  })
}

test("file names end in Spark's extension for each codec", () => {
  const ext = (c: Codec | boolean): string => dataFileName(0, 'u', 0, c).replace('part-00000-u-c000', '')
  assert.deepEqual(
    CODECS.map((c) => ext(c)),
    ['.json', '.json.gz', '.json.deflate', '.json.bz2', '.json.lz4', '.json.snappy', '.json.zst'],
  )
  assert.equal(ext(true), '.json.gz')
  assert.equal(ext(false), '.json')
})

test('lineSep ends every row, one byte or several', async () => {
  assert.equal((await writeFile('sep/crlf.json', 'none', ['{"a":1}', '{"a":2}'], '\r\n')).toString(), '{"a":1}\r\n{"a":2}\r\n')
  assert.equal((await writeFile('sep/unit.json.gz', 'gzip', ['{"a":1}', '{"a":2}'], '\u0001')).length > 0, true)
  assert.equal(gunzipSync(await readFile(join(dir, 'sep/unit.json.gz'))).toString(), '{"a":1}\u0001{"a":2}\u0001')
  const long = await writeFile('sep/long.json', 'none', rows.slice(0, 3000), '¶\n')
  assert.equal(long.toString('utf8'), rows.slice(0, 3000).map((r) => r + '¶\n').join(''))
})
