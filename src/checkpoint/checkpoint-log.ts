/**
 * The checkpoint directory (`checkpointLocation`), laid out as Spark 3.5 lays it out:
 *
 *   metadata        {"id":"<uuid>"}                      query id, stable across restarts
 *   offsets/N       see offsets-format.ts                written before batch N runs (walCommit)
 *   commits/N       v1\n{"nextBatchWatermarkMs":0}       written after the sink committed N
 *   sources/0/0     0x00 v1\n{"topic":{"0":0}}           resolved startingOffsets, first run only
 *
 * Batch ids are decimal file names; other names (`.0.crc`, `.0.<uuid>.tmp`) are ignored. Entries
 * are never overwritten (see write-once.ts).
 */

import { SluiceError } from '../errors.js'
import type { Store } from '../storage/types.js'
import { batchIdFromName } from './log-version.js'
import {
  type KafkaOffsets,
  type OffsetsEntry,
  parseCommit,
  parseInitialOffsets,
  parseOffsets,
  serializeCommit,
  serializeInitialOffsets,
  serializeOffsets,
} from './offsets-format.js'
import { listNames, writeOnce } from './write-once.js'

const OFFSETS = 'offsets/'
const COMMITS = 'commits/'
const INITIAL = 'sources/0/0'
const METADATA = 'metadata'

export class CheckpointLog {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  get store(): Store {
    return this.#store
  }

  #where(key: string): string {
    return this.#store.uri(key)
  }

  /** Batch ids present in `offsets/` or `commits/`, ascending. */
  async #ids(dir: string): Promise<number[]> {
    const ids: number[] = []
    for (const { name } of await listNames(this.#store, dir)) {
      const id = batchIdFromName(name, false)
      if (id !== null) ids.push(id)
    }
    return ids.sort((a, b) => a - b)
  }

  async readMetadata(): Promise<{ id: string } | null> {
    const buf = await this.#store.get(METADATA)
    if (buf === null) return null
    const where = this.#where(METADATA)
    let id: unknown
    try {
      id = (JSON.parse(buf.toString('utf8')) as { id?: unknown }).id
    } catch (cause) {
      throw new SluiceError(
        'SLUICE_CHECKPOINT_CORRUPT',
        `${where} is not valid JSON: it should be {"id":"<query uuid>"}. Restore it from a backup, ` +
          'or write that line with the query id from an earlier log.',
        { cause, details: { where } },
      )
    }
    if (typeof id !== 'string' || id === '') {
      throw new SluiceError(
        'SLUICE_CHECKPOINT_CORRUPT',
        `${where} has no string "id": it should be {"id":"<query uuid>"}. Restore it from a backup.`,
        { details: { where } },
      )
    }
    return { id }
  }

  /** Writes `{"id":"<uuid>"}` (no newline), once. */
  async writeMetadata(id: string): Promise<void> {
    await writeOnce(this.#store, METADATA, JSON.stringify({ id }), {
      code: 'SLUICE_CHECKPOINT_CONCURRENT',
      what: 'metadata',
      batchId: -1,
      base: this.#store.location.original,
    })
  }

  /** Ids present in offsets/, ascending. */
  offsetIds(): Promise<number[]> {
    return this.#ids(OFFSETS)
  }

  /** Ids present in commits/, ascending. */
  commitIds(): Promise<number[]> {
    return this.#ids(COMMITS)
  }

  async getOffsets(batchId: number): Promise<OffsetsEntry | null> {
    const key = `${OFFSETS}${batchId}`
    const buf = await this.#store.get(key)
    if (buf === null) return null
    return parseOffsets(buf.toString('utf8'), this.#where(key))
  }

  /** The largest offsets/N that can be read (a file that vanished since the listing is skipped). */
  async latestOffsets(): Promise<{ batchId: number; entry: OffsetsEntry } | null> {
    const ids = await this.offsetIds()
    for (let i = ids.length - 1; i >= 0; i--) {
      const entry = await this.getOffsets(ids[i]!)
      if (entry !== null) return { batchId: ids[i]!, entry }
    }
    return null
  }

  async writeOffsets(batchId: number, e: OffsetsEntry): Promise<void> {
    await writeOnce(this.#store, `${OFFSETS}${batchId}`, serializeOffsets(e), {
      code: 'SLUICE_CHECKPOINT_CONCURRENT',
      what: `offsets/${batchId}`,
      batchId,
      base: this.#store.location.original,
    })
  }

  /** The largest readable commits/N (its content is validated like Spark's CommitLog does). */
  async latestCommit(): Promise<number | null> {
    const ids = await this.commitIds()
    for (let i = ids.length - 1; i >= 0; i--) {
      const key = `${COMMITS}${ids[i]}`
      const buf = await this.#store.get(key)
      if (buf === null) continue
      parseCommit(buf.toString('utf8'), this.#where(key))
      return ids[i]!
    }
    return null
  }

  /** commits/N's nextBatchWatermarkMs, or null when the file does not exist. */
  async getCommit(batchId: number): Promise<{ nextBatchWatermarkMs: number } | null> {
    const key = `${COMMITS}${batchId}`
    const buf = await this.#store.get(key)
    return buf === null ? null : parseCommit(buf.toString('utf8'), this.#where(key))
  }

  async writeCommit(batchId: number, nextBatchWatermarkMs = 0): Promise<void> {
    await writeOnce(this.#store, `${COMMITS}${batchId}`, serializeCommit(nextBatchWatermarkMs), {
      code: 'SLUICE_CHECKPOINT_CONCURRENT',
      what: `commits/${batchId}`,
      batchId,
      base: this.#store.location.original,
    })
  }

  async readInitialOffsets(): Promise<KafkaOffsets | null> {
    const buf = await this.#store.get(INITIAL)
    return buf === null ? null : parseInitialOffsets(buf, this.#where(INITIAL))
  }

  async writeInitialOffsets(o: KafkaOffsets): Promise<void> {
    await writeOnce(this.#store, INITIAL, serializeInitialOffsets(o), {
      code: 'SLUICE_CHECKPOINT_CONCURRENT',
      what: INITIAL,
      batchId: 0,
      base: this.#store.location.original,
    })
  }

  /**
   * Deletes offsets/N and commits/N with N < keepFromBatchId (Spark keeps minBatchesToRetain,
   * default 100: call with `currentBatchId - minBatchesToRetain + 1`). Returns the deleted keys.
   */
  async purge(keepFromBatchId: number): Promise<string[]> {
    const keys: string[] = []
    for (const dir of [OFFSETS, COMMITS]) {
      for (const id of await this.#ids(dir)) {
        if (id < keepFromBatchId) keys.push(`${dir}${id}`)
      }
    }
    if (keys.length > 0) await this.#store.delete(keys)
    return keys
  }
}
