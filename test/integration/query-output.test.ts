/**
 * Output options through the real CLI, with `file://` for BOTH the output path and the
 * checkpoint (file:// end to end): gzip, PERMISSIVE with a corrupt-record column, FAILFAST,
 * coalesce, no partitionBy, Hive escaping of partition values, writerMemory cuts and
 * maxRecordsPerFile cuts, also across a re-run (spark-compat.md §3, §7). Output is read back independently (LocalOutputReader).
 */
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { after, before, test } from 'node:test'
import {
  assertExactlyOnce,
  fileJob,
  type Job,
  listFiles,
  loadgen,
  LocalOutputReader,
  localLogIds,
  messagesOfLines,
  produceLines,
  producedMessages,
  tempDir,
  writeJob,
} from '../helpers/query-fixtures.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

let stack: Stack
let dir: string

before(async () => {
  stack = await startStack({})
  dir = await tempDir('sluice-q-output-')
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const PARTITIONED = {
  select: ['json_data.*', "date_format(timestamp, 'yyyy-MM-dd') AS dt", "date_format(timestamp, 'yyyy-MM-dd-HH') AS dth"],
}

async function drain(name: string, o: Job): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = await writeJob(dir, name, o)
  return runCli(['run', file, '--trigger', 'availableNow'], stack.env)
}

async function checkAll(root: string, topic: string): Promise<void> {
  const { messages } = await producedMessages(stack.kafka.bootstrap, topic)
  const out = new LocalOutputReader(root)
  assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, `${topic} via _spark_metadata`)
  assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, `${topic} via listing`)
}

/** Lines of every `_spark_metadata/N` batch file (not .compact): the files each batch added. */
async function filesPerBatch(root: string): Promise<Map<number, string[]>> {
  const out = new LocalOutputReader(root)
  const byBatch = new Map<number, string[]>()
  for (const id of await localLogIds(join(root, '_spark_metadata'))) {
    const name = join(root, '_spark_metadata', String(id))
    const text = await readFile(name, 'utf8').catch(() => null)
    if (text === null) continue
    byBatch.set(
      id,
      text
        .split('\n')
        .slice(1)
        .filter((l) => l !== '')
        .map((l) => out.pathOf((JSON.parse(l) as { path: string }).path)),
    )
  }
  return byBatch
}

test('compression: gzip writes .json.gz files that gunzip to every row exactly once', { timeout: 60_000 }, async () => {
  await loadgen(stack, 'gz', 2, 1000, ['--time-span-hours', '2'])
  const d = join(dir, 'gz')
  const run = await drain('gz', fileJob({ name: 'gz', dir: d, topic: 'gz', extra: PARTITIONED, sink: { compression: 'gzip', partitionBy: ['dt', 'dth'] } }))
  assert.equal(run.code, 0, run.stderr)
  const data = (await listFiles(join(d, 'out'))).filter((f) => !f.startsWith('_'))
  assert.ok(data.length > 0)
  for (const f of data) assert.match(f, /^dt=[^/]+\/dth=[^/]+\/part-\d{5}-[0-9a-f-]{36}-c\d{3}\.json\.gz$/, f)
  for (const p of await new LocalOutputReader(join(d, 'out')).committedFiles()) assert.ok(p.endsWith('.json.gz'), p)
  await checkAll(join(d, 'out'), 'gz')
})

