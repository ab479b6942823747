/**
 * The status page at `GET /`, in a real headless Chromium (Debian `chromium`, driven by
 * playwright-core), against a real query: the embedded stack (Kafka mock + s3rver), `sluice run`
 * with a 500 ms trigger and a small maxOffsetsPerTrigger while the load generator produces faster
 * than that, so lag builds. The page must fill its tiles, charts, lag table and batch table from
 * `/api/status`, load nothing from anywhere else, raise no script error, and show the "cannot
 * reach sluice" banner once the process is gone. A screenshot lands in
 * `.test-artifacts/status-page.png` for a person to look at.
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { until } from '../helpers/eventually.js'
import { repoRoot, runCli, spawnCli, type CliResult } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const TOPIC = 'status-page'
const PARTITIONS = 4
const RECORDS = 6000
const SCREENSHOT = join(repoRoot, '.test-artifacts', 'status-page.png')

let stack: Stack | undefined
let dir: string | undefined
let sluice: ChildProcess | undefined
let browser: Browser | undefined

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-status-page-'))
})
after(async () => {
  await browser?.close().catch(() => {})
  if (sluice && sluice.exitCode === null && sluice.signalCode === null) sluice.kill('SIGKILL')
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Polls (the toolkit's `until`) every 250 ms. */
const poll = <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> => until(what, fn, ok, { timeoutMs, intervalMs: 250 })

interface PageView {
  name: string
  state: string
  inputRate: string
  processingRate: string
  ratePaths: string[]
  durationPaths: string[]
  lagPaths: string[]
  lagRows: string[][]
  batchRows: string[][]
  banners: string[]
}

/** What the page shows, read in the browser (a string: this project compiles without DOM types). */
const READ_VIEW = `(() => {
  const all = (s) => Array.from(document.querySelectorAll(s));
  const text = (s) => (document.querySelector(s)?.textContent ?? '').trim();
  const rows = (s) => all(s + ' tbody tr').map((tr) => Array.from(tr.cells).map((td) => td.textContent.trim()));
  const paths = (s) => all(s + ' path.series').map((p) => p.getAttribute('d') ?? '');
  return {
    name: text('[data-testid=query-name]'), state: text('[data-testid=query-state]'),
    inputRate: text('[data-testid=input-rate]'), processingRate: text('[data-testid=processing-rate]'),
    ratePaths: paths('[data-testid=chart-rates]'), durationPaths: paths('[data-testid=chart-duration]'), lagPaths: paths('[data-testid=chart-lag]'),
    lagRows: rows('[data-testid=lag-table]'), batchRows: rows('[data-testid=batches-table]'),
    banners: all('#banners .banner').map((b) => b.textContent.trim()),
  };
})()`

const NUMBER = /^\d[\d,]*(\.\d+)?$/
/** A path with at least two points: M x y L x y … */
const hasLine = (d: string): boolean => /^M[\d.]+ [\d.]+L[\d.]+ [\d.]+/.test(d)

