/**
 * Compression of output files (`sink.compression`), as Spark's JSON writer frames each codec
 * through Hadoop's CompressionCodec, so that Spark (and Hadoop-based readers) read them back:
 *
 * | codec   | Hadoop codec     | extension  | bytes on disk                                       |
 * | ------- | ---------------- | ---------- | --------------------------------------------------- |
 * | gzip    | GzipCodec        | `.gz`      | one gzip member (RFC 1952), Node's zlib             |
 * | deflate | DefaultCodec     | `.deflate` | one zlib stream (RFC 1950), Node's zlib             |
 * | bzip2   | BZip2Codec       | `.bz2`     | one bzip2 stream per flushed chunk, concatenated    |
 * | lz4     | Lz4Codec         | `.lz4`     | Hadoop block framing around raw LZ4 blocks          |
 * | snappy  | SnappyCodec      | `.snappy`  | Hadoop block framing around raw Snappy blocks       |
 * | zstd    | ZStandardCodec   | `.zst`     | one zstd frame per flushed chunk, concatenated      |
 *
 * Hadoop block framing (BlockCompressorStream): per block of at most `maxBlock` input bytes,
 *   block := uint32be(raw length) uint32be(compressed length) compressed bytes
 * with maxBlock = the codec's buffer size (256 KiB by default for both) less its compression
 * overhead, so that Hadoop's BlockDecompressorStream, whose buffer is that size, takes each block.
 * bzip2 and zstd readers (Hadoop's and the command-line tools) read concatenated streams/frames,
 * which lets each flush be compressed on its own. zstd is not one of Spark 3.5's short names
 * (it is an extension: Hadoop reads `.zst` only with its native library).
 *
 * Libraries, chosen by bench/compressors.bench.ts: lz4-napi, snappy and @mongodb-js/zstd (native,
 * already used by the Kafka reader), libbzip2-wasm (libbzip2 as WebAssembly; the pure-JS
 * compressjs is far slower). Loaded when a file first needs them.
 */
import { createRequire } from 'node:module'
import { createDeflate, createGzip, type Deflate, type Gzip } from 'node:zlib'
import { SluiceError } from '../errors.js'

export const CODECS = ['none', 'gzip', 'deflate', 'bzip2', 'lz4', 'snappy', 'zstd'] as const
export type Codec = (typeof CODECS)[number]

/** The file name extension Spark (Hadoop's codec getDefaultExtension) gives each codec. */
export const CODEC_EXTENSION: Readonly<Record<Codec, string>> = {
  none: '',
  gzip: '.gz',
  deflate: '.deflate',
  bzip2: '.bz2',
  lz4: '.lz4',
  snappy: '.snappy',
  zstd: '.zst',
}

/**
 * A compressor for one file. write() takes the file's text in order and returns what is ready
 * to pass on (maybe empty); end() returns the rest. Calls never overlap (the file awaits each).
 */
export interface Compressor {
  /** Memory it holds allocated between calls (see memory-account.ts). */
  readonly stateBytes: number
  write(data: Buffer): Promise<Buffer[]>
  end(): Promise<Buffer[]>
  destroy(): void
}

/**
 * What an open zlib stream holds: deflate's state for windowBits 15 and memLevel 8
 * ((1 << 17) + (1 << 17) = 256 KiB, zlib's documented formula) plus Node's 16 KiB output chunk and
 * the stream's own objects (rounded up).
 */
export const ZLIB_STATE_BYTES = 256 * 1024 + 16 * 1024 + 8 * 1024

const require = createRequire(import.meta.url)
const loaded = new Map<string, unknown>()

function load<T>(pkg: string, codec: Codec): T {
  let mod = loaded.get(pkg)
  if (mod === undefined) {
    try {
      mod = require(pkg)
    } catch (cause) {
      throw new SluiceError(
        'SLUICE_SINK_CODEC_UNAVAILABLE',
        `sink.compression ${codec} needs the npm package ${pkg}, which does not load on this platform ` +
          `(${process.platform}-${process.arch}): ${(cause as Error).message}. Reinstall sluice's dependencies ` +
          'on this machine (npm ci) so npm picks the prebuilt binary, or choose another codec (gzip needs none).',
        { cause, details: { codec, package: pkg } },
      )
    }
    loaded.set(pkg, mod)
  }
  return mod as T
}

class ZlibCompressor implements Compressor {
  readonly stateBytes = ZLIB_STATE_BYTES
  readonly #z: Gzip | Deflate
  #out: Buffer[] = []

  constructor(z: Gzip | Deflate) {
    this.#z = z
    z.on('data', (b: Buffer) => this.#out.push(b))
  }

  #take(): Buffer[] {
    const out = this.#out
    this.#out = []
    return out
  }

  async write(data: Buffer): Promise<Buffer[]> {
    // The write callback runs once the chunk is through deflate; its output has been emitted.
    await new Promise<void>((resolve, reject) => this.#z.write(data, (err) => (err ? reject(err) : resolve())))
    return this.#take()
  }

  async end(): Promise<Buffer[]> {
    await new Promise<void>((resolve, reject) => {
      this.#z.once('end', resolve)
      this.#z.once('error', reject)
      this.#z.end()
      this.#z.resume()
    })
    return this.#take()
  }

  destroy(): void {
    this.#z.destroy()
  }
}

/**
 * Compresses each chunk on its own (no state between chunks). A file without a byte still gets
 * what the codec writes for empty input (Hadoop: `empty`), as Spark's writer leaves it.
 */
class ChunkCompressor implements Compressor {
  readonly stateBytes = 0
  readonly #compress: (data: Buffer) => Buffer | Promise<Buffer>
  readonly #empty: Buffer | null
  #wrote = false

