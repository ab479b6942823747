/**
 * The read task's side of `sink.format: parquet`: one row group being built per (coalesce writer,
 * partition directory), encoded and compressed here, on the worker thread, and sent to the merge
 * writer as one transferred buffer through RowBlocks' flow control (row-blocks.ts sendEncoded).
 *
 * Bounded memory: a row group is sent once it holds `groupBytes` (a quarter of the task's budget,
 * between 64 KiB and 8 MiB), and while all builders together hold more than the task's budget the
 * largest are sent early (as RowBlocks does with its blocks). So a file's row groups are at most
 * `groupBytes` before compression; a directory that gets few rows in a batch gets one small row
 * group per read task that read rows of it.
 */
import type { RowBlocks } from '../row-blocks.js'
import type { ParquetTaskSpec } from '../types.js'
import { schemaFor } from './parquet-file.js'
import { RowGroupBuilder } from './row-group.js'
import type { ParquetSchema } from './schema.js'

const MIN_GROUP_BYTES = 64 * 1024
export const MAX_GROUP_BYTES = 8 * 1024 * 1024

interface Open {
  w: number
  dir: string
  b: RowGroupBuilder
}

export class ParquetRowGroups {
  #blocks: RowBlocks
  #spec: ParquetTaskSpec
  #schema: ParquetSchema
  #budget: number
  #groupBytes: number
  #open = new Map<string, Open>()
  /** Builders that reached maxRowsPerGroup, sent at the next sendDue. */
  #full: Open[] = []
  #last: Open | null = null
  #peak = 0

  constructor(blocks: RowBlocks, spec: ParquetTaskSpec, budget: number) {
    this.#blocks = blocks
    this.#spec = spec
    this.#schema = schemaFor(spec)
    this.#budget = budget
    this.#groupBytes = Math.min(MAX_GROUP_BYTES, Math.max(MIN_GROUP_BYTES, Math.floor(budget / 4)))
  }

  /** The most the builders held at once (bytes, estimated from their buffers). */
  get peak(): number {
    return this.#peak
  }

  append(w: number, dir: string, values: readonly unknown[]): void {
    let o = this.#last
    if (o === null || o.dir !== dir || o.w !== w) {
      const key = `${w}/${dir}`
      o = this.#open.get(key) ?? null
      if (o === null) {
        o = { w, dir, b: new RowGroupBuilder(this.#schema) }
        this.#open.set(key, o)
      }
      this.#last = o
    }
    o.b.append(values)
    const max = this.#spec.maxRowsPerGroup
    if (max !== undefined && o.b.rows >= max) {
      this.#open.delete(`${w}/${dir}`)
      this.#full.push(o)
      this.#last = null
    }
  }

  /** Sends the full row groups, and the largest while all together are over budget. Call after each Kafka chunk. */
  async sendDue(): Promise<void> {
    while (this.#full.length > 0) await this.#encodeAndSend(this.#full.shift()!)
    let total = 0
    const sizes: [Open, number][] = []
    for (const o of this.#open.values()) {
      const n = o.b.size
      total += n
      sizes.push([o, n])
    }
    if (total > this.#peak) this.#peak = total
    const due: Open[] = []
    for (const [o, n] of sizes) if (n >= this.#groupBytes) due.push(o)
    if (total > this.#budget) {
      sizes.sort((a, b) => b[1] - a[1])
      let left = total
      for (const [o, n] of sizes) {
        if (left <= this.#budget * 0.75) break
        if (!due.includes(o)) due.push(o)
        left -= n
      }
    }
    for (const o of due) await this.#send(o)
  }

  /** Sends every row group left, then the end marker. */
  async finish(): Promise<void> {
    while (this.#full.length > 0) await this.#encodeAndSend(this.#full.shift()!)
    for (const o of [...this.#open.values()]) await this.#send(o)
    await this.#blocks.finish()
  }

  async #send(o: Open): Promise<void> {
    // Lanes call sendDue concurrently: a builder another call took meanwhile is not sent twice.
    const key = `${o.w}/${o.dir}`
    if (this.#open.get(key) !== o) return
    this.#open.delete(key)
    if (this.#last === o) this.#last = null
    await this.#encodeAndSend(o)
  }

  async #encodeAndSend(o: Open): Promise<void> {
    if (o.b.rows === 0) return
    const { parts, meta } = await o.b.encode(this.#spec.codec)
    // One buffer of its own (not pooled), so that it can be transferred.
    const buf = Buffer.allocUnsafeSlow(meta.bytes)
    let at = 0
    for (const p of parts) {
      p.copy(buf, at)
      at += p.length
    }
    await this.#blocks.sendEncoded(o.w, o.dir, buf, meta.rows, meta)
  }
}
