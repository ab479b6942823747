/**
 * Record-batch decompression, one module per codec (attributes bits 0-2 of a RecordBatch):
 * 1 gzip (node:zlib), 2 snappy (the `snappy` napi-rs addon; Java's xerial framing or raw),
 * 3 lz4 (the `lz4-napi` addon; the LZ4 frame format), 4 zstd (the `@mongodb-js/zstd` addon,
 * asynchronous only: zstd batches are inflated before decoding by {@link inflateAsyncBatches}).
 * The libraries were chosen by bench/codecs.bench.ts (native addons: 2-13x the MB/s of the wasm
 * and pure-JS candidates on 1 MiB batches). Each addon ships one prebuilt package per platform
 * in the lockfile; it is loaded on first use, and a platform without one fails the batch with
 * SLUICE_KAFKA_COMPRESSION_UNSUPPORTED naming the package.
 */
import { gunzipSync } from 'node:zlib'
import { SluiceError } from '../../errors.js'
import { type BatchRef, corruptCompressed } from './addon.js'
import { lz4Decompress } from './lz4.js'
import { snappyDecompress } from './snappy.js'

export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/**
 * Decompresses one batch's records section synchronously (gzip, snappy, lz4). zstd batches must
 * have been inflated by {@link inflateAsyncBatches}; codecs 5-7 are not Kafka codecs.
 */
export function decompressSync(codec: number, data: Buffer, ref: BatchRef): Buffer {
  switch (codec) {
    case 1:
      try {
        return gunzipSync(data)
      } catch (cause) {
        throw corruptCompressed('gzip', ref, cause)
      }
    case 2:
      return snappyDecompress(data, ref)
    case 3:
      return lz4Decompress(data, ref)
    case 4:
      throw notLoaded('zstd')
    default:
      throw new SluiceError(
        'SLUICE_KAFKA_COMPRESSION_UNSUPPORTED',
        `${ref.topic}-${ref.partition} at offset ${ref.offset} holds a record batch with compression ` +
          `codec ${codec}, which no Kafka version defines (0-4: none, gzip, snappy, lz4, zstd): the ` +
          'batch is corrupt or from a non-conforming producer. Inspect it with kcat; to skip it, ' +
          'move the starting offsets past the batch.',
        { details: { ...ref, codec } },
      )
  }
}

function notLoaded(codec: string): Error {
  // A programming error: the caller did not run inflateAsyncBatches() on the record set.
  return new Error(`record-batch: ${codec} batch not inflated (run inflateAsyncBatches() on the record set first)`)
}

export type { BatchRef } from './addon.js'
export { inflateAsyncBatches } from './zstd.js'
