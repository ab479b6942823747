/**
 * One coalesce writer of one batch (Spark's coalesce(N) task, the write half): it receives the
 * encoded rows of its Kafka ranges as blocks from the read tasks (row-blocks.ts), appends each
 * block to its partition directory's file (PartitionFile → the store's streaming ObjectWriter),
 * and at the end records the keys about to appear in an intent file in the checkpoint (so a re-run
 * can remove them) and closes the files (they become visible). Files are named
 * `part-<writer>-<attempt>-c<k>` (types.ts dataFileName): at most one per directory, the next
 * `-c001` only when the memory bound or the open-file cap forces a cut, or when the file reached
 * `maxRecordsPerFile` or `targetFileSize` (file-roller.ts: the cut decision, a block split at a
 * row boundary where needed).
 *
 * It runs where the blocks arrive: on the coordinator thread for the pool (query/batch-writer.ts),
 * or in the reader's own thread (writer-task.ts runWriterTask). Blocks are appended one at a time
 * in arrival order (a file's writes never overlap); `append` resolves when the block is in the
 * file's writer, which is when the reader gets its flow-control credit back.
 *
 * Rows in a file: each block holds rows of one read task in the order it projected them (every
 * Kafka partition range in Kafka order); blocks of different read tasks interleave in arrival
 * order (docs/architecture.md, "Order of rows").
 */
import { intentKey, serializeIntent } from '../commit/intents.js'
import { OwnerLease } from '../commit/owner-lease.js'
import { SluiceError } from '../errors.js'
import { createStore } from '../storage/index.js'
import type { Store, StoreSpec } from '../storage/types.js'
import { MemoryAccount, pickLeastRecentlyUsed } from './memory-account.js'
import { INITIAL_BYTES, PartitionFile } from './partition-file.js'
import { ParquetFile } from './parquet/parquet-file.js'
import type { RowGroupMeta } from './parquet/row-group.js'
import type { Codec } from './compressors.js'
import { FileRoller, jsonLineLocator, type RowLocator } from './file-roller.js'
import { BAD_RECORDS_DIR } from './bad-records.js'
import { dataFileName, type WriterSpec, type WrittenFile } from './types.js'

/**
 * Files a writer keeps open at once, whatever its memory budget: bounds file descriptors and
 * sockets. A writer that needs more closes its least recently used files first.
 */
export const MAX_OPEN_FILES = 1024
/** When the writer closes files for memory, it goes down to this share of its budget (fewer, larger closes). */
const RELIEF_TARGET = 0.75

const stores = new Map<string, Store>()

export function storeFor(spec: StoreSpec): Store {
  const key = JSON.stringify(spec)
  let store = stores.get(key)
  if (store === undefined) {
    store = createStore(spec)
    stores.set(key, store)
  }
  return store
}

export class MergeWriter {
  readonly spec: WriterSpec
  /** Open files by directory. */
  #files = new Map<string, PartitionFile | ParquetFile>()
  /** Files being closed (still to abort on failure). */
  #closing: (PartitionFile | ParquetFile)[] = []
  #counters = new Map<string, number>()
  #closed: WrittenFile[] = []
  #intentSeq = 0
  #account = new MemoryAccount()
  #useCounter = 0
  #output: Store
  /** sink.compression (compressors.ts). */
  #codec: Codec
  /** The chain of appends and closes: one at a time. */
  #chain: Promise<void> = Promise.resolve()
  #failure: unknown = undefined
  /** maxRecordsPerFile / targetFileSize (file-roller.ts) and where the blocks' rows end. */
  #roller: FileRoller
  #rows: RowLocator
  /** sink.badRecordsPath: this writer's bad-records file of the batch (bad-records.ts), once it has a row. */
  #bad: PartitionFile | null = null
  #badWritten: WrittenFile | null = null