test('PERMISSIVE with a _corrupt_record column keeps broken values as raw text; no partitionBy writes at the output root', { timeout: 60_000 }, async () => {
  await stack.kafka.createTopic('bad', 1)
  await produceLines(stack.kafka.bootstrap, 'bad', ['{"message":"ok-1"}', '{"message": broken', 'not json at all', '{"message":"ok-2"}'], 0)
  const d = join(dir, 'permissive')
  const run = await drain('permissive', fileJob({ name: 'permissive', dir: d, topic: 'bad', extra: { schema: 'message STRING, _corrupt_record STRING' } }))
  assert.equal(run.code, 0, run.stderr)
  const rows = await new LocalOutputReader(join(d, 'out')).viaSparkMetadata()
  for (const r of rows) assert.equal(r.dir, '', `${r.file} is at the output root`)
  assert.deepEqual(
    rows.map((r) => JSON.parse(r.line) as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [{ _corrupt_record: '{"message": broken' }, { _corrupt_record: 'not json at all' }, { message: 'ok-1' }, { message: 'ok-2' }],
  )
  const listed = (await listFiles(join(d, 'out'))).filter((f) => !f.startsWith('_'))
  assert.ok(listed.length > 0)
  for (const f of listed) assert.ok(!f.includes('/'), `${f} is at the output root`)
})

test('mode FAILFAST exits non-zero with SLUICE_RECORD_MALFORMED naming topic, partition and offset; no _spark_metadata entry', { timeout: 60_000 }, async () => {
  await stack.kafka.createTopic('bad', 1).catch(() => {})
  if ((await producedMessages(stack.kafka.bootstrap, 'bad').catch(() => ({ records: [] }))).records.length === 0) {
    await produceLines(stack.kafka.bootstrap, 'bad', ['{"message":"ok-1"}', '{"message": broken', 'not json at all', '{"message":"ok-2"}'], 0)
  }
  const d = join(dir, 'failfast')
  const run = await drain('failfast', fileJob({ name: 'failfast', dir: d, topic: 'bad', sink: { mode: 'FAILFAST' } }))
  assert.notEqual(run.code, 0, 'exits non-zero')
  assert.match(run.stderr, /SLUICE_RECORD_MALFORMED/)
  assert.match(run.stderr, /bad-0 offset 1\b/, `names topic, partition and offset: ${run.stderr}`)
  assert.equal(logLines(run.stdout).filter((l) => l.msg === 'batch committed').length, 0)
  assert.deepEqual(await localLogIds(join(d, 'out', '_spark_metadata')), [], 'no _spark_metadata entry')
  assert.deepEqual(await localLogIds(join(d, 'checkpoint', 'commits')), [], 'no commits/N')
})

test('coalesce: 1 writes at most one file per partition directory per batch', { timeout: 60_000 }, async () => {
  await loadgen(stack, 'co', 4, 2000, ['--time-span-hours', '3'])
  const d = join(dir, 'coalesce')
  const run = await drain(
    'coalesce',
    fileJob({ name: 'coalesce', dir: d, topic: 'co', extra: PARTITIONED, source: { maxOffsetsPerTrigger: 1000 }, sink: { coalesce: 1, partitionBy: ['dt', 'dth'] } }),
  )
  assert.equal(run.code, 0, run.stderr)
  const batches = await filesPerBatch(join(d, 'out'))
  assert.ok(batches.size >= 2, `${batches.size} batches`)
  let dirs = 0
  for (const [id, files] of batches) {
    const perDir = new Map<string, number>()
    for (const f of files) perDir.set(f.slice(0, f.lastIndexOf('/')), (perDir.get(f.slice(0, f.lastIndexOf('/'))) ?? 0) + 1)
    for (const [dd, n] of perDir) assert.equal(n, 1, `batch ${id}: ${n} files in ${dd}`)
    dirs = Math.max(dirs, perDir.size)
  }
  assert.ok(dirs >= 2, 'batches span several hour directories (4 Kafka partitions each)')
  await checkAll(join(d, 'out'), 'co')
})

test('partition values are Hive-escaped, null and empty go to __HIVE_DEFAULT_PARTITION__, nothing lands outside the output', { timeout: 60_000 }, async () => {
  await stack.kafka.createTopic('hive', 1)
  const values: [string, string | null | undefined, string][] = [
    ['h-slash', 'a/b', 'cat=a%2Fb'],
    ['h-dots', '..', 'cat=..'],
    ['h-eq', 'x=y', 'cat=x%3Dy'],
    ['h-pct', '50%', 'cat=50%25'],
    ['h-empty', '', 'cat=__HIVE_DEFAULT_PARTITION__'],
    ['h-null', null, 'cat=__HIVE_DEFAULT_PARTITION__'],
    ['h-absent', undefined, 'cat=__HIVE_DEFAULT_PARTITION__'],
  ]
  await produceLines(
    stack.kafka.bootstrap,
    'hive',
    values.map(([message, cat]) => JSON.stringify(cat === undefined ? { message } : { message, cat })),
  )
  const d = join(dir, 'hive')
  const run = await drain(
    'hive',
    fileJob({ name: 'hive', dir: d, topic: 'hive', extra: { schema: 'message STRING, cat STRING' }, sink: { partitionBy: ['cat'] } }),
  )
  assert.equal(run.code, 0, run.stderr)
  const want = new Map(values.map(([m, , dirName]) => [m, dirName]))
  for (const [via, rows] of [
    ['_spark_metadata', await new LocalOutputReader(join(d, 'out')).viaSparkMetadata()],
    ['listing', await new LocalOutputReader(join(d, 'out')).viaListing()],
  ] as const) {
    const got = new Map<string, string>()
    for (const r of rows) {
      const obj = JSON.parse(r.line) as Record<string, unknown>
      assert.deepEqual(Object.keys(obj), ['message'], `${via}: the partition column is not in the body`)
      assert.ok(!got.has(obj.message as string), `${via}: ${obj.message} twice`)
      got.set(obj.message as string, r.dir)
    }
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()), `${via}: directory per value`)
  }
  // The job's directory holds the job file, out/ and checkpoint/ only; out/ only cat=… and _spark_metadata.
  assert.deepEqual((await readdir(d)).sort(), ['checkpoint', 'out'])
  const top = new Set((await listFiles(join(d, 'out'))).map((f) => f.split('/')[0]!))
  assert.deepEqual([...top].sort(), ['_spark_metadata', ...new Set(values.map(([, , x]) => x))].sort())
  const log = await readFile(join(d, 'out', '_spark_metadata', '0'), 'utf8')
  assert.match(log, /cat=50%2525\//, 'the sink log path URI-encodes the % of the directory name')
})

