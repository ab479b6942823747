/**
 * CPU-seconds and peak RSS of everything a contender starts: the processes that appear under this
 * process while it runs (kcat, a sluice process and its threads, a Python driver and Spark's JVM),
 * not the stack started before it (broker, S3 server).
 *
 * - RSS: the sum over those processes, sampled every `intervalMs` from /proc (peak and series).
 * - CPU: the larger of (a) the growth of this process's cutime + cstime, the CPU of children that
 *   were waited for (with their own waited-for descendants), exact for processes that exit normally,
 *   and (b) the sum of the last sampled utime + stime per process (for a child that is not reaped
 *   through us, e.g. a JVM a Python driver leaves behind).
 * Linux only (/proc).
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICK = 100 // USER_HZ on Linux
const PAGE = 4096

interface Stat {
  ppid: number
  cpuTicks: number
  rssBytes: number
}

function readStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    // f[0] = state (field 3); ppid field 4, utime 14, stime 15, rss 24
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), rssBytes: Number(f[21]) * PAGE }
  } catch {
    return null
  }
}

function childrenCpuTicks(): number {
  const s = readFileSync('/proc/self/stat', 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return Number(f[13]) + Number(f[14]) // cutime, cstime (fields 16, 17)
}

/** Descendants of `root` now, with their stats. */
function descendants(root: number): Map<number, Stat> {
  const all = new Map<number, Stat>()
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const st = readStat(pid)
    if (st !== null) all.set(pid, st)
  }
  const out = new Map<number, Stat>()
  const frontier = [root]
  while (frontier.length > 0) {
    const p = frontier.pop()!
    for (const [pid, st] of all) {
      if (st.ppid === p && !out.has(pid)) {
        out.set(pid, st)
        frontier.push(pid)
      }
    }
  }
  return out
}

export interface TreeUsage {
  cpuSeconds: number
  peakRssMb: number
  /** [seconds since start, MB] every sample. */
  rssSeries: [number, number][]
}

export interface TreeMeter {
  stop(): TreeUsage
  /** Leaves a process we start beside the contender (the load generator) out; CPU then comes
   * from the samples alone, since the waited-for CPU would include it. */
  exclude(pid: number): void
  /** The RSS of the contender's processes now, in MB. */
  rssMb(): number
}

/** Starts metering; everything already under this process (the stack) is excluded. */
export function meterTree(intervalMs = 250): TreeMeter {
  const baseline = new Set(descendants(process.pid).keys())
  const cutime0 = childrenCpuTicks()
  const lastCpu = new Map<number, number>()
  const t0 = performance.now()
  const series: [number, number][] = []
  let peak = 0
  let current = 0
  let sampledOnly = false
  const sample = (): void => {
    let rss = 0
    for (const [pid, st] of descendants(process.pid)) {
      if (baseline.has(pid)) continue
      rss += st.rssBytes
      lastCpu.set(pid, st.cpuTicks)
    }
    current = rss / 2 ** 20
    peak = Math.max(peak, current)
    series.push([Number(((performance.now() - t0) / 1000).toFixed(2)), Math.round(current)])
  }
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  return {
    rssMb: () => current,
    exclude: (pid) => {
      baseline.add(pid)
      sampledOnly = true
    },
    stop: () => {
      clearInterval(timer)
      sample()
      const waited = (childrenCpuTicks() - cutime0) / TICK
      const sampled = [...lastCpu.values()].reduce((a, b) => a + b, 0) / TICK
      return { cpuSeconds: Number((sampledOnly ? sampled : Math.max(waited, sampled)).toFixed(2)), peakRssMb: Math.round(peak), rssSeries: series }
    },
  }
}
