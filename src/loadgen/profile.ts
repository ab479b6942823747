/**
 * Record profiles: what the load generator writes into each Kafka record value.
 *
 * Every profile embeds a unique id in the `message` text so that tests and integrity checks can
 * prove each record lands exactly once. The message text is
 *
 *   lg-<runId>-<seq> <ts> <filler>
 *
 * - `runId`: 8 lowercase hex digits, one per loadgen run (derived from `--seed` when given),
 * - `seq`: the record's 0-based decimal sequence number within the run,
 * - `ts`: the record's event time (= its Kafka CreateTime) as `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC),
 * - `filler`: characters `[a-z ]` from a seeded generator, padding the text to `recordBytes`
 *   characters (the text is longer only when the prefix alone exceeds `recordBytes`).
 *
 * Every character is JSON-safe ASCII, so the value bytes are exactly the JSON text below and
 * `message` has no escapes. Profiles:
 *
 * - `message` (default, the seed job's shape, schema `message STRING`):
 *     {"message":"lg-0f3a9c21-42 2025-07-02T23:00:00.000Z qkx ubq..."}
 * - `typed` (adds typed columns for schemas such as `message STRING, seq BIGINT, ts TIMESTAMP`):
 *     {"message":"lg-0f3a9c21-42 2025-07-02T23:00:00.000Z qkx ubq...","seq":42,"ts":"2025-07-02T23:00:00.000Z"}
 *
 * A new profile is a {@link ProfileFactory} added to {@link profiles}.
 */

export interface ProfileOptions {
  /** 8 lowercase hex digits identifying the run. */
  runId: string
  /** Target length of the message text in characters (= bytes, the text is ASCII). */
  recordBytes: number
  /** Seed of the filler text. */
  seed: number
  /** The longest text any record asks for (size distributions); default recordBytes. */
  maxBytes?: number
}

export interface Profile {
  readonly name: string
  /** The record value (JSON text) for sequence number `seq` with event time `timestampMs`;
   * `bytes` overrides the message text length for this record. */
  value(seq: number, timestampMs: number, bytes?: number): string
}

export type ProfileFactory = (options: ProfileOptions) => Profile

/** The parts of a loadgen message text, see the file header. */
export interface LoadgenRecordId {
  runId: string
  seq: number
  /** Event time in epoch milliseconds. */
  timestampMs: number
}

const FILLER_ALPHABET = 'abcdefghijklmnopqrstuvwxyz      '
const MIN_POOL = 1 << 16
// A prime stride makes neighbouring records start their filler at unrelated offsets.
const FILLER_STRIDE = 7919

/** mulberry32: a small, fast, seedable PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Builds message texts; shared by the profiles and the `$message` template generator. */
export class MessageText {
  readonly #prefix: string
  readonly #recordBytes: number
  readonly #pool: string

  constructor(options: ProfileOptions) {
    this.#prefix = `lg-${options.runId}-`
    this.#recordBytes = options.recordBytes
    const poolSize = Math.max(MIN_POOL, Math.max(options.recordBytes, options.maxBytes ?? 0) * 2)
    const random = seededRandom(options.seed)
    const chars: string[] = new Array(poolSize)
    for (let i = 0; i < poolSize; i++) {
      chars[i] = FILLER_ALPHABET[Math.floor(random() * FILLER_ALPHABET.length)]!
    }
    this.#pool = chars.join('')
  }

  text(seq: number, iso: string, bytes = this.#recordBytes): string {
    const head = `${this.#prefix}${seq} ${iso}`
    const need = Math.min(bytes, this.#pool.length >> 1) - head.length - 1
    if (need <= 0) return head
    const offset = (seq * FILLER_STRIDE) % (this.#pool.length - need)
    return `${head} ${this.#pool.slice(offset, offset + need)}`
  }
}

function messageProfile(options: ProfileOptions): Profile {
  const text = new MessageText(options)
  return {
    name: 'message',
    value(seq: number, timestampMs: number, bytes?: number): string {
      return `{"message":"${text.text(seq, new Date(timestampMs).toISOString(), bytes)}"}`
    },
  }
}

function typedProfile(options: ProfileOptions): Profile {
  const text = new MessageText(options)
  return {
    name: 'typed',
    value(seq: number, timestampMs: number, bytes?: number): string {
      const iso = new Date(timestampMs).toISOString()
      return `{"message":"${text.text(seq, iso, bytes)}","seq":${seq},"ts":"${iso}"}`
    },
  }
}

/** The known profiles by name. */
export const profiles: Readonly<Record<string, ProfileFactory>> = Object.freeze({
  message: messageProfile,
  typed: typedProfile,
})

const ID_PATTERN = /^lg-([0-9a-f]{8})-(\d+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)/

/**
 * Reads the id out of a loadgen message text (the `message` field, not the whole JSON value).
 * Returns null for text that no loadgen profile wrote.
 */
export function parseLoadgenMessage(text: string): LoadgenRecordId | null {
  const m = ID_PATTERN.exec(text)
  if (m === null) return null
  return { runId: m[1]!, seq: Number(m[2]), timestampMs: Date.parse(m[3]!) }
}