  constructor(spec: WriterSpec) {
    this.spec = spec
    this.#output = storeFor(spec.output)
    this.#codec = spec.compression
    this.#roller = new FileRoller({ maxRecordsPerFile: spec.maxRecordsPerFile ?? 0, targetFileSize: spec.targetFileSize ?? 0, compressed: spec.compression !== 'none' })
    this.#rows = jsonLineLocator(spec.lineSep ?? '\n')
  }

  /** The most memory the writer's files held allocated at once. */
  get peakAllocatedBytes(): number {
    return this.#account.peak
  }

  /** The bad-records file completed by finish() (key relative to badRecordsPath), if any. */
  get badRecordsFile(): WrittenFile | null {
    return this.#badWritten
  }

  /** The first error of an append or close, if any. */
  get failure(): unknown {
    return this.#failure
  }

  /**
   * Appends `rows` rows (UTF-8 lines, each ending in '\n') to directory `dir`'s file. Resolves when
   * the bytes are in the file's writer; rejects with the writer's first failure.
   */
  append(dir: string, bytes: Uint8Array, rows: number, rg?: RowGroupMeta): Promise<void> {
    return this.#enqueue(() => (dir === BAD_RECORDS_DIR ? this.#appendBad(bytes, rows) : this.#append(dir, bytes, rows, rg)))
  }

  /** Waits for every append, writes the intent file and closes every file (they become visible). */
  async finish(): Promise<WrittenFile[]> {
    await this.#enqueue(async () => {
      if (this.spec.writeEmptyFile && this.#files.size === 0 && this.#closed.length === 0) this.#open('')
      if (this.#files.size > 0 || this.#bad !== null) await this.#closeFiles([...this.#files.keys()], true)
    })
    return this.#closed
  }

  /** Discards every file not yet visible (AbortMultipartUpload / the temporary file). */
  async abort(): Promise<void> {
    this.#failure ??= new Error('aborted')
    await this.#chain.catch(() => undefined)
    const all = [...this.#files.values(), ...this.#closing, ...(this.#bad === null ? [] : [this.#bad])]
    this.#files.clear()
    this.#bad = null
    await Promise.allSettled(all.map((f) => f.abort()))
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(() => {
      if (this.#failure !== undefined) throw this.#failure
      return step()
    })
    this.#chain = run.catch((err: unknown) => {
      this.#failure ??= err
    })
    return run
  }

