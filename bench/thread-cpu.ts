/**
 * CPU-seconds per thread of a running process (Linux /proc/<pid>/task/<tid>/stat), sampled every
 * `intervalMs` until stop(): the last sample of each thread counts, so a thread's final slice
 * (up to one interval) is missing; the process total is exact elsewhere (sluice's own log line).
 * Node does not name its threads, so they are classed by what they do: `main` (tid = pid), the
 * `workers` busiest other threads (the worker pool's JS threads), and `other` (V8's GC and
 * compiler helpers, libuv's pool).
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICK = 100 // USER_HZ

export interface ThreadCpu {
  mainSeconds: number
  /** Busiest first. */
  workerSeconds: number[]
  otherSeconds: number
}

function threadTicks(pid: number, into: Map<number, number>): void {
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return
  }
  for (const t of tids) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
      into.set(Number(t), Number(f[11]) + Number(f[12]))
    } catch {}
  }
}

export function sampleThreads(pid: number, workers: number, intervalMs = 200): { stop(): ThreadCpu } {
  const ticks = new Map<number, number>()
  const timer = setInterval(() => threadTicks(pid, ticks), intervalMs)
  threadTicks(pid, ticks)
  return {
    stop(): ThreadCpu {
      clearInterval(timer)
      threadTicks(pid, ticks)
      const main = (ticks.get(pid) ?? 0) / TICK
      const others = [...ticks.entries()].filter(([t]) => t !== pid).map(([, v]) => v / TICK).sort((a, b) => b - a)
      const w = others.slice(0, workers)
      const rest = others.slice(workers).reduce((a, b) => a + b, 0)
      return { mainSeconds: main, workerSeconds: w, otherSeconds: Number(rest.toFixed(2)) }
    },
  }
}
