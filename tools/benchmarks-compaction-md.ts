/**
 * The compaction part of BENCHMARKS.md (bench/compaction.ts results), called by
 * tools/gen-benchmarks-md.ts. Numbers come from the newest `compaction` result only.
 */
import { machineShared } from './bench-machine.js'

interface Files {
  directories: number
  median: number
  max: number
}
interface Run {
  compaction: 'off' | 'on'
  rep: number
  rate: number
  achievedRate: number
  throughput: number
  cpuSeconds: number
  latencySec: { p50: number; p99: number }
  lateness: { p50: number; p99: number; max: number; samples: number; late: number; overruns: number }
  files: { sparkMetadata: Files; listing: Files }
  compactionsCommitted: number
  triggers?: { startMs: number; execMs: number }[]
}
interface CompactionResult {
  date: string
  commit: string
  machine: { cpus: number; model: string; node: string }
  capacity: number
  level: number
  rate: number
  seconds: number
  triggerSec: number
  partitions: number
  reps: number
  spanHours?: number
  settleSeconds?: number
  runs: Run[]
  loadavgAtEnd: number[]
  shared: boolean
}

const fmt = (n: number): string => n.toLocaleString('en-US')
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export function compactionSection(r: CompactionResult | undefined, title = '## Compaction on and off under steady load (`bench/compaction.ts`)'): string[] {
  if (r === undefined) return []
  const by = (c: 'off' | 'on'): Run[] => r.runs.filter((x) => x.compaction === c)
  const ratio = (f: (x: Run) => number): string => (med(by('on').map(f)) / med(by('off').map(f))).toFixed(2)
  return [
    title,
    '',
    `The steady scenario (load generator at ${Math.round(r.level * 100)}% of a drain capacity of ${fmt(r.capacity)} records/s (the newest measured one, or \`BENCH_CAPACITY\`) = ${fmt(r.rate)} records/s offered, ` +
      `${r.seconds} s, ${r.partitions} partitions, trigger ${r.triggerSec} s, librdkafka mock cluster, s3rver), record timestamps spread in order over the last ${r.spanHours ?? 3} hours ` +
      '(`partitionBy: [dt, dth]`: the load walks through the hour directories, each closed by time while records still arrive in it, so compaction runs again and again during the load); ' +
      `after the load the job runs idle for ${r.settleSeconds ?? 0} s (both settings; its CPU counts). ` +
      '`sink.compaction` off, and on with `compactionRemoveDelay: 0` (everything else default), alternating order, ' +
      `${r.reps} repetition${r.reps === 1 ? '' : 's'}. ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, commit ${r.commit}, ${r.date}.` +
      (machineShared(r.loadavgAtEnd[0], r.machine.cpus) ? ` **The machine was shared** (load average ${r.loadavgAtEnd.join(' / ')} on ${r.machine.cpus} cores at the end, other sessions building and testing)${r.runs.some((x) => x.achievedRate < 0.95 * x.rate) ? ': the load generator could not hold the offered rate' : ''} and batches often ran past the 2-second interval; compare the two settings within the run, by CPU-seconds and ratios.` : ` No other work ran (load average ${r.loadavgAtEnd.join(' / ')} at the end, this benchmark's own processes).`),
    '',
    'End-to-end latency is not shown: the record timestamps are back-dated by design. Trigger lateness: how far into its slot each trigger started (processing-time triggers start on multiples of the interval; one held up by work between triggers starts when the hold ends), leaving out the triggers right after a batch that itself ran past its slot ("after an overrun"). Files per directory at the end of the run (after the idle time), as `_spark_metadata` lists them and as a plain listing sees them (median / max over the directories).',
    '',
    '| compaction | rep | offered / achieved records/s | written records/s | CPU-s | trigger lateness p50 / p99 / max | late > 100 ms / samples | after an overrun | batches | compactions | files per dir, _spark_metadata | files per dir, listing |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.runs.map(
      (x) =>
        `| ${x.compaction} | ${x.rep + 1} | ${fmt(x.rate)} / ${fmt(x.achievedRate)} | ${fmt(x.throughput)} | ${x.cpuSeconds} | ` +
        `${x.lateness.p50} / ${x.lateness.p99} / ${x.lateness.max} ms | ${x.lateness.late} / ${x.lateness.samples} | ${x.lateness.overruns} | ${x.triggers?.length ?? '?'} | ${x.compactionsCommitted} | ` +
        `${x.files.sparkMetadata.median} / ${x.files.sparkMetadata.max} (${x.files.sparkMetadata.directories} dirs) | ${x.files.listing.median} / ${x.files.listing.max} |`,
    ),
    '',
    `Medians, on / off: written records/s ×${ratio((x) => x.throughput)}, CPU-seconds ×${ratio((x) => x.cpuSeconds)}, ` +
      `files per directory (_spark_metadata) ${med(by('on').map((x) => x.files.sparkMetadata.median))} vs ${med(by('off').map((x) => x.files.sparkMetadata.median))}; ` +
      `worst trigger lateness with compaction on ${Math.max(...by('on').map((x) => x.lateness.max))} ms, off ${Math.max(...by('off').map((x) => x.lateness.max))} ms.`,
    '',
    ...(by('on').every((x) => x.compactionsCommitted === 0)
      ? [
          '**No compaction committed in these runs**, so they say nothing about compaction beyond its planning and rewrites costing no trigger time: the job was behind the load throughout (few, long batches against the 2-second trigger, most of them overrunning), and a compaction commits only at the next compaction id of `_spark_metadata` (≤ `compactInterval` batches later), which the run did not reach before it was stopped.',
          '',
        ]
      : []),
  ]
}
