/**
 * Checkpoint safety at the CLI (spark-compat.md §2, "the silent stall"): a checkpoint deleted
 * while the output's `_spark_metadata` is kept, and the reverse, both stop with
 * SLUICE_CHECKPOINT_MISMATCH before anything is written; `sink.allowCheckpointMismatch: true`
 * continues deliberately, numbering batches after the sink log's maximum.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import {
  assertExactlyOnce,
  deleteS3Prefix,
  loadgen,
  messagesOfLines,
  producedMessages,
  s3Job,
  s3LogIds,
  tempDir,
  writeJob,
} from '../helpers/query-fixtures.js'
import { logLines, runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'query-ckpt-safety'
const TOPIC = 'cs'
let stack: Stack
let dir: string
let reader: OutputReader

before(async () => {
  stack = await startStack({ buckets: [BUCKET] })
  dir = await tempDir('sluice-q-ckpt-')
  reader = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: '' })
  await loadgen(stack, TOPIC, 2, 500, ['--seed', '1'])
})
after(async () => {
  reader?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function job(prefix: string, source: Record<string, unknown> = {}, sink: Record<string, unknown> = {}): Promise<string> {
  return writeJob(dir, `${prefix}-${Object.keys(sink).length}`, s3Job({ name: prefix, bucket: BUCKET, prefix, topic: TOPIC, source: { maxOffsetsPerTrigger: 100, ...source }, sink }))
}

async function listing(prefix: string): Promise<string[]> {
  return (await reader.list(prefix)).map((o) => `${o.key} ${o.size}`).sort()
}

async function drain(file: string): Promise<{ code: number | null; stdout: string; stderr: string; batches: number[] }> {
  const r = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
  return { ...r, batches: logLines(r.stdout).filter((l) => l.msg === 'batch committed').map((l) => l.batchId as number) }
}

test('checkpoint deleted, _spark_metadata kept: SLUICE_CHECKPOINT_MISMATCH naming both batch ids, nothing written; allowCheckpointMismatch continues after the old maximum', { timeout: 180_000 }, async () => {
  const file = await job('reset')
  const first = await drain(file)
  assert.equal(first.code, 0, first.stderr)
  assert.ok(first.batches.length >= 5, `${first.batches.length} batches`)
  const maxId = first.batches.at(-1)!
  assert.equal(Math.max(...(await s3LogIds(reader, 'reset/out/_spark_metadata/'))), maxId)
  // Where the deleted checkpoint ended, for the deliberate restart below.
  const lastOffsets = (await reader.getText(`reset/checkpoint/offsets/${maxId}`)).split('\n')[2]!

  assert.ok((await deleteS3Prefix(stack.s3.endpoint, BUCKET, 'reset/checkpoint/')) > 0)
  await loadgen(stack, TOPIC, 2, 200, ['--seed', '2'], false)
  const outBefore = await listing('reset/out/')

  const refused = await drain(file)
  assert.notEqual(refused.code, 0, 'exits non-zero')
  assert.match(refused.stderr, /SLUICE_CHECKPOINT_MISMATCH/)
  assert.match(refused.stderr, new RegExp(`\\b${maxId}\\b`), `names the sink log's batch ${maxId}: ${refused.stderr}`)
  assert.match(refused.stderr, /\b0\b/, "names the checkpoint's next batch 0")
  assert.deepEqual(refused.batches, [])
  assert.deepEqual(await listing('reset/out/'), outBefore, 'nothing new in the output')
  assert.deepEqual(await listing('reset/checkpoint/'), [], 'nothing written to the checkpoint either')

  // A deliberate reset: continue from where the old checkpoint ended.
  const allowed = await drain(await job('reset', { startingOffsets: lastOffsets }, { allowCheckpointMismatch: true }))
  assert.equal(allowed.code, 0, allowed.stderr)
  assert.ok(allowed.batches.length > 0, 'the new records are read')
  for (const id of allowed.batches) assert.ok(id > maxId, `batch ${id} comes after the old maximum ${maxId}`)
  const sinkIds = await s3LogIds(reader, 'reset/out/_spark_metadata/')
  assert.deepEqual(sinkIds.filter((id) => id > maxId), allowed.batches, 'the sink log lists the new batches (none skipped)')
  const { messages } = await producedMessages(stack.kafka.bootstrap, TOPIC)
  const out = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: 'reset/out/' })
  try {
    assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, 'via _spark_metadata')
    assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, 'via listing')
  } finally {
    out.close()
  }
})

test('_spark_metadata deleted, checkpoint kept: SLUICE_CHECKPOINT_MISMATCH, nothing written', { timeout: 120_000 }, async () => {
  const file = await job('lost-log')
  const first = await drain(file)
  assert.equal(first.code, 0, first.stderr)
  assert.ok(first.batches.length > 0)
  assert.ok((await deleteS3Prefix(stack.s3.endpoint, BUCKET, 'lost-log/out/_spark_metadata/')) > 0)
  await loadgen(stack, TOPIC, 2, 100, ['--seed', '3'], false)
  const outBefore = await listing('lost-log/out/')
  const ckptBefore = (await listing('lost-log/checkpoint/')).filter((k) => !k.startsWith('lost-log/checkpoint/sluice/'))

  const refused = await drain(file)
  assert.notEqual(refused.code, 0, 'exits non-zero')
  assert.match(refused.stderr, /SLUICE_CHECKPOINT_MISMATCH/)
  assert.match(refused.stderr, new RegExp(`\\b${first.batches.at(-1)}\\b`), 'names the checkpoint batch')
  assert.deepEqual(refused.batches, [])
  assert.deepEqual(await listing('lost-log/out/'), outBefore, 'nothing new in the output')
  assert.deepEqual(
    (await listing('lost-log/checkpoint/')).filter((k) => !k.startsWith('lost-log/checkpoint/sluice/')),
    ckptBefore,
    'no new checkpoint entry',
  )
})
