/**
 * Monitoring, proven against a real Prometheus (Debian `prometheus`): the seed article's setup —
 * a load generator faster than maxOffsetsPerTrigger lets the job read — so lag must build while
 * the load runs and fall back to 0 after it stops, in records and in seconds. Every PromQL
 * expression of the Grafana dashboard must return data. Also: promtool accepts the exposition,
 * /progress has Spark's shape, /healthz and /readyz answer, and the batch offsets reach the
 * consumer group (read back by kafkajs, an independent client).
 */
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { dashboardExpressions } from '../helpers/dashboard-queries.js'
import { until } from '../helpers/eventually.js'
import { spawnCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const PROMETHEUS = '/usr/bin/prometheus'
const PROMTOOL = '/usr/bin/promtool'
let stack: Stack
let dir: string
const children: ChildProcess[] = []

before(async () => {
  stack = await startStack({ topics: [{ name: 'mon', partitions: 4 }], buckets: ['mon-test'] })
  dir = await mkdtemp(join(tmpdir(), 'sluice-mon-'))
})
after(async () => {
  for (const c of children) c.kill('SIGKILL')
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

async function promQuery(base: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`)
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
  assert.equal(body.status, 'success', `${expr}: ${body.error}`)
  return body.data.result
}

async function scalar(base: string, expr: string): Promise<number | null> {
  const r = await promQuery(base, expr)
  return r.length === 0 ? null : Number(r[0]!.value[1])
}

/** Polls (the toolkit's `until`): a server that is not up yet (connection refused) is polled again. */
const poll = <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> =>
  until(what, fn, ok, { timeoutMs, intervalMs: 500, retryErrors: true })

test('lag builds under maxOffsetsPerTrigger and drains, seen through a real Prometheus', { timeout: 300_000 }, async () => {
  assert.ok(existsSync(PROMETHEUS) && existsSync(PROMTOOL), 'Debian package prometheus is required (make test installs it)')
  const job = join(dir, 'mon.yaml')
  await writeFile(
    job,
    `name: mon
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  kafka.group.id: sluice-mon
  subscribe: mon
  startingOffsets: earliest
  maxOffsetsPerTrigger: 800
schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd') AS dt"]
sink:
  path: s3a://mon-test/out/
  checkpointLocation: s3a://mon-test/checkpoint/
  partitionBy: [dt]
  coalesce: 2
  trigger: 1 second
conf:
  spark.sql.session.timeZone: UTC
s3:
  endpoint: \${S3_ENDPOINT}
  forcePathStyle: true
metrics:
  host: 127.0.0.1
  port: 0
`,
  )
  const sluice = spawnCli(['run', job], stack.env)
  children.push(sluice)
  let out = ''
  sluice.stdout!.on('data', (b: Buffer) => {
    out += b.toString()
  })
  sluice.stderr!.on('data', (b: Buffer) => {
    out += b.toString()
  })
  const url = await poll(
    'metrics server url in the log',
    async () => /"msg":"metrics server listening"[^\n]*"url":"([^"]+)"|"url":"([^"]+)"[^\n]*"msg":"metrics server listening"/.exec(out),
    (m) => m !== null,
    30_000,
  ).then((m) => (m![1] ?? m![2])!)

  const promPort = await freePort()
  const target = new URL(url).host
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sluice\n    static_configs:\n      - targets: ['${target}']\n`,
  )
  const prom = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], {
    stdio: 'ignore',
  })
  children.push(prom)
  const base = `http://127.0.0.1:${promPort}`
  await poll('prometheus scraping sluice', () => scalar(base, 'up{job="sluice"}'), (v) => v === 1, 60_000)

  // 1500 records/s for 10 s against a cap of 800 per 1 s trigger: lag must build (and drains in ~9 s after).
  const loadgen = spawnCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', 'mon', '--partitions', '4', '--rate', '1500', '--duration', '10'],
    stack.env,
  )
  children.push(loadgen)
  const loadDone = new Promise<number | null>((resolve) => loadgen.once('exit', resolve))

  const behind = 'sum(sluice_kafka_offsets_behind_latest{query="mon"})'
  const lagSeconds = 'max(sluice_kafka_lag_seconds{query="mon"})'
  const b1 = await poll('offsets behind > 0', () => scalar(base, behind), (v) => v !== null && v > 0, 30_000)
  const s1 = await poll('lag seconds > 0', () => scalar(base, lagSeconds), (v) => v !== null && v > 0, 30_000)
  // Both keep rising while the load runs (polled, not slept for).
  const risen = await poll(
    'offsets behind and lag seconds rising',
    async () => ({ b: await scalar(base, behind), s: await scalar(base, lagSeconds) }),
    (v) => v.b !== null && v.b > b1! && v.s !== null && v.s > s1!,
    60_000,
  )
  const b2 = risen.b
  const s2 = risen.s
  assert.ok(b2! > b1!, `offsets behind rises while the load runs: ${b1} then ${b2}`)
  assert.ok(s2! > s1!, `lag seconds rises while the load runs: ${s1} then ${s2}`)

  // While batches flow: the HTTP surface.
  const progress = (await (await fetch(`${url}progress`)).json()) as Record<string, unknown>
  assert.deepEqual(Object.keys(progress), [
    'id', 'runId', 'name', 'timestamp', 'batchId', 'numInputRows', 'inputRowsPerSecond', 'processedRowsPerSecond',
    'durationMs', 'stateOperators', 'sources', 'sink', 'sluice',
  ])
  assert.match(progress.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  const source = (progress.sources as Record<string, unknown>[])[0]!
  assert.equal(source.description, 'KafkaV2[Subscribe[mon]]')
  for (const v of Object.values(source.metrics as Record<string, unknown>)) assert.equal(typeof v, 'string')
  assert.deepEqual(Object.keys(progress.durationMs as object).sort(), ['addBatch', 'commitOffsets', 'getBatch', 'latestOffset', 'queryPlanning', 'triggerExecution', 'walCommit'])
  assert.deepEqual(progress.sink, { description: 'FileSink[s3a://mon-test/out/]', numOutputRows: -1 })
  assert.equal((await fetch(`${url}healthz`)).status, 200)
  assert.equal((await fetch(`${url}readyz`)).status, 200)
  const exposition = await (await fetch(`${url}metrics`)).text()
  const check = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = execFile(PROMTOOL, ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    )
    p.stdin!.end(exposition)
  })
  assert.equal(check.code, 0, `promtool check metrics: ${check.out}`)

  // Every dashboard expression returns data.
  const empty: string[] = []
  for (const { title, expr } of dashboardExpressions('mon')) {
    const r = await promQuery(base, expr)
    if (r.length === 0) empty.push(`${title}: ${expr}`)
  }
  assert.deepEqual(empty, [], 'dashboard expressions without data')

  assert.equal(await loadDone, 0)
  await poll('offsets behind back to 0', () => scalar(base, behind), (v) => v === 0, 90_000)
  await poll('lag seconds back to 0', () => scalar(base, lagSeconds), (v) => v === 0, 30_000)

  // The consumer group holds the committed end offsets (kafkajs, independent of sluice's commit code).
  const kafka = new Kafka({ brokers: stack.kafka.brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [latest, committed] = await Promise.all([admin.fetchTopicOffsets('mon'), admin.fetchOffsets({ groupId: 'sluice-mon', topics: ['mon'] })])
    const want = Object.fromEntries(latest.map((p) => [p.partition, p.high]))
    const got = Object.fromEntries(committed[0]!.partitions.map((p) => [p.partition, p.offset]))
    assert.deepEqual(got, want, 'group offsets equal the latest offsets once caught up')
  } finally {
    await admin.disconnect()
  }
  sluice.kill('SIGTERM')
  const code = await new Promise<number | null>((resolve) => (sluice.exitCode !== null ? resolve(sluice.exitCode) : sluice.once('exit', resolve)))
  assert.equal(code, 0, out.slice(-2000))
})
