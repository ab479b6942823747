/**
 * Output codecs (src/worker/compressors.ts) through a PartitionFile on a file:// store: each
 * codec's bytes decode, with an independent decoder where there is one (zlib, the bzip2 and zstd
 * command-line tools), to exactly the rows, in Spark's framing (Hadoop block framing for lz4 and
 * snappy, read back with a reader written from Hadoop's BlockDecompressorStream); lineSep; the
 * file names' extensions.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import { CODECS, type Codec } from '../../src/worker/compressors.js'
import { DECODE } from '../helpers/output-codecs.js'
import { MemoryAccount } from '../../src/worker/memory-account.js'
import { FLUSH_BYTES, PartitionFile } from '../../src/worker/partition-file.js'
import { dataFileName } from '../../src/worker/types.js'

let dir: string
let store: Store
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-compressors-'))
  store = createStore({ location: parseLocation(`file://${dir}/`) })
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

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
