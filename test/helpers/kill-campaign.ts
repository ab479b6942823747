/**
 * Random-kill campaign: `sluice run` (continuous, 200 ms trigger) is SIGKILLed again and again
 * while records flow into its topic, restarted at once on the same checkpoint each time, then
 * run to the end of the topic; every record must land exactly once (through `_spark_metadata` and
 * through a plain listing) and nothing may be left behind.
 *
 * Each cycle produces a chunk of records with kcat WHILE the process runs, and picks its kill
 * from a seeded generator (the same seed replays the same campaign):
 * - S3 targets (s3rver, versitygw): the process's S3 traffic goes through the fault proxy and is
 *   killed at its k-th request after it has read its checkpoint (k random in 1..40), before or
 *   after the request reaches S3, so the kills land at every step of the protocol in proportion to
 *   how many requests each step makes; a watchdog kills it after a random delay (2..6 s) if it
 *   goes idle first (no data, no requests).
 * - file:// target: killed after a random delay (0..1.5 s) once it has read its checkpoint.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { assertS3ExactlyOnce, intentsOfCommittedBatches, tempFilesLeft, uploadsLeft } from './crash-harness.js'
import { OutputReader } from './output-reader.js'
import {
  assertExactlyOnce,
  CliProcess,
  fileJob,
  LocalOutputReader,
  localLogIds,
  messagesOfLines,
  produceLines,
  producedMessages,
  s3Job,
  writeJob,
} from './query-fixtures.js'
import type { S3FaultProxy } from './s3-fault-proxy.js'
import { runCli } from './sluice-process.js'
import type { Stack } from './stack.js'
import { seededRandom } from '../../src/loadgen/profile.js'

export interface CampaignOptions {
  /** 's3' uses stack.s3 through `proxy`; 'file' writes under `dir`. */
  target: 's3' | 'file'
  stack: Stack
  proxy?: S3FaultProxy
  bucket?: string
  dir: string
  name: string
  topic: string
  kills: number
  seed: number
  /** Records produced per cycle (default 400). */
  chunk?: number
  log?: (msg: string) => void
}

export interface CampaignResult {
  kills: number
  records: number
  /** Kill points, e.g. 'before PUT …/offsets/N' (batch ids and uuids replaced by N/*). */
  points: Map<string, number>
}

export async function runKillCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const random = seededRandom(o.seed)
  const chunk = o.chunk ?? 400
  const job =
    o.target === 's3'
      ? s3Job({ name: o.name, bucket: o.bucket!, prefix: o.name, topic: o.topic, source: { maxOffsetsPerTrigger: 500 }, sink: { trigger: '200 ms', coalesce: 2, attemptCleanupDelay: 0 } })
      : fileJob({ name: o.name, dir: o.dir, topic: o.topic, source: { maxOffsetsPerTrigger: 500 }, sink: { trigger: '200 ms', coalesce: 2, attemptCleanupDelay: 0 } })
  // SIGKILLed attempts cannot upload late (no fenced process runs here), so their intents may go at
  // the next commit: the check below then finds no intent of a committed batch.
  const file = await writeJob(o.dir, o.name, job)
  const points = new Map<string, number>()
  let produced = 0

  for (let cycle = 0; cycle < o.kills; cycle++) {
    const lines: string[] = []
    for (let i = 0; i < chunk; i++) lines.push(JSON.stringify({ message: `${o.name}-c${cycle}-r${i}` }))
    produced += lines.length
    const point = await killOnce(o, file, random, () => produceLines(o.stack.kafka.bootstrap, o.topic, lines))
    points.set(point, (points.get(point) ?? 0) + 1)
    o.log?.(`kill ${cycle + 1}/${o.kills}: ${point}`)
  }

  const final = await runCli(['run', file, '--trigger', 'availableNow'], o.stack.env)
  assert.equal(final.code, 0, `the run after ${o.kills} kills: ${final.stderr}`)
  const { messages } = await producedMessages(o.stack.kafka.bootstrap, o.topic)
  assert.equal(messages.length, produced, 'the topic holds every record produced')
  if (o.target === 's3') {
    await assertS3ExactlyOnce(o.stack, o.bucket!, `${o.name}/out/`, messages, `${o.kills} kills`)
  } else {
    const out = new LocalOutputReader(join(o.dir, 'out'))
    assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, `${o.kills} kills: via _spark_metadata`)
    assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, `${o.kills} kills: via plain listing`)
  }
  return { kills: o.kills, records: produced, points }
}