test('sink.writerMemory: 1MB cuts files (-c001) and still writes every row exactly once', { timeout: 90_000 }, async () => {
  // ~240 hourly directories: the merge writer's share (half of 1MB) cannot hold one open file per
  // directory (each holds its 8 KiB text buffer and its store writer), so it must cut files. With
  // few directories it no longer has to: blocks go straight to the store writer. Timestamps out of
  // order by up to the whole span: each directory's rows arrive all through the batch, so a cut file
  // gets a successor (-c001). In time order, the cuts could all land on directories whose rows were
  // all in, and no -c001 appear (a clean-clone run saw that).
  await loadgen(stack, 'wm', 2, 6000, ['--time-span-hours', '120', '--out-of-order', '432000', '--seed', '7', '--record-bytes', '400'])
  const d = join(dir, 'wm')
  const run = await drain('wm', fileJob({ name: 'wm', dir: d, topic: 'wm', extra: PARTITIONED, sink: { coalesce: 1, writerMemory: '1MB', partitionBy: ['dt', 'dth'] } }))
  assert.equal(run.code, 0, run.stderr)
  const files = (await listFiles(join(d, 'out'))).filter((f) => !f.startsWith('_'))
  assert.ok(files.some((f) => /-c001\.json$/.test(f)), `a file was cut: ${files.join(', ')}`)
  await checkAll(join(d, 'out'), 'wm')
})

/**
 * Puts batch `id` back in the state a kill leaves after its files were completed and before
 * `_spark_metadata/N`: the files stay, listed in intent files (as the merge writers write them
 * before completing), and neither `_spark_metadata/N` nor `commits/N` exists. Returns the keys.
 */
