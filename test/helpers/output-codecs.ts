/**
 * Independent decoders of sluice's compressed output files, one per sink.compression codec:
 * zlib for gzip/deflate, the bzip2 and zstd command-line tools, and for lz4/snappy a reader of
 * Hadoop's block framing written from Hadoop's BlockDecompressorStream (raw blocks decoded by
 * lz4-napi / snappy). Shared by the unit, integration and Spark tests.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { gunzipSync, inflateSync } from 'node:zlib'
import { type Codec, LZ4_MAX_BLOCK, SNAPPY_MAX_BLOCK } from '../../src/worker/compressors.js'

const require = createRequire(import.meta.url)
const lz4 = require('lz4-napi') as { uncompressSync(b: Buffer): Buffer }
const snappy = require('snappy') as { uncompressSync(b: Buffer): Buffer }

/** Hadoop's BlockDecompressorStream: per block, raw length, then chunks until that many bytes. */
export function readHadoopBlocks(file: Buffer, decode: (chunk: Buffer, rawLen: number) => Buffer, maxBlock: number): Buffer {
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

export const DECODE: Record<Codec, (file: Buffer) => Buffer> = {
  none: (f) => f,
  gzip: (f) => gunzipSync(f),
  deflate: (f) => inflateSync(f),
  bzip2: (f) => execFileSync('bzip2', ['-dc'], { input: f, maxBuffer: 1 << 28 }),
  zstd: (f) => execFileSync('zstd', ['-dc'], { input: f, maxBuffer: 1 << 28 }),
  lz4: (f) => readHadoopBlocks(f, lz4Raw, LZ4_MAX_BLOCK),
  snappy: (f) => readHadoopBlocks(f, (c) => snappy.uncompressSync(c), SNAPPY_MAX_BLOCK),
}


/** The codec of a data file, from its extension. */
export function codecOfKey(key: string): Codec {
  const ext: [string, Codec][] = [['.gz', 'gzip'], ['.deflate', 'deflate'], ['.bz2', 'bzip2'], ['.lz4', 'lz4'], ['.snappy', 'snappy'], ['.zst', 'zstd']]
  return ext.find(([e]) => key.endsWith(e))?.[1] ?? 'none'
}
