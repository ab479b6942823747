/**
 * Shared pieces of the query-level integration tests (test/integration/query-*.test.ts): job
 * files built from a few fields, producing with loadgen or kcat, a child sluice process whose
 * log can be awaited, an independent reader of `file://` output (the twin of OutputReader for
 * S3), and the exactly-once check.
 *
 *   const dir = await tempDir('sluice-q-')
 *   const job = await writeJob(dir, 'j', s3Job({ name: 'j', topic: 't', bucket: 'b', prefix: 'j' }))
 *   const run = await runCli(['run', job, '--trigger', 'availableNow'], stack.env)
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import type { OutputReader } from './output-reader.js'
import { logLines, readTopicWithKcat, runCli, spawnCli, type ProducedRecord } from './sluice-process.js'
import type { Stack } from './stack.js'

export type Job = Record<string, unknown>

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/**
 * A job reading `topic` (or the given source) into s3a://bucket/prefix/out/ with its checkpoint
 * at s3a://bucket/prefix/checkpoint/. Everything else overridable through `source`/`sink`/`extra`.
 */
export function s3Job(o: {
  name: string
  bucket: string
  prefix: string
  topic?: string
  source?: Record<string, unknown>
  sink?: Record<string, unknown>
  extra?: Record<string, unknown>
}): Job {
  return baseJob({
    ...o,
    path: `s3a://${o.bucket}/${o.prefix}/out/`,
    checkpointLocation: `s3a://${o.bucket}/${o.prefix}/checkpoint/`,
  })
}

/** Same with `file://` for both the output and the checkpoint, under `dir`. */
export function fileJob(o: {
  name: string
  dir: string
  topic?: string
  source?: Record<string, unknown>
  sink?: Record<string, unknown>
  extra?: Record<string, unknown>
}): Job {
  return baseJob({ ...o, path: `file://${o.dir}/out/`, checkpointLocation: `file://${o.dir}/checkpoint/` })
}

function baseJob(o: {
  name: string
  path: string
  checkpointLocation: string
  topic?: string
  source?: Record<string, unknown>
  sink?: Record<string, unknown>
  extra?: Record<string, unknown>
}): Job {
  return {
    name: o.name,
    workers: 1,
    source: {
      'kafka.bootstrap.servers': '${KAFKA_BOOTSTRAP}',
      ...(o.topic === undefined ? {} : { subscribe: o.topic }),
      startingOffsets: 'earliest',
      ...o.source,
    },
    schema: 'message STRING',
    select: ['json_data.*'],
    sink: { path: o.path, checkpointLocation: o.checkpointLocation, trigger: '200 ms', ...o.sink },
    conf: { 'spark.sql.session.timeZone': 'UTC' },
    s3: { endpoint: '${S3_ENDPOINT}', forcePathStyle: true },
    metrics: { enabled: false },
    ...o.extra,
  }
}

/** Writes the job as JSON (a YAML subset) and returns its path. */
export async function writeJob(dir: string, name: string, job: Job): Promise<string> {
  const file = join(dir, `${name}.json`)
  await writeFile(file, JSON.stringify(job, null, 2))
  return file
}

/**
 * `sluice loadgen` to completion; extra flags e.g. ['--time-span-hours', '3']. Creates the topic
 * on the mock first unless `create` is false (kafkajs cannot create topics on the mock).
 */
export async function loadgen(stack: Stack, topic: string, partitions: number, count: number, extra: string[] = [], create = true): Promise<void> {
  if (create) await stack.kafka.createTopic(topic, partitions)
  const r = await runCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', topic, '--partitions', String(partitions), '--count', String(count), ...extra],
    stack.env,
  )
  assert.equal(r.code, 0, `loadgen ${topic}: ${r.stderr}`)
}

/** Produces one record per line with kcat (`-P`), to a fixed partition when given. */
export function produceLines(bootstrap: string, topic: string, lines: string[], partition?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-P', '-b', bootstrap, '-t', topic, ...(partition === undefined ? [] : ['-p', String(partition)])]
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString()
    })
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}: ${err}`))))
    child.stdin.end(`${lines.join('\n')}\n`)
  })
}

/** The `message` field of every record of a topic, read with kcat. */
export async function producedMessages(bootstrap: string, topic: string): Promise<{ records: ProducedRecord[]; messages: string[] }> {
  const records = await readTopicWithKcat(bootstrap, topic)
  return { records, messages: records.map((r) => (JSON.parse(r.value) as { message: string }).message) }
}

/** Asserts `got` holds every string of `want` exactly once and nothing else. */
export function assertExactlyOnce(got: string[], want: string[], via: string): void {
  const counts = new Map<string, number>()
  for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1)
  const wanted = new Set(want)
  assert.equal(wanted.size, want.length, `${via}: the expected records are unique`)
  const dup = [...counts].filter(([, n]) => n > 1).map(([m, n]) => `${m} ×${n}`)
  const missing = want.filter((m) => !counts.has(m))
  const extra = [...counts.keys()].filter((m) => !wanted.has(m))
  assert.deepEqual(dup.slice(0, 5), [], `${via}: ${dup.length} records duplicated`)
  assert.deepEqual(missing.slice(0, 5), [], `${via}: ${missing.length} of ${want.length} records missing`)
  assert.deepEqual(extra.slice(0, 5), [], `${via}: ${extra.length} records that should not be there`)
  assert.equal(got.length, want.length, `${via}: row count`)
}

export function messagesOfLines(lines: string[]): string[] {
  return lines.map((l) => (JSON.parse(l) as { message: string }).message)
}

/** A sluice child process whose merged stdout/stderr can be awaited line by line. */
export class CliProcess {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  #listeners: (() => void)[] = []

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawnCli(args, env)
    this.child.stdout!.on('data', (b: Buffer) => {
      this.stdout += b.toString()
      for (const l of this.#listeners) l()
    })
    this.child.stderr!.on('data', (b: Buffer) => {
      this.stderr += b.toString()
      for (const l of this.#listeners) l()
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })))
  }

  logs(): Record<string, unknown>[] {
    return logLines(this.stdout)
  }

  committed(): Record<string, unknown>[] {
    return this.logs().filter((l) => l.msg === 'batch committed')
  }

  /**
   * Resolves once `predicate` holds for the output so far; rejects when the process exits first
   * or after `timeoutMs` (a hang detector, not a timing assertion).
   */
  waitFor(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false
      const finish = (err?: Error): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        this.#listeners = this.#listeners.filter((l) => l !== check)
        if (err) reject(err)
        else resolve()
      }
      const check = (): void => {
        if (predicate()) finish()
      }
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}; output:\n${this.tail()}`)), timeoutMs)
      this.#listeners.push(check)
      void this.exited.then(({ code }) => {
        if (!predicate()) finish(new Error(`sluice exited (${code}) before ${what}; output:\n${this.tail()}`))
        else finish()
      })
      check()
    })
  }

  tail(): string {
    return `${this.stdout.slice(-3000)}\n--- stderr ---\n${this.stderr.slice(-3000)}`
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    const r = await this.exited
    clearTimeout(timer)
    return r
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}

