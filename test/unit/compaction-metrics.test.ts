/**
 * Compaction's Prometheus families (src/metrics/compaction-metrics.ts) and the per-directory
 * figures the scheduler derives from the sink log (directoryCounts): no label per directory.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryMetrics } from '../../src/metrics/index.js'
import { CompactionMetrics } from '../../src/metrics/compaction-metrics.js'
import { directoryCounts } from '../../src/query/compaction-scheduler.js'

test('compaction families: counters start at 0, per-directory figures are histograms and gauges with the query label only', async () => {
  const q = new QueryMetrics('q', { triggerIntervalMs: 0, defaultMetrics: false })
  const m = new CompactionMetrics(q.registry)
  let text = await q.text()
  assert.match(text, /^sluice_compactions_total\{query="q"\} 0$/m)
  assert.match(text, /^sluice_compaction_files_removed_total\{query="q"\} 0$/m)
  m.record({ kind: 'planned', directories: 24, maxFilesPerDirectory: 5400 })
  m.record({ kind: 'committed', filesReplaced: 30, filesWritten: 2, bytesRewritten: 3_000_000 })
  m.record({ kind: 'committed', filesReplaced: 3, filesWritten: 1, bytesRewritten: 1000 })
  m.record({ kind: 'removed', filesRemoved: 33, directories: [{ files: 1, bytes: 1000 }, { files: 2, bytes: 3_000_000 }] })
  text = await q.text()
  assert.match(text, /^sluice_compactions_total\{query="q"\} 2$/m)
  assert.match(text, /^sluice_compaction_files_rewritten_total\{query="q"\} 33$/m)
  assert.match(text, /^sluice_compaction_files_written_total\{query="q"\} 3$/m)
  assert.match(text, /^sluice_compaction_bytes_rewritten_total\{query="q"\} 3001000$/m)
  assert.match(text, /^sluice_compaction_files_removed_total\{query="q"\} 33$/m)
  assert.match(text, /^sluice_compaction_directory_files_bucket\{le="1",query="q"\} 1$/m)
  assert.match(text, /^sluice_compaction_directory_files_bucket\{le="2",query="q"\} 2$/m)
  assert.match(text, /^sluice_compaction_directory_files_count\{query="q"\} 2$/m)
  assert.match(text, /^sluice_compaction_directory_bytes_sum\{query="q"\} 3001000$/m)
  assert.match(text, /^sluice_output_directories\{query="q"\} 24$/m)
  assert.match(text, /^sluice_output_directory_files_max\{query="q"\} 5400$/m)
  for (const line of text.split('\n').filter((l) => /^sluice_(compaction|output_director)/.test(l))) {
    const labels = [...(/\{(.*)\}/.exec(line)?.[1] ?? '').matchAll(/(\w+)="/g)].map((m) => m[1])
    assert.ok(labels.every((l) => l === 'query' || l === 'le'), `only query (and le) as labels: ${line}`)
  }
})

test('directoryCounts: directories of the listed paths and the most files in one', () => {
  assert.deepEqual(directoryCounts([]), { directories: 0, maxFilesPerDirectory: 0 })
  assert.deepEqual(
    directoryCounts(['s3://b/o/dt=1/dth=1-00/a', 's3://b/o/dt=1/dth=1-00/b', 's3://b/o/dt=1/dth=1-01/a', 's3://b/o/x']),
    { directories: 3, maxFilesPerDirectory: 2 },
  )
})
