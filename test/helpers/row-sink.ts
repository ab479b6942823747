/**
 * A RowSink for tests of the byte projection (projection-bytes.ts): room() hands out a fresh
 * buffer of exactly `pos + need` bytes with the row starting at a varying offset, so a row longer
 * than the room it asked for shows up as a truncated (different) line, and garbage before `pos`
 * is never part of the row.
 */
import type { KafkaRecord, ProjectedRow, Projection, RowSink } from '../../src/sql/index.js'

export class TestSink implements RowSink {
  pos = 0
  dir: string | null = null
  #buf: Buffer | null = null
  #start = 0
  #end = -1
  #seq = 0

  room(dir: string, need: number): Buffer {
    this.dir = dir
    this.#start = this.#seq++ % 5
    this.pos = this.#start
    this.#buf = Buffer.alloc(this.#start + need, 0x7e)
    return this.#buf
  }

  commit(end: number): void {
    this.#end = end
  }

  /** The committed row's bytes, or null when nothing was committed. */
  row(): Buffer | null {
    if (this.#buf === null || this.#end < 0) return null
    return this.#buf.subarray(this.#start, this.#end)
  }
}

/**
 * Runs the byte projection on `rec`: null when it leaves the record to the string projection,
 * else the committed line and directory. Throws when it commits without returning true or the
 * reverse.
 */
export function projectBytes(p: Projection, rec: KafkaRecord): { line: Buffer; dir: string } | null {
  if (p.projectBytes === null) return null
  const sink = new TestSink()
  const ok = p.projectBytes(rec, sink)
  const row = sink.row()
  if (ok !== (row !== null)) throw new Error(`projectBytes returned ${ok} but ${row === null ? 'committed nothing' : 'committed a row'}`)
  return row === null ? null : { line: row, dir: sink.dir! }
}

/**
 * Projects `rec` as a read task does: the byte projection where it takes the record (the line
 * decoded from its bytes, not corrupt), else the string projection.
 */
export function projectLikeReadTask(p: Projection, rec: KafkaRecord, out: ProjectedRow): void {
  const fast = projectBytes(p, rec)
  if (fast === null) {
    p.project(rec, out)
    return
  }
  out.line = fast.line.toString('utf8')
  out.partitionPath = fast.dir
  out.corrupt = false
}
