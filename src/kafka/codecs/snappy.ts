/**
 * Snappy record batches. Kafka's Java client writes xerial's framing (snappy-java's
 * SnappyOutputStream); librdkafka and others write one raw snappy block:
 *
 *   xerial  => magic:8 (0x82 'SNAPPY' 0x00) version:int32 compatible:int32 [length:int32 block:bytes]
 *   raw     => one snappy block (varint uncompressed length, then elements)
 */
import { type BatchRef, corruptCompressed, loadAddon } from './addon.js'

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER = 16

interface SnappyAddon {
  uncompressSync(data: Buffer, opts?: { asBuffer?: boolean }): Buffer
}

export function snappyDecompress(data: Buffer, ref: BatchRef): Buffer {
  const addon = loadAddon<SnappyAddon>('snappy', 'snappy', ref)
  try {
    if (data.length < XERIAL_HEADER || data.compare(XERIAL_MAGIC, 0, 8, 0, 8) !== 0) {
      return addon.uncompressSync(data, { asBuffer: true })
    }
    const blocks: Buffer[] = []
    let size = 0
    let pos = XERIAL_HEADER
    while (pos < data.length) {
      if (pos + 4 > data.length) throw new Error('xerial block length cut off')
      const len = data.readInt32BE(pos)
      pos += 4
      if (len < 0 || pos + len > data.length) throw new Error(`xerial block of ${len} bytes runs past the batch`)
      const block = addon.uncompressSync(data.subarray(pos, pos + len), { asBuffer: true })
      blocks.push(block)
      size += block.length
      pos += len
    }
    return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, size)
  } catch (cause) {
    throw corruptCompressed('snappy', ref, cause)
  }
}
