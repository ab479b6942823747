/**
 * Spark 3.5 reads back the files sluice writes with each sink.compression codec Spark has a short
 * name for (gzip, deflate, bzip2, lz4, snappy: Hadoop's codecs, chosen by the file extension):
 * `spark.read.json(dir)` returns exactly the rows. zstd is sluice's extension: Hadoop's
 * ZStandardCodec needs libhadoop's native zstd, which pyspark does not ship.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createStore, parseLocation, type Store } from '../../src/storage/index.js'
import type { Codec } from '../../src/worker/compressors.js'
import { MemoryAccount } from '../../src/worker/memory-account.js'
import { PartitionFile } from '../../src/worker/partition-file.js'
import { dataFileName } from '../../src/worker/types.js'
import { useSharedSpark } from './shared-spark.js'

const sparkPeer = useSharedSpark()
let dir: string
let store: Store
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-spark-codecs-'))
  store = createStore({ location: parseLocation(`file://${dir}/`) })
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const SPARK_CODECS: Codec[] = ['gzip', 'deflate', 'bzip2', 'lz4', 'snappy']
// Enough rows for several flushed chunks (several bzip2 streams, several Hadoop blocks).
const rows = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, message: `row ${i} ${'ü€'.repeat(i % 5)} ${'z'.repeat(i % 97)}` }))

test("Spark's spark.read.json reads sluice's gzip, deflate, bzip2, lz4 and snappy files back, row for row", { timeout: 300_000 }, async () => {
  const want = [...rows].sort()
  for (const codec of SPARK_CODECS) {
    for (let w = 0; w < 2; w++) {
      const f = new PartitionFile(store, `${codec}/${dataFileName(w, '00000000-0000-0000-0000-000000000000', 0, codec)}`, codec, new MemoryAccount())
      for (let i = w; i < rows.length; i += 2) if (f.append(rows[i]!)) await f.flush()
      await f.finish()
      await f.close()
    }
    const r = await sparkPeer().request<{ lines: string[] }>({ op: 'read_json', path: `file://${join(dir, codec)}` })
    const got = r.lines.map((l) => {
      const o = JSON.parse(l) as { i: number; message: string }
      return JSON.stringify({ i: o.i, message: o.message })
    })
    assert.equal(got.length, rows.length, `${codec}: Spark read ${got.length} of ${rows.length} rows`)
    assert.deepEqual(got.sort(), want, `${codec}: the same rows`)
  }
})