async function killOnce(o: CampaignOptions, file: string, random: () => number, produce: () => Promise<void>): Promise<string> {
  if (o.target === 'file') {
    const p = new CliProcess(['run', file], o.stack.env)
    const producing = produce()
    await p.waitFor('the checkpoint is read', () => p.logs().some((l) => l.msg === 'checkpoint read'))
    const delay = Math.floor(random() * 1500)
    await new Promise((resolve) => setTimeout(resolve, delay))
    p.kill()
    const end = await p.exited
    await producing
    assert.equal(end.signal, 'SIGKILL', `killed, not exited on its own:\n${p.tail()}`)
    return `${delay < 500 ? '0-0.5' : delay < 1000 ? '0.5-1' : '1-1.5'} s after the checkpoint was read`
  }
  const proxy = o.proxy!
  proxy.clearRules()
  const k = 1 + Math.floor(random() * 40)
  const phase = random() < 0.5 ? ('request' as const) : ('response' as const)
  const watchdogMs = 2000 + Math.floor(random() * 4000)
  let started = false
  const p = new CliProcess(['run', file], { ...o.stack.env, S3_ENDPOINT: proxy.endpoint })
  let point = ''
  let n = 0
  proxy.onRequest({ phase }, async (req) => {
    if (point !== '' || !started || ++n < k) return 'continue'
    point = `${phase === 'request' ? 'before' : 'after'} ${req.method} ${shape(req.key, req.query)}`
    p.kill()
    await p.exited
    return 'drop'
  })
  const producing = produce()
  // The watchdog counts from the moment the run has read its checkpoint (start-up is not idle).
  let watchdog: NodeJS.Timeout | undefined
  void p.waitFor('the checkpoint is read', () => p.logs().some((l) => l.msg === 'checkpoint read'), 120_000).then(
    () => {
      started = true
      watchdog = setTimeout(() => {
        if (point === '') point = `idle (watchdog, after ${n} requests)`
        p.kill()
      }, watchdogMs)
    },
    () => {},
  )
  // Only an S3 request or the watchdog ends the cycle; the process exiting by itself is a failure.
  await p.waitFor('a kill', () => point !== '', 120_000).catch(() => {})
  const end = await p.exited
  if (watchdog) clearTimeout(watchdog)
  await producing
  proxy.clearRules()
  assert.equal(end.signal, 'SIGKILL', `killed, not exited on its own:\n${p.tail()}`)
  return point
}

/** `prefix/checkpoint/offsets/12?x-id=PutObject` → `checkpoint/offsets/N`. */
function shape(key: string, query: string): string {
  const k = key
    .replace(/^[^/]+\//, '')
    .replace(/\/\d+(\.compact)?$/, '/N$1')
    .replace(/\/intents\/\d+\/.*/, '/intents/N/*')
    .replace(/part-\d+-[0-9a-f-]+-c\d+\.json$/, 'part-*')
    .replace(/probe-.*$/, 'probe-*')
  const q = /uploadId=/.test(query) ? (/partNumber=/.test(query) ? '?partNumber&uploadId' : '?uploadId') : /uploads/.test(query) ? '?uploads' : /delete/.test(query) ? '?delete' : /list-type/.test(query) ? '?list' : ''
  return `${k}${q}`
}

/** Leftovers a campaign must not leave: reported together. */
export async function campaignLeftovers(o: CampaignOptions): Promise<Record<string, string[]>> {
  if (o.target === 's3') {
    const reader = new OutputReader({ endpoint: o.stack.s3.endpoint, bucket: o.bucket!, prefix: `${o.name}/out/` })
    try {
      return {
        intentsOfCommittedBatches: await intentsOfCommittedBatches(reader, `${o.name}/checkpoint/`),
        multipartUploadsInProgress: 'uploadsInProgress' in o.stack.s3 ? await uploadsLeft(o.stack, o.bucket!, `${o.name}/`) : [],
      }
    } finally {
      reader.close()
    }
  }
  const committed = new Set(await localLogIds(join(o.dir, 'checkpoint', 'commits')))
  const intentsDir = join(o.dir, 'checkpoint', 'sluice', 'intents')
  // Intent files, not directories: the file store leaves a batch's emptied directory behind.
  const intents = existsSync(intentsDir)
    ? (await readdir(intentsDir, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && committed.has(Number(relative(intentsDir, join(e.parentPath, e.name)).split(sep)[0])))
        .map((e) => relative(intentsDir, join(e.parentPath, e.name)).split(sep).join('/'))
    : []
  return {
    intentsOfCommittedBatches: intents.map((n) => `sluice/intents/${n}`),
    tempFilesInOutput: await tempFilesLeft(join(o.dir, 'out')),
    tempFilesInCheckpoint: (await tempFilesLeft(join(o.dir, 'checkpoint'))).filter((f) => !f.startsWith('sluice/')),
  }
}
