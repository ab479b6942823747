/**
 * The one retry policy of the commit protocol. Any retriable failure in a trigger (a writer task
 * whose leader moved, Kafka or S3 briefly unavailable) pauses, then the query re-reads the logs
 * and goes on exactly where a restarted process would (re-run, commit-only or resume): the batch
 * is never retried from a half-known state. A log entry written by a process this one has just
 * fenced is resumed from at once (after checking the lease is still ours).
 *
 * Backoff: 1 s doubling to 30 s with jitter (each pause is 50-100 % of the step), at most
 * ATTEMPTS failures in a row (~4 min); a committed batch resets the count.
 */
import { isSluiceError, type SluiceError } from '../errors.js'

/** Failures in a row before the query ends with the last error. */
export const RETRY_ATTEMPTS = 10
const BASE_MS = 1000
const MAX_MS = 30_000
/** A log entry that already exists: another writer (fenced by the owner lease) got there first. */
const CONCURRENT_CODES = new Set(['SLUICE_CHECKPOINT_CONCURRENT', 'SLUICE_SINK_LOG_CONCURRENT'])

export interface RetryDecision {
  /** 'concurrent': resume from the logs now; 'retriable': pause `delayMs` first. */
  kind: 'concurrent' | 'retriable'
  attempt: number
  delayMs: number
  err: SluiceError
}

export class RetryPolicy {
  #failures = 0
  readonly #random: () => number

  constructor(random: () => number = Math.random) {
    this.#random = random
  }

  get failures(): number {
    return this.#failures
  }

  /** A trigger went through: the next failure is the first again. */
  succeeded(): void {
    this.#failures = 0
  }

  /** What to do after `err`; throws it when the query must end (non-retriable, stopping, too many). */
  decide(err: unknown, stopping: boolean): RetryDecision {
    if (!isSluiceError(err)) throw err
    if (CONCURRENT_CODES.has(err.code)) {
      if (++this.#failures > RETRY_ATTEMPTS) throw err
      return { kind: 'concurrent', attempt: this.#failures, delayMs: 0, err }
    }
    if (!err.retriable || stopping || ++this.#failures > RETRY_ATTEMPTS) throw err
    const step = Math.min(MAX_MS, BASE_MS * 2 ** (this.#failures - 1))
    return { kind: 'retriable', attempt: this.#failures, delayMs: Math.round(step * (0.5 + this.#random() * 0.5)), err }
  }
}

/** A log entry another writer wrote first (SLUICE_CHECKPOINT_CONCURRENT, SLUICE_SINK_LOG_CONCURRENT). */
export function isConcurrentWrite(err: unknown): err is SluiceError {
  return isSluiceError(err) && CONCURRENT_CODES.has(err.code)
}
