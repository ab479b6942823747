/**
 * Retry of one storage request with exponential backoff and full jitter (AWS's recommended
 * "full jitter": sleep a random time in [0, min(cap, base × 2^attempt))). Used for a single
 * multipart part, so that one throttled or failed part is retried on its own instead of failing
 * the file, the writer task and then the whole batch (which re-uploads everything).
 *
 * The AWS SDK has already retried each request (3 attempts by default); this is a second,
 * slower layer on top, bounded by `attempts`.
 */

export interface BackoffPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number
  /** Upper bound of the first sleep, in milliseconds. */
  baseMs: number
  /** Upper bound of any sleep, in milliseconds. */
  maxMs: number
}

/** For a failed multipart part: 4 attempts, sleeps below 0.5 s, 1 s, 2 s (at most 3.5 s in all). */
export const PART_RETRY: BackoffPolicy = { attempts: 4, baseMs: 500, maxMs: 8_000 }

/** The sleep before retry number `retry` (1-based): uniform in [0, min(max, base × 2^(retry-1))). */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1))
  return Math.floor(random() * ceiling)
}

/**
 * Runs `fn` until it succeeds, `retriable(err)` is false, `stopped()` is true, or the attempts are
 * used up; rethrows the last error. `onRetry` is told about each retry (for logs and tests).
 */
export async function withBackoff<T>(
  fn: () => Promise<T>,
  o: {
    policy: BackoffPolicy
    retriable: (err: unknown) => boolean
    stopped?: () => boolean
    onRetry?: (retry: number, err: unknown, delayMs: number) => void
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (attempt >= o.policy.attempts || !o.retriable(err) || o.stopped?.() === true) throw err
      const delay = backoffDelay(o.policy, attempt)
      o.onRetry?.(attempt, err, delay)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}
