/**
 * The memory a writer task's open files hold, counted as ALLOCATED capacity, not as bytes written:
 * a 256 KiB buffer holding one row counts 256 KiB. Every PartitionFile reports its capacity here
 * after each operation that can change it (open, an append that grows or rotates its buffer, a
 * flush into the store writer, finish, close, abort), so the sum is known at every append without
 * walking the files. What one open file counts (see PartitionFile.allocatedBytes):
 *
 *   its text buffer's capacity (8 KiB at open, doubling to 256 KiB)
 *   + full text buffers not yet passed on
 *   + the gzip stream's state (GZIP_STATE_BYTES) and compressed bytes not yet passed on, once the
 *     stream exists (it is created at the first flush, so a small file never holds one)
 *   + the store writer's `allocated` (its buffer capacity, spare part buffers, parts in flight).
 *
 * The writer task compares `used` with its budget before it opens a file and after each Kafka
 * chunk, and closes least-recently-used files until it is back under (writer-task.ts).
 */

export class MemoryAccount {
  #used = 0
  #peak = 0

  /** Bytes allocated by every file of the task right now. */
  get used(): number {
    return this.#used
  }

  /** The highest `used` seen. */
  get peak(): number {
    return this.#peak
  }

  /** Adds a (possibly negative) change of one file's allocation. */
  change(delta: number): void {
    this.#used += delta
    if (this.#used > this.#peak) this.#peak = this.#used
  }
}

/**
 * Files to close so that `used` drops to `target`: least recently used first, each counted with
 * what it holds. Returns at least one file when `used > target` and there are files.
 */
export function pickLeastRecentlyUsed<F extends { lastUsed: number; allocatedBytes: number }>(
  files: Iterable<F>,
  used: number,
  target: number,
  minCount = 0,
): F[] {
  const excess = used - target
  if (excess <= 0 && minCount <= 0) return []
  const byAge = [...files].sort((a, b) => a.lastUsed - b.lastUsed)
  const out: F[] = []
  let freed = 0
  for (const f of byAge) {
    if (freed >= excess && out.length >= minCount) break
    out.push(f)
    freed += f.allocatedBytes
  }
  return out
}