test('the status page draws a running query from /api/status in Chromium', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install the Debian package chromium (apt-get install -y chromium; make test installs it)`)
  let chromium: typeof import('playwright-core').chromium
  try {
    ;({ chromium } = await import('playwright-core'))
  } catch (err) {
    assert.fail(`the npm package playwright-core is missing (${(err as Error).message}); run npm ci`)
  }

  stack = await startStack({ topics: [{ name: TOPIC, partitions: PARTITIONS }], buckets: ['status-page-test'] })
  const job = join(dir!, 'status-page.yaml')
  await writeFile(
    job,
    `name: StatusPageTest
source:
  kafka.bootstrap.servers: \${KAFKA_BOOTSTRAP}
  subscribe: ${TOPIC}
  startingOffsets: earliest
  maxOffsetsPerTrigger: 150
schema: message STRING
select: [json_data.*, timestamp AS kafka_timestamp, "date_format(timestamp, 'yyyy-MM-dd') AS dt"]
sink:
  path: s3a://status-page-test/out/
  checkpointLocation: s3a://status-page-test/checkpoint/
  partitionBy: [dt]
  coalesce: 2
  trigger: 500 ms
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

  const child = spawnCli(['run', job], stack.env)
  sluice = child
  let out = ''
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString()
  })
  child.stderr!.on('data', (b: Buffer) => {
    out += b.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await poll(
    'the "metrics server listening" log line with its url',
    async () => {
      for (const line of out.split('\n')) {
        if (!line.includes('"msg":"metrics server listening"')) continue
        return (JSON.parse(line) as { url?: string }).url ?? null
      }
      if (child.exitCode !== null) assert.fail(`sluice exited ${child.exitCode} before serving metrics:\n${out}`)
      return null
    },
    (u) => typeof u === 'string',
    60_000,
  )
  assert.match(url!, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  const origin = new URL(url!).origin

  // 1000 records/s for 6 s against 150 per 500 ms trigger (300/s): lag builds, then drains.
  const load: Promise<CliResult> = runCli(
    ['loadgen', '--bootstrap', stack.kafka.bootstrap, '--topic', TOPIC, '--partitions', String(PARTITIONS), '--count', String(RECORDS), '--rate', '1000', '--seed', '7'],
    stack.env,
  )

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const pageErrors: string[] = []
  const foreign: string[] = []
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.on('request', (r) => {
    const u = r.url()
    if (!u.startsWith(`${origin}/`) && !u.startsWith('data:')) foreign.push(u)
  })
  const resp = await page.goto(url!)
  assert.equal(resp?.status(), 200)
  assert.match(resp?.headers()['content-type'] ?? '', /^text\/html/)
  const view = (): Promise<PageView> => page.evaluate(READ_VIEW) as Promise<PageView>

  // Lag must show up in the table while the load outruns the trigger cap.
  const lagging = await poll(
    'a partition row with offsets behind latest > 0',
    view,
    (v) => v.lagRows.some((r) => r.length === 6 && NUMBER.test(r[4]!) && Number(r[4]!.replace(/,/g, '')) > 0),
    90_000,
  )
  assert.equal(lagging.name, 'StatusPageTest')

  const v = await poll(
    'rate, duration and lag charts with lines, every partition in the lag table, 5+ batches',
    view,
    (x) =>
      x.ratePaths.length === 2 && x.ratePaths.every(hasLine) && x.durationPaths.some(hasLine) && x.lagPaths.some(hasLine) &&
      x.lagRows.length === PARTITIONS && x.batchRows.length >= 5,
    60_000,
  )
  assert.match(v.inputRate, /^\d[\d,.]*[kMG]?\s*rows\/s$/, `input-rate tile: '${v.inputRate}'`)
  assert.match(v.processingRate, /^\d[\d,.]*[kMG]?\s*rows\/s$/, `processing-rate tile: '${v.processingRate}'`)
  assert.ok(['active', 'idle'].includes(v.state), `state badge: '${v.state}'`)

  // Lag table: one row per partition of the topic, numbers in every offset and lag cell, worst first.
  assert.deepEqual(v.lagRows.map((r) => `${r[0]}:${r[1]}`).sort(), Array.from({ length: PARTITIONS }, (_, p) => `${TOPIC}:${p}`))
  for (const r of v.lagRows) {
    for (const c of [r[2]!, r[3]!, r[4]!, r[5]!]) assert.match(c, NUMBER, `lag row ${r.join(' | ')}`)
  }
  const behind = v.lagRows.map((r) => Number(r[4]!.replace(/,/g, '')))
  assert.deepEqual(behind, [...behind].sort((a, b) => b - a), 'lag table sorted worst first')

  // Batches table: newest first, ids are distinct integers, rows and duration are numbers.
  assert.ok(v.batchRows.length >= 2, `${v.batchRows.length} batch rows`)
  const ids = v.batchRows.map((r) => r[0]!)
  for (const r of v.batchRows) {
    assert.match(r[0]!, /^\d+$/, `batch row ${r.join(' | ')}`)
    assert.match(r[1]!, /^\d\d:\d\d:\d\d\.\d{3}$/, `batch time ${r[1]}`)
    assert.match(r[2]!, NUMBER)
    assert.match(r[5]!, NUMBER)
  }
  assert.deepEqual(ids.map(Number), [...ids.map(Number)].sort((a, b) => b - a), 'batches newest first')
  assert.equal(new Set(ids).size, ids.length, 'batch ids are distinct')

  // The page agrees with the API it polls.
  const api = (await (await fetch(`${origin}/api/status`)).json()) as { query: { name: string }; partitions: { topic: string; partition: number }[] }
  assert.equal(api.query.name, v.name)
  assert.equal(api.partitions.length, v.lagRows.length)

  await mkdir(join(repoRoot, '.test-artifacts'), { recursive: true })
  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  const size = (await stat(SCREENSHOT)).size
  assert.ok(size > 30_000, `screenshot ${SCREENSHOT} is only ${size} bytes`)

  const gen = await load
  assert.equal(gen.code, 0, `loadgen failed: ${gen.stderr}`)

  // Stop sluice: the page keeps the last data and says it cannot reach the process.
  child.kill('SIGTERM')
  assert.equal(await exited, 0, `sluice exit code after SIGTERM:\n${out.slice(-4000)}`)
  const gone = await poll('the "cannot reach sluice" banner', view, (x) => x.banners.some((b) => b.startsWith('Cannot reach sluice')), 15_000)
  assert.ok(gone.batchRows.length >= 2, 'the last data stays on the page')

  assert.deepEqual(pageErrors, [], 'no script errors on the page')
  assert.deepEqual(foreign, [], 'the page loads nothing from other origins')
})
