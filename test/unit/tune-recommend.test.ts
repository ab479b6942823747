/** `sluice tune`: the sweep's cells, the per-cell figures from progress events, and the choice. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cellJob, measureCell, recommend, sweepCells, type TuneRow } from '../../src/loadgen/tune.js'
import type { JobConfig } from '../../src/config/types.js'
import type { StreamingQueryProgress } from '../../src/metrics/progress.js'
import { parseJob } from '../../src/config/index.js'

const JOB = `
name: j
source:
  kafka.bootstrap.servers: 127.0.0.1:9092
  subscribe: prod-topic
  kafka.group.id: prod-group
schema: message STRING
select: [json_data.*]
sink:
  format: json
  path: s3a://bkt/out/
  checkpointLocation: s3a://bkt/cp/
  coalesce: 3
  trigger: 2 seconds
`

test('the sweep is the product of the lists, in table order', () => {
  const cells = sweepCells({ workers: [1, 2], maxOffsets: [100], triggersSec: [1, 2], coalesce: [3] })
  assert.deepEqual(cells, [
    { workers: 1, maxOffsetsPerTrigger: 100, triggerSec: 1, coalesce: 3 },
    { workers: 1, maxOffsetsPerTrigger: 100, triggerSec: 2, coalesce: 3 },
    { workers: 2, maxOffsetsPerTrigger: 100, triggerSec: 1, coalesce: 3 },
    { workers: 2, maxOffsetsPerTrigger: 100, triggerSec: 2, coalesce: 3 },
  ])
})

test("a cell's job reads its own topic and writes beside the job's output, never into it", () => {
  const job: JobConfig = parseJob(JOB, { env: {} })
  const j = cellJob(job, { workers: 2, maxOffsetsPerTrigger: 500, triggerSec: 1, coalesce: 4 }, 'sluice-tune-x-0', 'x/0')
  assert.deepEqual(j.source.subscription, { kind: 'subscribe', topics: ['sluice-tune-x-0'] })
  assert.equal(j.source.kafka.groupId, undefined, 'no commits to the production group')
  assert.equal(j.source.maxOffsetsPerTrigger, 500)
  assert.deepEqual(j.sink.trigger, { kind: 'processingTime', intervalMs: 1000 })
  assert.equal(j.sink.coalesce, 4)
  assert.equal(j.workers, 2)
  assert.equal(j.sink.path.bucket, 'bkt')
  assert.equal(j.sink.path.prefix, 'out_sluice_tune/x/0/data/')
  assert.equal(j.sink.checkpointLocation.prefix, 'out_sluice_tune/x/0/checkpoint/')
  assert.equal(j.metrics.enabled, false)
  assert.deepEqual(job.source.subscription, { kind: 'subscribe', topics: ['prod-topic'] }, 'the job itself is untouched')
})

function batch(startMs: number, rows: number, execMs: number, lag: number): StreamingQueryProgress {
  return {
    timestamp: new Date(startMs).toISOString(),
    numInputRows: rows,
    durationMs: { triggerExecution: execMs },
    sluice: { offsetsBehindLatest: { 't:0': lag } },
  } as unknown as StreamingQueryProgress
}

test('cell figures: written/s, lag, capacity, estimated p99 latency, holds', () => {
  const cell = { workers: 1, maxOffsetsPerTrigger: 1000, triggerSec: 1, coalesce: 1 }
  const batches = [batch(0, 500, 200, 0), batch(1000, 1000, 400, 100), batch(2000, 1000, 400, 0)]
  const row = measureCell(cell, 1000, 10, 3, 3000, batches, 2500)
  assert.equal(row.processedPerSec, 833)
  assert.equal(row.lagAtEnd, 500)
  assert.equal(row.capacityPerSec, 2500, '2500 rows in 1 s of execution')
  // batch 2: 1 s since the previous trigger + 0.4 s + 100 records / 1000/s = 1.5 s
  assert.equal(row.estimatedP99LatencySec, 1.5)
  assert.equal(row.batchP99Ms, 400)
  assert.equal(row.holds, true)
  const behind = measureCell(cell, 1000, 10, 3, 3000, batches, 500)
  assert.equal(behind.holds, false, 'lag beyond two triggers of records')
  assert.equal(measureCell(cell, 1000, 1, 3, 3000, batches, 2500).withinBudget, false)
})

function row(over: Partial<TuneRow>): TuneRow {
  return { workers: 1, maxOffsetsPerTrigger: 4000, triggerSec: 2, coalesce: 2, produced: 6000, producedPerSec: 1000, processedPerSec: 1000, lagAtEnd: 0, batches: 3, batchP99Ms: 300, estimatedP99LatencySec: 2.5, capacityPerSec: 5000, holds: true, withinBudget: true, ...over }
}

test('recommendation: fewest workers, then the longest trigger, within budget; headroom and warnings', () => {
  const table = [row({ workers: 2 }), row({ triggerSec: 1, estimatedP99LatencySec: 1.4 }), row({}), row({ workers: 1, maxOffsetsPerTrigger: 100, holds: false })]
  const r = recommend(table, 1000)
  assert.deepEqual(r.recommendation, { workers: 1, maxOffsetsPerTrigger: 4000, triggerSec: 2, coalesce: 2, headroom: 2, estimatedP99LatencySec: 2.5 })
  assert.equal(r.warning, null)
  const tight = recommend([row({ capacityPerSec: 1100 })], 1000)
  assert.equal(tight.recommendation?.headroom, 1.1)
  assert.match(tight.warning!, /little headroom/)
  const none = recommend([row({ holds: false, processedPerSec: 400 })], 1000)
  assert.equal(none.recommendation, null)
  assert.match(none.warning!, /out of reach on this machine.*400 records\/s/)
  const overBudget = recommend([row({ withinBudget: false })], 1000)
  assert.match(overBudget.warning!, /over budget/)
})