async function uncommit(d: string, id: number, badRecords: string[] = []): Promise<string[]> {
  const out = join(d, 'out')
  const keys = (await filesPerBatch(out)).get(id)!.map((p) => relative(out, p))
  const byAttempt = new Map<string, string[]>()
  for (const k of keys) {
    const m = /part-(\d{5})-([0-9a-f-]{36})-c\d{3}/.exec(k)!
    const at = `${m[2]}/${m[1]}-0.json`
    byAttempt.set(at, [...(byAttempt.get(at) ?? []), k])
  }
  for (const [at, list] of byAttempt) {
    const file = join(d, 'checkpoint', 'sluice', 'intents', String(id), at)
    await mkdir(dirname(file), { recursive: true })
    const [attempt, writer] = [at.split('/')[0]!, Number(at.split('/')[1]!.slice(0, 5))]
    await writeFile(file, JSON.stringify({ batchId: id, attempt, writer, keys: list, ...(writer === 0 ? { badRecords } : {}) }))
  }
  await unlink(join(out, '_spark_metadata', String(id)))
  await unlink(join(d, 'checkpoint', 'commits', String(id)))
  return keys
}

/** Rows per file, per directory, sorted: the shape of a batch's files whatever their attempt id. */
async function shape(out: string, keys: string[]): Promise<Record<string, number[]>> {
  const s: Record<string, number[]> = {}
  for (const k of keys) {
    const rows = (await readFile(join(out, k), 'utf8')).split('\n').filter((l) => l !== '').length
    ;(s[dirname(k)] ??= []).push(rows)
  }
  for (const v of Object.values(s)) v.sort((a, b) => b - a)
  return s
}

test('sink.maxRecordsPerFile: 250 cuts every directory into files of exactly 250 rows (-c001, …), all in _spark_metadata; a re-run after a kill writes the same files again', { timeout: 90_000 }, async () => {
  await loadgen(stack, 'mr', 2, 3000, ['--time-span-hours', '2'])
  const d = join(dir, 'mr')
  const job = fileJob({ name: 'mr', dir: d, topic: 'mr', extra: PARTITIONED, sink: { coalesce: 1, maxRecordsPerFile: 250, partitionBy: ['dt', 'dth'] } })
  const first = await drain('mr', job)
  assert.equal(first.code, 0, first.stderr)
  const out = join(d, 'out')
  const keys = (await filesPerBatch(out)).get(0)!.map((p) => relative(out, p))
  const before = await shape(out, keys)
  assert.ok(Object.keys(before).length >= 2, `several directories: ${JSON.stringify(before)}`)
  assert.ok(Object.values(before).some((rows) => rows.length >= 3), `directories were cut: ${JSON.stringify(before)}`)
  assert.equal(Object.values(before).flat().reduce((a, b) => a + b, 0), 3000)
  for (const [dd, rows] of Object.entries(before)) {
    assert.ok(rows.slice(0, -1).every((n) => n === 250) && rows.at(-1)! <= 250 && rows.at(-1)! > 0, `${dd}: ${rows.join(', ')}`)
  }
  const suffixes = (ks: string[]): string[] => ks.map((k) => k.replace(/-[0-9a-f-]{36}-/, '-<attempt>-')).sort()
  assert.deepEqual(
    (await listFiles(out)).filter((f) => !f.startsWith('_')).sort(),
    [...keys].sort(),
    'a plain listing sees exactly the files _spark_metadata lists',
  )
  await checkAll(out, 'mr')

  const killed = await uncommit(d, 0)
  const rerun = await drain('mr', job)
  assert.equal(rerun.code, 0, rerun.stderr)
  const again = (await filesPerBatch(out)).get(0)!.map((p) => relative(out, p))
  assert.equal(again.filter((k) => killed.includes(k)).length, 0, 'the re-run is a new attempt (its own file names)')
  assert.deepEqual(suffixes(again), suffixes(killed), 'the same files: directory, writer and -cNNN')
  assert.deepEqual(await shape(out, again), before, 'with the same rows per file')
  assert.deepEqual((await listFiles(out)).filter((f) => !f.startsWith('_')).sort(), [...again].sort(), "the killed attempt's files are gone")
  await checkAll(out, 'mr')
})

