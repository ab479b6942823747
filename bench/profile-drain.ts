/**
 * Where sluice's CPU per record goes (issue 11): pre-fills the drain topic, runs ONE sluice drain
 * with `--cpu-prof` in every thread (main and workers), and prints the self time per category
 * (fetch, decompress, decode, utf-8 decode, JSON.parse, coercion, date_format, row text, encode,
 * upload / S3 client, GC, idle) and per function, from all threads' profiles together.
 *
 *   node dist/bench/profile-drain.js                      (BENCH_COALESCE, BENCH_WORKERS as drain.ts)
 *   BENCH_PROFILE_DIR=/tmp/prof node dist/bench/profile-drain.js   (keep the .cpuprofile files)
 *   BENCH_PROFILE_CLI=/tmp/base/dist/src/cli/main.js node dist/bench/profile-drain.js   (another build)
 */
import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { summarizeProfiles } from './profile-lib.js'
import { COALESCE, runOnPrefilledTopic, sluiceDrain, TOTAL, WORKERS, writeResult } from './drain-lib.js'

runOnPrefilledTopic(async (stack, dir) => {
  const profDir = process.env.BENCH_PROFILE_DIR ?? (await mkdtemp(join(tmpdir(), 'sluice-prof-')))
  const r = await sluiceDrain(stack.env, dir, 0, {
    tag: 'prof',
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    ...(process.env.BENCH_PROFILE_CLI === undefined ? {} : { cli: process.env.BENCH_PROFILE_CLI }),
  })
  const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f))
  const s = await summarizeProfiles(files, TOTAL)
  await writeResult('profile-drain', {
    records: TOTAL,
    workers: WORKERS,
    coalesce: COALESCE,
    recordsPerSecond: Math.round(r.rate),
    cpuSecondsPerMillion: Number(((r.cpuSeconds / TOTAL) * 1e6).toFixed(2)),
    cli: process.env.BENCH_PROFILE_CLI ?? 'this tree',
    profileDir: profDir,
    ...s,
  })
})
