/**
 * Worker thread of the load generator (--threads > 1): one producer and one slice of the run.
 * Messages from the parent: {type: 'go', plan} then optionally {type: 'stop'}. To the parent:
 * {type: 'ready'} once connected, {type: 'stats', delta} about every 200 ms, {type: 'done', delta}
 * at the end, or {type: 'error', message}.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { LoadgenOptions } from './options.js'
import type { RunPlan } from './plan.js'
import { sliceInput } from './plan.js'
import { createProducer, runSlice, SliceStats } from './producer.js'

interface WorkerInit {
  options: LoadgenOptions
  partitions: number
  slice: number
  slices: number
}

const init = workerData as WorkerInit
const port = parentPort!
const stop = new AbortController()
const { producer } = createProducer(init.options, `-${init.slice}`)

async function main(): Promise<void> {
  await producer.connect()
  port.postMessage({ type: 'ready' })
  const plan = await new Promise<RunPlan>((resolve) => {
    port.on('message', (m: { type: string; plan?: RunPlan }) => {
      if (m.type === 'go') resolve(m.plan!)
      else if (m.type === 'stop') stop.abort()
    })
  })
  const stats = new SliceStats(init.partitions)
  const timer = setInterval(() => port.postMessage({ type: 'stats', delta: stats.drain() }), 200)
  try {
    await runSlice(sliceInput(plan, init.slice, init.slices), producer, stats, stop.signal)
  } finally {
    clearInterval(timer)
    await producer.disconnect().catch(() => {})
  }
  port.postMessage({ type: 'done', delta: stats.drain() })
}

main().catch((err: unknown) => {
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) })
})
