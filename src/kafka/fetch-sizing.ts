/**
 * How many bytes a Fetch asks for, per partition. sluice reads known offset ranges, often much
 * shorter than what the partition holds past them (a backlog drained with maxOffsetsPerTrigger:
 * the seed job reads ~200 records per partition per batch); a Fetch sized by
 * kafka.max.partition.fetch.bytes alone then carries up to that many bytes past the range's end
 * on every read, which the broker reads, sends and sluice receives for nothing
 * (bench/fetch-partitions.bench.ts measured it). So each client learns the bytes per offset of
 * the partitions it reads and asks for what the rest of the range needs, with a margin, never
 * more than kafka.max.partition.fetch.bytes. The first read of a partition asks for the full
 * limit. Asking too little costs one more (pipelined) round trip, never a stall: since KIP-74
 * (Fetch v3+), a broker returns the first batch of a one-partition Fetch whole even when it is
 * larger than the limit.
 */

/** Never ask for less than this: one small round trip should carry a useful amount. */
export const MIN_SIZED_FETCH_BYTES = 64 * 1024
/** Headroom over the estimate: batch headers, uneven record sizes, the batch cut at the end. */
const MARGIN = 1.25
const EXTRA_BYTES = 16 * 1024

export class FetchSizer {
  readonly #max: number
  readonly #enabled: boolean
  /** `topic:partition` → bytes per offset, a moving average of what responses carried. */
  readonly #bytesPerOffset = new Map<string, number>()

  /** With `enabled` false, every Fetch asks for the full limit (the benchmark's baseline). */
  constructor(maxPartitionFetchBytes: number, enabled = true) {
    this.#max = maxPartitionFetchBytes
    this.#enabled = enabled
  }

  /** partition_max_bytes for a Fetch of `remaining` more offsets of `key`. */
  size(key: string, remaining: number): number {
    const bpo = this.#bytesPerOffset.get(key)
    if (bpo === undefined) return this.#max
    const want = Math.ceil(bpo * remaining * MARGIN) + EXTRA_BYTES
    return Math.min(this.#max, Math.max(MIN_SIZED_FETCH_BYTES, want))
  }

  /** Records that `bytes` of whole batches held `offsets` offsets of `key`. */
  learn(key: string, bytes: number, offsets: number): void {
    if (!this.#enabled || !(bytes > 0) || !(offsets > 0)) return
    const seen = bytes / offsets
    const prev = this.#bytesPerOffset.get(key)
    this.#bytesPerOffset.set(key, prev === undefined ? seen : (prev + seen) / 2)
  }
}
