/**
 * LZ4 record batches: the LZ4 frame format (magic 0x184D2204), which Kafka's Java client
 * (KafkaLZ4BlockOutputStream, magic v1+ with the corrected header checksum) and librdkafka write.
 */
import { type BatchRef, corruptCompressed, loadAddon } from './addon.js'

interface Lz4Addon {
  decompressFrameSync(data: Buffer): Buffer
}

export function lz4Decompress(data: Buffer, ref: BatchRef): Buffer {
  const addon = loadAddon<Lz4Addon>('lz4-napi', 'lz4', ref)
  try {
    return addon.decompressFrameSync(data)
  } catch (cause) {
    throw corruptCompressed('lz4', ref, cause)
  }
}
