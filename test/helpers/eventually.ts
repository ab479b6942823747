/**
 * Polling instead of fixed sleeps: wait for a condition, with a timeout that only catches hangs
 * (never a timing assertion).
 *
 *   await eventually('a batch is committed', () => p.committed().length > 0)
 *   const lag = await until('lag > 0', () => scalar(base, expr), (v) => v !== null && v > 0, { timeoutMs: 30_000 })
 */
import assert from 'node:assert/strict'

export interface PollOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number
  /** Pause between polls (default 100 ms). */
  intervalMs?: number
  /** Treat a throwing poll (e.g. connection refused while a server starts) as "not yet". */
  retryErrors?: boolean
}

/**
 * Polls `fn` until `ok` accepts its value and returns that value; fails naming what was awaited
 * and the last value (or error) seen.
 */
export async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean, o: PollOptions = {}): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  let last: string = 'nothing yet'
  for (;;) {
    try {
      const v = await fn()
      if (ok(v)) return v
      last = JSON.stringify(v) ?? String(v)
    } catch (err) {
      if (!o.retryErrors) throw err
      last = `error: ${err instanceof Error ? err.message : String(err)}`
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: still ${last} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100))
  }
}

/** Polls `check` until it returns true (or fails after `timeoutMs`). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, o: Omit<PollOptions, 'timeoutMs'> = {}): Promise<void> {
  await until(what, check, (v) => v, { ...o, timeoutMs })
}