/** Polling helpers (one definition, test/helpers/eventually.ts). */
export { eventually, until } from './eventually.js'

/** Batch ids of a Spark log directory (`offsets`, `commits`, `_spark_metadata`) on disk. */
export async function localLogIds(dir: string): Promise<number[]> {
  if (!existsSync(dir)) return []
  return (await readdir(dir))
    .filter((n) => /^\d+(\.compact)?$/.test(n))
    .map((n) => Number.parseInt(n, 10))
    .sort((a, b) => a - b)
}

/** Batch ids of a Spark log directory on S3, e.g. `prefix/checkpoint/offsets/`. */
export async function s3LogIds(reader: OutputReader, logPrefix: string): Promise<number[]> {
  return (await reader.list(logPrefix))
    .map((o) => o.key.slice(logPrefix.length))
    .filter((n) => /^\d+(\.compact)?$/.test(n))
    .map((n) => Number.parseInt(n, 10))
    .sort((a, b) => a - b)
}

/** Deletes every object under `prefix` of an s3rver bucket; returns how many. */
export async function deleteS3Prefix(endpoint: string, bucket: string, prefix: string): Promise<number> {
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  try {
    let n = 0
    for (;;) {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))
      const keys = (r.Contents ?? []).map((o) => ({ Key: o.Key! }))
      if (keys.length === 0) return n
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }))
      n += keys.length
    }
  } finally {
    s3.destroy()
  }
}

/** Every file under `root`, as paths relative to it, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  if (!existsSync(root)) return []
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort()
}

export interface LocalRow {
  dir: string
  file: string
  line: string
}

/**
 * The file:// twin of OutputReader: what a Spark reader sees (`_spark_metadata`) and what a
 * plain listing sees, read with fs and written against Spark's documented format only.
 */
export class LocalOutputReader {
  readonly root: string

  constructor(root: string) {
    this.root = root.endsWith('/') ? root.slice(0, -1) : root
  }

  /** Absolute paths of the files the sink log lists as committed (URIs decoded). */
  async committedFiles(): Promise<string[]> {
    const logDir = join(this.root, '_spark_metadata')
    if (!existsSync(logDir)) return []
    const entries = (await readdir(logDir))
      .filter((n) => /^\d+(\.compact)?$/.test(n))
      .map((name) => ({ name, id: Number.parseInt(name, 10), compact: name.endsWith('.compact') }))
    const latestCompact = Math.max(-1, ...entries.filter((e) => e.compact).map((e) => e.id))
    const use = entries.filter((e) => (e.compact ? e.id === latestCompact : e.id > latestCompact)).sort((a, b) => a.id - b.id)
    const files = new Map<string, boolean>()
    for (const e of use) {
      const lines = (await readFile(join(logDir, e.name), 'utf8')).split('\n').filter((l) => l.length > 0)
      assert.equal(lines[0], 'v1', `${e.name}: version line`)
      for (const l of lines.slice(1)) {
        const s = JSON.parse(l) as { path: string; action: string }
        const path = this.pathOf(s.path)
        if (s.action === 'delete') files.delete(path)
        else files.set(path, true)
      }
    }
    return [...files.keys()]
  }

  /** `file:///tmp/x/out/cat=50%2525/part-…` → `/tmp/x/out/cat=50%25/part-…`. */
  pathOf(uri: string): string {
    const m = /^file:(?:\/\/)?(\/.*)$/.exec(uri)
    assert.ok(m !== null, `unexpected path in sink log: ${uri}`)
    return decodeURIComponent(m[1]!)
  }

  async viaSparkMetadata(): Promise<LocalRow[]> {
    return this.#rows(await this.committedFiles())
  }

  async viaListing(): Promise<LocalRow[]> {
    const files = (await listFiles(this.root))
      .filter((rel) => !rel.split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.')))
      .map((rel) => join(this.root, rel))
    return this.#rows(files)
  }

  async #rows(paths: string[]): Promise<LocalRow[]> {
    const rows: LocalRow[] = []
    for (const p of paths) {
      const rel = relative(this.root, p)
      assert.ok(!rel.startsWith('..'), `committed file ${p} is outside the output ${this.root}`)
      const bytes = await readFile(p)
      const text = (p.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : ''
      for (const line of text.split('\n')) if (line.length > 0) rows.push({ dir, file: rel, line })
    }
    return rows
  }
}
