/**
 * `sluice tune` on a tiny sweep on the embedded stack, run as a user does: one cell whose batch
 * cap cannot carry the rate, one that can; the JSON report has the table and never recommends the
 * cell that fell behind.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TuneReport } from '../../src/loadgen/tune.js'
import { repoRoot, runCli } from '../helpers/sluice-process.js'

test('a tiny sweep: the table, the capped cell falls behind, the recommendation holds the rate', { timeout: 180_000 }, async () => {
  const job = join(repoRoot, 'examples', 'streaming-test.yaml')
  const r = await runCli(['tune', job, '--embedded', '--rate', '300', '--cell-seconds', '4', '--workers', '1', '--max-offsets', '50,5000', '--triggers', '1', '--coalesce', '1', '--partitions', '2', '--json'], {}, 170_000)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /tune: cell 1\/2: workers 1, maxOffsetsPerTrigger 50/, 'progress on stderr')
  const report = JSON.parse(r.stdout) as TuneReport
  assert.equal(report.rate, 300)
  assert.deepEqual(report.table.map((t) => [t.workers, t.maxOffsetsPerTrigger, t.triggerSec, t.coalesce]), [[1, 50, 1, 1], [1, 5000, 1, 1]])
  const [capped, open] = report.table as [TuneReport['table'][0], TuneReport['table'][0]]
  assert.ok(capped.produced > 0 && open.produced > 0, 'the load generator produced in both cells')
  assert.equal(capped.holds, false, `50 records per 1 s trigger cannot carry 300/s: ${JSON.stringify(capped)}`)
  assert.ok(capped.lagAtEnd > open.lagAtEnd, 'the capped cell ends with more lag')
  if (report.recommendation !== null) {
    assert.equal(report.recommendation.maxOffsetsPerTrigger, 5000, 'never the cell that fell behind')
    assert.ok(report.recommendation.headroom > 0)
  } else {
    assert.ok(report.warning !== null && report.warning.length > 0, 'no recommendation comes with a warning saying why')
  }
})
