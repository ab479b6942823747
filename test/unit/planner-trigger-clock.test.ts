/**
 * The processing-time trigger's sleep when the process clock jumps. The wall clock here is the real
 * one plus an offset the test steps (as NTP, a VM resume or `date -s` would); the monotonic clock
 * is the real one, as timers are. Before the fix the sleep waited until the wall clock read its
 * target again, so a clock stepped back an hour meant no batch for an hour (as in Spark).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { CLOCK_STEP_TOLERANCE_MS, nextTriggerTime, sleepUntil, type TriggerClocks } from '../../src/planner/index.js'

function steppedClock(): TriggerClocks & { step(ms: number): void } {
  let offset = 0
  return {
    wall: () => Date.now() + offset,
    monotonic: () => performance.now(),
    step: (ms) => {
      offset += ms
    },
  }
}

/** Resolves with 'returned' or, if `p` is still sleeping after `ms`, with 'still sleeping'. */
async function within(p: Promise<void>, ms: number): Promise<string> {
  const guard = new AbortController()
  const r = await Promise.race([p.then(() => 'returned'), sleep(ms, 'still sleeping', { signal: guard.signal }).catch(() => 'aborted')])
  guard.abort()
  return r
}

test('no jump: returns once the wall clock reads the target, never before it', async () => {
  const clocks = steppedClock()
  for (const wait of [0, 5, 40]) {
    const when = clocks.wall() + wait
    await sleepUntil(when, new AbortController().signal, clocks)
    assert.ok(clocks.wall() >= when, `returned ${when - clocks.wall()} ms before the target`)
  }
})

test('clock stepped back an hour mid-sleep: the sleep ends after its interval (plus the tolerance), not an hour later', async () => {
  const clocks = steppedClock()
  const interval = 100
  const t0 = performance.now()
  const when = clocks.wall() + interval
  const slept = sleepUntil(when, new AbortController().signal, clocks)
  await sleep(10)
  clocks.step(-3_600_000)
  assert.equal(await within(slept, 20_000), 'returned', 'still sleeping 20 s after the clock was stepped back an hour')
  const elapsed = performance.now() - t0
  assert.ok(elapsed >= CLOCK_STEP_TOLERANCE_MS, `ended after ${elapsed} ms: only a step longer than the tolerance cuts the sleep short`)
  // The next slot is aligned to the clock as it now reads.
  const next = nextTriggerTime(clocks.wall(), interval)
  assert.ok(next > clocks.wall() && next - clocks.wall() <= interval)
})

test('clock stepped forward an hour mid-sleep: the sleep ends when its interval has run, not later', async () => {
  const clocks = steppedClock()
  const when = clocks.wall() + 200
  const slept = sleepUntil(when, new AbortController().signal, clocks)
  await sleep(10)
  clocks.step(3_600_000)
  assert.equal(await within(slept, 10_000), 'returned')
  assert.ok(clocks.wall() >= when)
})

test('a small step back (under the tolerance) is waited out on the wall clock, keeping the slot alignment', async () => {
  const clocks = steppedClock()
  const when = clocks.wall() + 20
  const slept = sleepUntil(when, new AbortController().signal, clocks)
  clocks.step(-200)
  await slept
  assert.ok(clocks.wall() >= when, 'the trigger does not start before its slot on the clock it is aligned to')
})

test('stop() (the abort signal) ends a long sleep at once', async () => {
  const clocks = steppedClock()
  const ac = new AbortController()
  const slept = sleepUntil(clocks.wall() + 3_600_000, ac.signal, clocks)
  ac.abort()
  assert.equal(await within(slept, 5_000), 'returned')
})
