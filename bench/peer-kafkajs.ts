/**
 * The hand-written kafkajs pipeline of bench/drain-lib.ts in a process of its own, so that the
 * suite (bench/suite.ts) meters its CPU and RSS like every other contender's.
 *
 *   node dist/bench/peer-kafkajs.js <bootstrap> <s3 endpoint> <rep> <topic> <records>
 * Prints {"recordsPerSecond": n} on stdout.
 */
import { decompress as zstdDecompress } from '@mongodb-js/zstd'
import kafkajs from 'kafkajs'
import { compressFrame, decompressFrame } from 'lz4-napi'
import { kafkajsPipeline } from './drain-lib.js'

const { CompressionCodecs, CompressionTypes } = kafkajs
// kafkajs reads gzip itself; lz4 and zstd need codecs registered, as a user of kafkajs would
// (here the native addons sluice uses, so the codec is not what differs).
CompressionCodecs[CompressionTypes.LZ4] = () => ({ compress: async (e: { buffer: Buffer }) => compressFrame(e.buffer), decompress: (b: Buffer) => decompressFrame(b) })
CompressionCodecs[CompressionTypes.ZSTD] = () => ({ compress: async () => Promise.reject(new Error('not used')), decompress: (b: Buffer) => zstdDecompress(b) })

const [bootstrap, endpoint, rep, topic, total] = process.argv.slice(2)
if (bootstrap === undefined || endpoint === undefined || rep === undefined || topic === undefined || total === undefined) {
  process.stderr.write('usage: node dist/bench/peer-kafkajs.js <bootstrap> <s3 endpoint> <rep> <topic> <records>\n')
  process.exit(2)
}
const rate = await kafkajsPipeline(bootstrap, endpoint, Number(rep), topic, Number(total))
process.stdout.write(`${JSON.stringify({ recordsPerSecond: Math.round(rate) })}\n`)
