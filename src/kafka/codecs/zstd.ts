/**
 * zstd record batches, inflated before the (synchronous) decode: the `@mongodb-js/zstd` addon
 * decompresses only asynchronously, on libuv's thread pool, so several batches of one response
 * inflate in parallel. The other codecs are left to decodeRecordSet().
 */
import { type BatchRef, corruptCompressed, loadAddon } from './addon.js'

interface ZstdAddon {
  decompress(data: Buffer): Promise<Buffer>
}

const BATCH_HEADER = 61

/**
 * Walks the batch headers of `data[start, end)` and inflates every zstd batch that holds
 * offsets in [rangeStart, rangeEnd). Returns the inflated records sections keyed by the batch's
 * position in `data`, or undefined when there is none (the common case: no allocation).
 * Format errors are left for decodeRecordSet() to report.
 */
export async function inflateAsyncBatches(
  data: Buffer,
  start: number,
  end: number,
  topic: string,
  partition: number,
  rangeStart: number,
  rangeEnd: number,
): Promise<Map<number, Buffer> | undefined> {
  let jobs: Promise<void>[] | undefined
  let out: Map<number, Buffer> | undefined
  let pos = start
  while (end - pos >= BATCH_HEADER) {
    const length = data.readInt32BE(pos + 8)
    const batchEnd = pos + 12 + length
    if (length < BATCH_HEADER - 12 || batchEnd > end || data[pos + 16] !== 2) break
    const baseOffset = data.readInt32BE(pos) * 4294967296 + data.readUInt32BE(pos + 4)
    if (baseOffset >= rangeEnd) break
    const attributes = data.readInt16BE(pos + 21)
    const lastOffset = baseOffset + data.readInt32BE(pos + 23)
    if ((attributes & 7) === 4 && (attributes & 0x20) === 0 && lastOffset >= rangeStart) {
      const ref: BatchRef = { topic, partition, offset: baseOffset }
      const addon = loadAddon<ZstdAddon>('@mongodb-js/zstd', 'zstd', ref)
      const at = pos
      out ??= new Map()
      jobs ??= []
      const map = out
      jobs.push(
        addon.decompress(data.subarray(pos + BATCH_HEADER, batchEnd)).then(
          (buf) => {
            map.set(at, buf)
          },
          (cause) => {
            throw corruptCompressed('zstd', ref, cause)
          },
        ),
      )
    }
    pos = batchEnd
  }
  if (jobs !== undefined) await Promise.all(jobs)
  return out
}
