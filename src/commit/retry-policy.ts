/**
 * The one retry policy of the commit protocol. Any retriable failure in a trigger (a writer task
 * whose leader moved, Kafka or S3 briefly unavailable) pauses, then the query re-reads the logs
 * and goes on exactly where a restarted process would (re-run, commit-only or resume): the batch
 * is never retried from a half-known state. A log entry written by a process this one has just
 * fenced is resumed from at once (after checking the lease is still ours).
 *
 * Backoff: 1 s doubling to 30 s with jitter (each pause is 50-100 % of the step), at most
 * ATTEMPTS failures in a row (pauses of 1.5-3 min in all); a committed batch resets the count.
 *
 * Start-up (taking the lease, reading the checkpoint and the sink log, the store probe) runs under
 * the same policy through `retrying`: a throttled read there pauses and starts over, as a trigger does.
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

/**
 * Runs `fn` until it succeeds; after each failure `onFailure` decides (through the policy): it
 * pauses and returns to run `fn` again, or throws to end. `fn` must be safe to run again from the
 * start (CommitProtocol.open is: the lease is a plain put, the logs are only read, metadata is
 * written once).
 */
export async function retrying<T>(fn: () => Promise<T>, onFailure: (err: unknown) => Promise<void>): Promise<T> {
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      await onFailure(err)
    }
  }
}