  async #append(dir: string, bytes: Uint8Array, rows: number, rg: RowGroupMeta | undefined): Promise<void> {
    for (;;) {
      let file = this.#files.get(dir)
      if (file === undefined) {
        if (this.#mustMakeRoom()) await this.#relieve()
        file = this.#open(dir)
      }
      file.lastUsed = ++this.#useCounter
      if (file instanceof ParquetFile) {
        // A row group is never split (the read tasks keep them at most maxRecordsPerFile rows): a
        // file that could not take it whole under maxRecordsPerFile is closed first, and
        // targetFileSize closes a file at the first row group boundary at or past the target.
        if (this.#roller.active && this.#roller.closesBefore(file, rows)) {
          await this.#closeFiles([dir])
          continue
        }
        await file.appendBytes(bytes, rows, rg)
        if (this.#roller.active && this.#roller.isFull(file)) await this.#closeFiles([dir])
        break
      }
      if (!this.#roller.active) {
        await file.appendBytes(bytes, rows)
        break
      }
      // maxRecordsPerFile / targetFileSize: the part of the block this file takes, then the next file.
      const take = this.#roller.take(file, bytes, rows, this.#rows)
      await file.appendBytes(take.bytes === bytes.byteLength ? bytes : bytes.subarray(0, take.bytes), take.rows)
      if (take.full || this.#roller.isFull(file)) await this.#closeFiles([dir])
      if (take.rows >= rows) break
      bytes = bytes.subarray(take.bytes)
      rows -= take.rows
    }
    if (this.#account.used > this.spec.memoryBytes) await this.#relieve()
  }

  async #appendBad(bytes: Uint8Array, rows: number): Promise<void> {
    const b = this.spec.badRecords
    if (b === undefined) {
      throw new SluiceError('SLUICE_INTERNAL', `writer ${this.spec.writer} of batch ${this.spec.batchId} got bad records but has no sink.badRecordsPath; this is a bug in sluice, please report it.`)
    }
    this.#bad ??= new PartitionFile(storeFor(b.store), b.key, 'none', this.#account)
    await this.#bad.appendBytes(bytes, rows)
  }

  #open(dir: string): PartitionFile | ParquetFile {
    const counter = this.#counters.get(dir) ?? 0
    this.#counters.set(dir, counter + 1)
    const pq = this.spec.parquet
    const name = dataFileName(this.spec.writer, this.spec.fileUuid, counter, this.#codec, pq?.codec)
    const key = dir === '' ? name : `${dir}/${name}`
    const file = pq === undefined ? new PartitionFile(this.#output, key, this.#codec, this.#account) : new ParquetFile(this.#output, key, pq, this.#account)
    this.#files.set(dir, file)
    return file
  }

  /** Whether opening one more file would pass the budget or the open-file cap. */
  #mustMakeRoom(): boolean {
    return this.#files.size >= MAX_OPEN_FILES || this.#account.used + INITIAL_BYTES > this.spec.memoryBytes
  }

  /**
   * Keeps the writer's memory under its budget (see memory-account.ts): close least-recently-used
   * files until the allocated sum is back under RELIEF_TARGET of the budget and one more file can
   * be opened. A directory that gets rows again continues in its next file (`-c001`).
   */
  async #relieve(): Promise<void> {
    const budget = this.spec.memoryBytes
    if (this.#account.used <= budget && !this.#mustMakeRoom()) return
    const target = Math.floor(budget * RELIEF_TARGET) - INITIAL_BYTES
    // Over the open-file cap: close an eighth of the files at once (fewer intent files).
    const overCap = this.#files.size >= MAX_OPEN_FILES ? Math.max(1, this.#files.size >> 3) : 0
    const victims = pickLeastRecentlyUsed(this.#files.values(), this.#account.used, target, overCap)
    if (victims.length === 0) return
    const dirOf = new Map([...this.#files].map(([d, f]) => [f, d]))
    await this.#closeFiles(victims.map((f) => dirOf.get(f)!))
  }

  /** Records the keys, then makes the files visible (with `withBad`, the bad-records file too: at finish). */
  async #closeFiles(dirs: string[], withBad = false): Promise<void> {
    const s = this.spec
    const list = dirs.map((d) => this.#files.get(d)!)
    // Rows that arrive after this go to a new file (the next -cNNN) of the directory.
    for (const d of dirs) this.#files.delete(d)
    this.#closing.push(...list)
    const bad = withBad ? this.#bad : null
    // One at a time: with gzip, finish() holds a compressor (GZIP_STATE_BYTES) while it runs;
    // finishing many files at once would pass the budget. The uploads themselves (close) run together.
    for (const f of list) await f.finish()
    await bad?.finish()
    const checkpoint = storeFor(s.checkpoint)
    // Data fencing: a run that lost the lease completes nothing more (see src/commit).
    await new OwnerLease(checkpoint, s.runId).check(s.batchId)
    await checkpoint.put(
      intentKey(s.batchId, s.fileUuid, s.writer, this.#intentSeq++),
      serializeIntent({ batchId: s.batchId, attempt: s.fileUuid, writer: s.writer, keys: list.map((f) => f.key), badRecords: bad === null ? undefined : [bad.key] }),
    )
    if (bad !== null) {
      const info = await bad.close()
      this.#bad = null
      this.#badWritten = { key: info.key, size: info.size, lastModified: info.lastModified, rows: bad.rows }
    }
    const infos = await Promise.all(list.map((f) => f.close()))
    for (let i = 0; i < list.length; i++) {
      const info = infos[i]!
      this.#closed.push({ key: info.key, size: info.size, lastModified: info.lastModified, rows: list[i]!.rows })
      this.#closing.splice(this.#closing.indexOf(list[i]!), 1)
    }
  }
}
