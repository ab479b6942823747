/**
 * Producer compression codecs of the load generator, registered into kafkajs (which ships gzip
 * only). The one place that knows which library compresses what:
 *
 *   none, gzip  kafkajs itself
 *   snappy      snappyjs (pure JS, no dependencies): raw snappy blocks, as librdkafka writes them;
 *               decompression also reads xerial-framed blocks (the Java client's)
 *   lz4         lz4js (pure JS, no dependencies): the LZ4 frame format Kafka uses since 0.10
 *   zstd        node:zlib's zstd (Node.js >= 22.15); refused with a clear message on older Node
 *
 * kafkajs' codec table is process-wide; registering is idempotent and only adds codecs it lacks.
 */
import zlib from 'node:zlib'
import kafkajs, { CompressionTypes } from 'kafkajs'
import lz4 from 'lz4js'
import snappy from 'snappyjs'

export type CodecName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

interface Encoder {
  buffer: Buffer
}
interface KafkajsCodec {
  compress(encoder: Encoder): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])

function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < 16 || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(buffer))
  const chunks: Buffer[] = []
  for (let at = 16; at < buffer.length; ) {
    const size = buffer.readUInt32BE(at)
    chunks.push(Buffer.from(snappy.uncompress(buffer.subarray(at + 4, at + 4 + size))))
    at += 4 + size
  }
  return Buffer.concat(chunks)
}

type ZstdZlib = { zstdCompressSync?: (b: Buffer) => Buffer; zstdDecompressSync?: (b: Buffer) => Buffer }
const z = zlib as unknown as ZstdZlib

export const CODECS: Readonly<Record<CodecName, { type: CompressionTypes; codec?: () => KafkajsCodec; unavailable?: () => string | undefined }>> = {
  none: { type: CompressionTypes.None },
  gzip: { type: CompressionTypes.GZIP },
  snappy: {
    type: CompressionTypes.Snappy,
    codec: () => ({
      compress: async (e) => Buffer.from(snappy.compress(e.buffer)),
      decompress: async (b) => snappyDecompress(b),
    }),
  },
  lz4: {
    type: CompressionTypes.LZ4,
    codec: () => ({
      compress: async (e) => Buffer.from(lz4.compress(e.buffer)),
      decompress: async (b) => Buffer.from(lz4.decompress(b)),
    }),
  },
  zstd: {
    type: CompressionTypes.ZSTD,
    codec: () => ({
      compress: async (e) => z.zstdCompressSync!(e.buffer),
      decompress: async (b) => z.zstdDecompressSync!(b),
    }),
    unavailable: () =>
      typeof z.zstdCompressSync === 'function'
        ? undefined
        : `zstd needs Node.js >= 22.15 (node:zlib zstd), this is ${process.version}; use gzip, snappy or lz4, or a newer Node.js`,
  },
}

/** Registers the codec `name` needs into kafkajs and returns its kafkajs compression type. */
export function useCodec(name: CodecName): CompressionTypes {
  const entry = CODECS[name]
  if (entry.codec !== undefined) {
    const table = kafkajs.CompressionCodecs as unknown as Record<number, () => KafkajsCodec>
    const codec = entry.codec()
    table[entry.type] = () => codec
  }
  return entry.type
}