test('sink.badRecordsPath with FAILFAST: malformed records land there with their Kafka coordinates and reason, once, also after a re-run; the output has the rest', { timeout: 90_000 }, async () => {
  await stack.kafka.createTopic('badr', 1)
  const values = ['{"message":"ok-1"}', '{"message": broken', 'not json at all', '{"message":"ok-2"}', '[1,2]']
  await produceLines(stack.kafka.bootstrap, 'badr', values, 0)
  const d = join(dir, 'badr')
  const bad = join(d, 'bad')
  const job = fileJob({ name: 'badr', dir: d, topic: 'badr', sink: { mode: 'FAILFAST', badRecordsPath: `file://${bad}/` } })
  const first = await drain('badr', job)
  assert.equal(first.code, 0, `FAILFAST does not stop the batch when badRecordsPath is set: ${first.stderr}`)
  const committed = logLines(first.stdout).filter((l) => l.msg === 'batch committed')
  assert.equal(committed[0]?.badRecords, 3, 'counted in the batch log line')
  const out = join(d, 'out')
  const rows = async (): Promise<string[]> => (await new LocalOutputReader(out).viaSparkMetadata()).map((r) => r.line).sort()
  assert.deepEqual(await rows(), ['{"message":"ok-1"}', '{"message":"ok-2"}'])
  const queryId = (JSON.parse((await readFile(join(d, 'checkpoint', 'metadata'), 'utf8')).split('\n')[0]!) as { id: string }).id
  const file = `batchId=0/part-00000-${queryId}.json`
  assert.deepEqual(await listFiles(bad), [file])
  type Bad = { topic: string; partition: number; offset: number; timestamp: string; key: string | null; record: string; reason: string }
  const badLines = async (): Promise<Bad[]> =>
    (await readFile(join(bad, file), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Bad)
      .sort((a, b) => a.offset - b.offset)
  const want = await badLines()
  assert.deepEqual(
    want.map((b) => [b.topic, b.partition, b.offset, b.record]),
    [
      ['badr', 0, 1, '{"message": broken'],
      ['badr', 0, 2, 'not json at all'],
      ['badr', 0, 4, '[1,2]'],
    ],
  )
  for (const b of want) {
    assert.ok(b.reason.length > 0 && !Number.isNaN(Date.parse(b.timestamp)), JSON.stringify(b))
    assert.equal(b.key, null)
  }
  assert.match(want[2]!.reason, /an array, not an object/)

  // A kill between the completed files and _spark_metadata/0, after an earlier attempt (say with
  // coalesce 2) had also completed a second writer's bad-records file: the re-run removes both,
  // then writes its own once.
  const stale = `batchId=0/part-00001-${queryId}.json`
  await writeFile(join(bad, stale), '{"stale":true}\n')
  await uncommit(d, 0, [file, stale])
  const rerun = await drain('badr', job)
  assert.equal(rerun.code, 0, rerun.stderr)
  assert.equal(logLines(rerun.stdout).filter((l) => l.msg === 'batch committed')[0]?.badRecords, 3)
  assert.deepEqual(await listFiles(bad), [file], 'the re-run removed what the earlier attempts left and rewrote its file')
  assert.deepEqual(await badLines(), want, 'each bad record once')
  assert.deepEqual(await rows(), ['{"message":"ok-1"}', '{"message":"ok-2"}'])
  assert.deepEqual((await new LocalOutputReader(out).viaListing()).map((r) => r.line).sort(), await rows(), 'a plain listing sees the same')
})
