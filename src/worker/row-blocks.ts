/**
 * The reader side of a batch's data path: rows encoded straight into byte blocks, one block being
 * filled per (coalesce writer, partition directory), sent to the merge writers as transferred
 * ArrayBuffers (no copy between threads) with credit-based flow control.
 *
 * A block starts at BLOCK_INITIAL bytes and doubles up to BLOCK_BYTES; a full block is sent (the
 * caller awaits `sendDue()` after each Kafka chunk), and when the capacity of all blocks passes
 * the task's budget the largest are sent early. Blocks are allocated outside Node's Buffer pool
 * (`allocUnsafeSlow`): a pooled Buffer's ArrayBuffer is shared and must not be transferred.
 *
 * Flow control: at most `inFlightBytes` sent and not yet acknowledged (`{t:'a'}` from the merge
 * writer once the bytes are in its file's writer); sending more waits for acknowledgements. A
 * `{t:'x'}` from the writer side (the batch failed) makes every further send throw.
 */
import type { MessagePort } from 'node:worker_threads'
import { SluiceError } from '../errors.js'
import type { RowGroupMeta } from './parquet/row-group.js'
import type { RowSink } from '../sql/index.js'
import type { BlockMessage, BlockReply } from './types.js'

/** A block is sent once it holds this much (and at the end). */
export const BLOCK_BYTES = 256 * 1024
/** A new block's capacity. */
export const BLOCK_INITIAL = 4 * 1024
/** Buffer's own UTF-8 writer (what `write(s, pos, 'utf8')` calls, without the argument checks). */
type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number }

export class Block {
  buf: Buffer
  pos = 0
  rows = 0
  constructor(
    readonly writer: number,
    readonly dir: string,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(size)
  }
}

/** RowBlocks' RowSink for one writer: room() picks the row's block, commit() ends the row. */
class BlockSink implements RowSink {
  pos = 0
  readonly #blocks: RowBlocks
  readonly #w: number
  #b: Block | null = null

  constructor(blocks: RowBlocks, w: number) {
    this.#blocks = blocks
    this.#w = w
  }

  room(dir: string, need: number): Buffer {
    const b = this.#blocks.room(this.#w, dir, need)
    this.#b = b
    this.pos = b.pos
    return b.buf
  }

  commit(end: number): void {
    const b = this.#b!
    b.pos = end
    this.#blocks.endRow(b)
  }
}

export class RowBlocks {
  #port: MessagePort
  #byWriter: Map<string, Block>[] = []
  #due: Block[] = []
  #capacity = 0
  #peak = 0
  #budget: number
  #inFlightLimit: number
  #unacked = 0
  #waiters: (() => void)[] = []
  #stopped = false
  /** The block the last row went to. */
  #last: Block | null = null
  /** sink.lineSep as bytes: what ends each row. */
  #lineSep: Buffer

  constructor(port: MessagePort, budget: number, inFlightBytes: number, lineSep = '\n') {
    this.#lineSep = Buffer.from(lineSep, 'utf8')
    this.#port = port
    this.#budget = budget
    this.#inFlightLimit = inFlightBytes
    port.on('message', (m: BlockReply) => {
      if (m.t === 'a') this.#unacked -= m.n
      else this.#stopped = true
      const w = this.#waiters
      this.#waiters = []
      for (const f of w) f()
    })
  }

  /** The most block capacity held at once. */
  get peak(): number {
    return this.#peak
  }

  /** Appends one row (its JSON text, without the newline) to writer `w`'s directory `dir`. */
  append(w: number, dir: string, line: string): void {
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
    const b = this.room(w, dir, line.length * 3)
    b.pos += (b.buf as Utf8Writable).utf8Write(line, b.pos)
    this.endRow(b)
  }

  /** A sink for the byte projection's rows of writer `w` (sql's RowSink). */
  sink(w: number): RowSink {
    return new BlockSink(this, w)
  }

  /** The block of (w, dir), with room for `need` bytes and the line separator from its `pos`. */
  room(w: number, dir: string, need: number): Block {
    let dirs = this.#byWriter[w]
    if (dirs === undefined) dirs = this.#byWriter[w] = new Map()
    // Consecutive rows mostly share writer and directory (the projection reuses the path string).
    let b = this.#last
    if (b === null || b.dir !== dir || b.writer !== w) {
      b = dirs.get(dir) ?? null
      if (b === null) {
        b = new Block(w, dir, BLOCK_INITIAL)
        dirs.set(dir, b)
        this.#grew(BLOCK_INITIAL)
      }
    }
    const worst = need + this.#lineSep.length
    if (b.buf.length - b.pos < worst) b = this.#makeRoom(b, dirs, worst)
    this.#last = b
    return b
  }

