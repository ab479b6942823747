/** The figures of bench/compaction.ts (bench/compaction-lib.ts): trigger lateness, files per directory. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lateness, perDir } from '../../bench/compaction-lib.js'

const T = 1_700_000_000_000 // a multiple of 2,000

test('lateness: on-time triggers start a few ms into their slot; a held-up one at its hold; those after an overrun are left out', () => {
  const r = lateness(
    [
      { startMs: T + 3, execMs: 500 },
      { startMs: T + 2000 + 5, execMs: 2500 }, // overruns its slot: the next start is the batch's doing
      { startMs: T + 4505, execMs: 400 },
      { startMs: T + 6000 + 4, execMs: 300 },
      { startMs: T + 8000 + 900, execMs: 300 }, // held up 900 ms after a batch that ended in time
      { startMs: T + 14000 + 2, execMs: 300 }, // after idle triggers (no progress): on time
    ],
    2000,
  )
  assert.deepEqual(r, { p50: 4, p99: 900, max: 900, samples: 5, late: 1, overruns: 1 })
})

test('perDir: directories, median and max files per directory', () => {
  assert.deepEqual(perDir(['o/a/1', 'o/a/2', 'o/a/3', 'o/b/1', 'o/c/1', 'o/c/2']), { directories: 3, median: 2, max: 3 })
  assert.deepEqual(perDir([]), { directories: 0, median: 0, max: 0 })
})