  constructor(compress: (data: Buffer) => Buffer | Promise<Buffer>, empty: Buffer | null = null) {
    this.#compress = compress
    this.#empty = empty
  }

  async write(data: Buffer): Promise<Buffer[]> {
    if (data.length === 0) return []
    this.#wrote = true
    return [await this.#compress(data)]
  }

  async end(): Promise<Buffer[]> {
    if (this.#wrote) return []
    return [this.#empty ?? (await this.#compress(Buffer.alloc(0)))]
  }

  destroy(): void {}
}

/** Hadoop's BlockCompressorStream framing of `data` with a raw block compressor. */
export function hadoopBlocks(data: Buffer, maxBlock: number, compressBlock: (raw: Buffer) => Buffer): Buffer {
  const parts: Buffer[] = []
  let total = 0
  for (let off = 0; off < data.length; off += maxBlock) {
    const raw = data.subarray(off, Math.min(data.length, off + maxBlock))
    const comp = compressBlock(raw)
    const head = Buffer.allocUnsafe(8)
    head.writeUInt32BE(raw.length, 0)
    head.writeUInt32BE(comp.length, 4)
    parts.push(head, comp)
    total += 8 + comp.length
  }
  return Buffer.concat(parts, total)
}

/** io.compression.codec.{lz4,snappy}.buffersize's default. */
const HADOOP_BUFFER = 256 * 1024
/** Lz4Codec: bufferSize - (bufferSize / 255 + 16). */
export const LZ4_MAX_BLOCK = HADOOP_BUFFER - (Math.floor(HADOOP_BUFFER / 255) + 16)
/** SnappyCodec: bufferSize - (bufferSize / 6 + 32). */
export const SNAPPY_MAX_BLOCK = HADOOP_BUFFER - (Math.floor(HADOOP_BUFFER / 6) + 32)

interface Lz4Addon {
  /** lz4_flex's block format with the uncompressed size prepended (4 bytes LE). */
  compressSync(data: Buffer): Buffer
}
interface SnappyAddon {
  compressSync(data: Buffer): Buffer
}
interface ZstdAddon {
  compress(data: Buffer, level?: number): Promise<Buffer>
}
interface Bzip2Wasm {
  compressBZ2(data: Uint8Array, blockSize100k: number, workFactor: number): { error: number; output: Uint8Array }
}

export function lz4Block(raw: Buffer): Buffer {
  return load<Lz4Addon>('lz4-napi', 'lz4').compressSync(raw).subarray(4)
}

export function snappyBlock(raw: Buffer): Buffer {
  return load<SnappyAddon>('snappy', 'snappy').compressSync(raw)
}

let bzip2Module: Promise<Bzip2Wasm> | null = null

/** emscripten's Module: `then(cb)` calls cb with the Module itself, which is thenable again. */
interface Thenable {
  then?: (cb: (m: unknown) => void) => unknown
}

/**
 * Waits for the module without awaiting the thenable itself (a Promise would resolve it with
 * itself forever): its own then(), then the thenable property removed.
 */
function instantiate(factory: () => Bzip2Wasm & Thenable): Promise<Bzip2Wasm> {
  return new Promise((resolve) => {
    const m = factory()
    m.then!(() => {
      delete m.then
      resolve(m)
    })
  })
}

/** One bzip2 stream of `data` (libbzip2 as WebAssembly; its module is instantiated once per thread). */
export async function bzip2Stream(data: Buffer): Promise<Buffer> {
  bzip2Module ??= instantiate(load<() => Bzip2Wasm & Thenable>('libbzip2-wasm', 'bzip2'))
  const m = await bzip2Module
  // Block size 3 (300 kB) holds a whole flushed chunk (FLUSH_BYTES) with a third of -9's memory.
  const r = m.compressBZ2(data, 3, 30)
  if (r.error !== 0) {
    throw new SluiceError('SLUICE_SINK_CODEC_UNAVAILABLE', `bzip2 compression failed with libbzip2 error ${r.error}; choose another sink.compression`, {
      details: { codec: 'bzip2', error: r.error },
    })
  }
  // A copy: the output may be a view of the module's memory, which the next call reuses.
  return Buffer.from(r.output)
}

/** zstd's default level (3), as Hadoop's ZStandardCodec (io.compression.codec.zstd.level). */
export async function zstdFrame(data: Buffer): Promise<Buffer> {
  return load<ZstdAddon>('@mongodb-js/zstd', 'zstd').compress(data, 3)
}

/** BlockCompressorStream.finish() with no input: a zero raw length and no compressed chunk. */
const HADOOP_EMPTY = Buffer.alloc(4)

/** The compressor of one file (null for `none`). */
export function createCompressor(codec: Codec): Compressor | null {
  switch (codec) {
    case 'none':
      return null
    case 'gzip':
      return new ZlibCompressor(createGzip({ level: 6 }))
    case 'deflate':
      return new ZlibCompressor(createDeflate({ level: 6 }))
    case 'bzip2':
      return new ChunkCompressor(bzip2Stream)
    case 'lz4':
      return new ChunkCompressor((d) => hadoopBlocks(d, LZ4_MAX_BLOCK, lz4Block), HADOOP_EMPTY)
    case 'snappy':
      return new ChunkCompressor((d) => hadoopBlocks(d, SNAPPY_MAX_BLOCK, snappyBlock), HADOOP_EMPTY)
    case 'zstd':
      return new ChunkCompressor(zstdFrame)
  }
}