  /** Ends the row just written at `b.pos` (room's block): the line separator, the row count. */
  endRow(b: Block): void {
    const sep = this.#lineSep
    if (sep.length === 1) b.buf[b.pos++] = sep[0]!
    else b.pos += sep.copy(b.buf, b.pos)
    b.rows++
  }

  /** Grows the block (doubling to BLOCK_BYTES) or, when full, queues it and starts the next. */
  #makeRoom(b: Block, dirs: Map<string, Block>, need: number): Block {
    if (b.buf.length < BLOCK_BYTES) {
      let size = b.buf.length * 2
      while (size - b.pos < need && size < BLOCK_BYTES) size *= 2
      if (size - b.pos >= need) {
        const grown = Buffer.allocUnsafeSlow(size)
        b.buf.copy(grown, 0, 0, b.pos)
        this.#grew(size - b.buf.length)
        b.buf = grown
        return b
      }
    }
    if (b.pos > 0) this.#due.push(b)
    const next = new Block(b.writer, b.dir, Math.max(BLOCK_BYTES, need))
    this.#grew(next.buf.length)
    dirs.set(b.dir, next)
    return next
  }

  #grew(n: number): void {
    this.#capacity += n
    if (this.#capacity > this.#peak) this.#peak = this.#capacity
  }

  /**
   * Sends the full blocks, and the largest open ones while the capacity is over budget. Call after
   * each Kafka chunk; awaits flow control.
   */
  async sendDue(): Promise<void> {
    while (this.#due.length > 0) await this.#send(this.#due.shift()!)
    if (this.#capacity <= this.#budget) return
    const open: Block[] = []
    for (const dirs of this.#byWriter) if (dirs !== undefined) for (const b of dirs.values()) open.push(b)
    open.sort((a, b) => b.buf.length - a.buf.length)
    const target = Math.floor(this.#budget * 0.75)
    for (const b of open) {
      if (this.#capacity <= target) break
      // Lanes call this concurrently: a block another call took meanwhile is not sent twice.
      const dirs = this.#byWriter[b.writer]!
      if (dirs.get(b.dir) !== b) continue
      dirs.delete(b.dir)
      await this.#send(b)
    }
  }

  /** Sends every block left, then the end marker. */
  async finish(): Promise<void> {
    await this.sendDue()
    for (const dirs of this.#byWriter) {
      if (dirs === undefined) continue
      for (const b of [...dirs.values()]) {
        dirs.delete(b.dir)
        await this.#send(b)
      }
    }
    this.#check()
    const end: BlockMessage = { t: 'e' }
    this.#port.postMessage(end)
  }

  async #send(b: Block): Promise<void> {
    if (this.#last === b) this.#last = null
    this.#capacity -= b.buf.length
    if (b.pos === 0) return
    while (this.#unacked > 0 && this.#unacked + b.pos > this.#inFlightLimit && !this.#stopped) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
    this.#check()
    this.#unacked += b.pos
    const ab = b.buf.buffer as ArrayBuffer
    const msg: BlockMessage = { t: 'b', w: b.writer, dir: b.dir, buf: ab, len: b.pos, rows: b.rows }
    this.#port.postMessage(msg, [ab])
  }

  /**
   * Sends bytes encoded elsewhere (one Parquet row group with its metadata: parquet/row-groups.ts)
   * under the same flow control. `buf` must own its ArrayBuffer from byte 0 (allocUnsafeSlow).
   */
  async sendEncoded(w: number, dir: string, buf: Buffer, rows: number, rg: RowGroupMeta): Promise<void> {
    while (this.#unacked > 0 && this.#unacked + buf.length > this.#inFlightLimit && !this.#stopped) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
    this.#check()
    this.#unacked += buf.length
    const ab = buf.buffer as ArrayBuffer
    const msg: BlockMessage = { t: 'b', w, dir, buf: ab, len: buf.length, rows, rg }
    this.#port.postMessage(msg, [ab])
  }

  #check(): void {
    if (this.#stopped) {
      throw new SluiceError('SLUICE_INTERNAL', 'the batch was stopped by its writers (another task failed); this read task stops too.')
    }
  }
}
