/**
 * file:// sinks and readers that skip only hidden names (issue 6 item 3). Hadoop's input formats
 * (so Spark, Hive and Trino reading a directory without `_spark_metadata`) skip names starting
 * with `_` or `.` and read everything else. A process killed mid-batch leaves its temporary files;
 * before the fix they were named `part-…-c000.json.sluice-tmp-<hex>` and read as data, and a
 * re-run never removed them, so such a reader saw records twice. Now they are hidden
 * (`.part-….sluice-tmp-<hex>`) and the re-run of the batch sweeps them.
 *
 * Also a full disk under the sink (a 512 KiB tmpfs, mounted as root; make test runs as root):
 * SLUICE_FILE_NO_SPACE, nothing committed, and once there is space the re-run lands every record once.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { after, before, test } from 'node:test'
import { CliProcess, eventually, fileJob, listFiles, LocalOutputReader, messagesOfLines, producedMessages, produceLines, tempDir, writeJob, assertExactlyOnce } from '../helpers/query-fixtures.js'
import { startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js'
import { runCli } from '../helpers/sluice-process.js'

const TOPIC = 'temps'
const PARTITIONS = 8
const COUNT = 240_000
const FULL = 'full'
const FULL_COUNT = 8_000
let kafka: KafkaMock
let dir: string
let env: Record<string, string>

before(async () => {
  kafka = await startKafkaMock({ topics: [{ name: TOPIC, partitions: PARTITIONS }, { name: FULL, partitions: 2 }] })
  dir = await tempDir('sluice-temp-files-')
  // No S3 is used (file:// sink); the job template names an endpoint all the same.
  env = { KAFKA_BOOTSTRAP: kafka.bootstrap, S3_ENDPOINT: 'http://127.0.0.1:9' }
  const r = await runCli(
    ['loadgen', '--bootstrap', kafka.bootstrap, '--topic', TOPIC, '--partitions', String(PARTITIONS), '--count', String(COUNT), '--record-bytes', '100', '--time-span-hours', '2'],
    env,
  )
  assert.equal(r.code, 0, r.stderr)
})
after(async () => {
  await kafka?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Temporary files of data files (not of the start-up probe's scratch object). */
function dataTemps(files: string[]): string[] {
  return files.filter((f) => f.includes('.sluice-tmp-') && /(^|\/)\.?part-/.test(f))
}

/** What a Hadoop-style reader reads: every file whose path has no segment starting with `_` or `.`. */
function readable(files: string[]): string[] {
  return files.filter((rel) => !rel.split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.')))
}

test('a kill mid-batch leaves no file a hidden-name-skipping reader reads, and the re-run sweeps the leftovers', async () => {
  const job = await writeJob(
    dir,
    'temps',
    fileJob({
      name: 'temps',
      dir,
      topic: TOPIC,
      sink: { partitionBy: ['dth'], coalesce: 1, trigger: 'availableNow' },
      extra: { select: ['json_data.*', "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"] },
    }),
  )
  const out = join(dir, 'out')
  const first = new CliProcess(['run', job], env)
  try {
    // Wait until the batch's writers have temporary files on disk, then kill the process.
    await eventually('temporary data files under out/', async () => dataTemps(await listFiles(out)).length > 0, 120_000)
  } finally {
    first.kill()
  }
  await first.exited
  const left = dataTemps(await listFiles(out))
  assert.ok(left.length > 0, 'the kill left temporary files (precondition)')
  for (const f of left) assert.ok(basename(f).startsWith('.'), `temporary file ${f} is hidden from Hadoop-style readers`)
  assert.deepEqual(readable(await listFiles(out)).filter((f) => !/\/part-\d{5}-[0-9a-f-]{36}-c\d{3}\.json$/.test(f)), [], 'a reader sees only data files')

  const second = await runCli(['run', job, '--trigger', 'availableNow'], env, 300_000)
  assert.equal(second.code, 0, second.stderr)
  assert.deepEqual(dataTemps(await listFiles(out)), [], 'the re-run removed the temporary files of the killed attempt')
  const { messages } = await producedMessages(kafka.bootstrap, TOPIC)
  const reader = new LocalOutputReader(out)
  assertExactlyOnce(messagesOfLines((await reader.viaListing()).map((r) => r.line)), messages, 'a listing that skips _ and . names')
  assertExactlyOnce(messagesOfLines((await reader.viaSparkMetadata()).map((r) => r.line)), messages, '_spark_metadata')
})

function sh(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve()))
  })
}

test('disk full under a file:// sink: SLUICE_FILE_NO_SPACE, nothing committed; with space again the re-run lands every record once', async () => {
  // ~125 bytes per output line (the job's schema keeps only `message`).
  const pad = 'x'.repeat(100)
  await produceLines(kafka.bootstrap, FULL, Array.from({ length: FULL_COUNT }, (_, i) => JSON.stringify({ message: `full-${i}-${pad}` })))
  const mnt = join(dir, 'full')
  await mkdir(mnt)
  // ~1 MB of output into 512 KiB. The checkpoint stays on the normal disk.
  await sh('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]).catch((err: Error) => {
    assert.fail(`this test mounts a 512 KiB tmpfs to fill it, which needs root (make test runs as root in CI) and mount(8): ${err.message}`)
  })
  try {
    const out = join(mnt, 'out')
    const checkpoint = join(dir, 'full-checkpoint')
    const spec = fileJob({ name: 'full', dir, topic: FULL, sink: { coalesce: 2, trigger: 'availableNow' } })
    Object.assign(spec.sink as Record<string, unknown>, { path: `file://${out}/`, checkpointLocation: `file://${checkpoint}/` })
    const job = await writeJob(dir, 'full', spec)

    const first = await runCli(['run', job], env, 300_000)
    assert.notEqual(first.code, 0, 'the run on a full disk fails')
    const all = first.stdout + first.stderr
    assert.match(all, /SLUICE_FILE_NO_SPACE/, all.slice(-3000))
    assert.match(all, /ENOSPC[^\n]*the file system is full\. Nothing of the batch in flight is committed\. Free space/, all.slice(-3000))
    assert.deepEqual(existsSync(join(checkpoint, 'commits')) ? await listFiles(join(checkpoint, 'commits')) : [], [], 'no commits/N')
    const files = await listFiles(out)
    assert.deepEqual(files.filter((f) => f.startsWith('_spark_metadata/') && !f.includes('/.')), [], 'no sink-log entry')
    assert.deepEqual(readable(files), [], 'no data file a plain listing would read')

    await sh('mount', ['-o', 'remount,size=64m', mnt])
    const second = await runCli(['run', job], env, 300_000)
    assert.equal(second.code, 0, second.stderr)
    const { messages } = await producedMessages(kafka.bootstrap, FULL)
    const reader = new LocalOutputReader(out)
    assertExactlyOnce(messagesOfLines((await reader.viaSparkMetadata()).map((x) => x.line)), messages, '_spark_metadata')
    assertExactlyOnce(messagesOfLines((await reader.viaListing()).map((x) => x.line)), messages, 'plain listing')
    assert.deepEqual(dataTemps(await listFiles(out)), [], 'no temporary file left')
  } finally {
    await sh('umount', [mnt])
  }
})
