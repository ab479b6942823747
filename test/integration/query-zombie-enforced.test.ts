/**
 * Zombie writer on an S3 that enforces conditional writes (versitygw): the race the owner lease
 * cannot close, made deterministic with the fault proxy. Process A passes its lease check and is
 * about to write a log entry; the proxy holds that PUT while B takes the checkpoint over and
 * commits the same batch; then the PUT goes on. The store refuses it (412, If-None-Match: *), so
 * the fenced process cannot write a log entry: A stops, B's entry stays, and every record lands
 * exactly once through _spark_metadata and through a plain listing.
 *
 * On s3rver (which ignores If-None-Match) the same held PUT would overwrite B's entry: there only
 * the lease and the existence check protect, with the window this test holds open.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { OutputReader } from '../helpers/output-reader.js'
import {
  assertExactlyOnce,
  CliProcess,
  loadgen,
  messagesOfLines,
  producedMessages,
  s3Job,
  tempDir,
  writeJob,
} from '../helpers/query-fixtures.js'
import { type S3FaultProxy, startS3FaultProxy } from '../helpers/s3-fault-proxy.js'
import { runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

const BUCKET = 'zombie-enforced'
const COUNT = 3000
let stack: Stack
let proxy: S3FaultProxy
let dir: string
const live: CliProcess[] = []

before(async () => {
  stack = await startStack({ buckets: [BUCKET], s3Server: 'versitygw' })
  proxy = await startS3FaultProxy({ upstream: stack.s3.endpoint })
  dir = await tempDir('sluice-q-zombie-enforced-')
})
after(async () => {
  for (const p of live) p.kill()
  await proxy?.close()
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

for (const entry of [
  { log: '_spark_metadata', key: (prefix: string) => new RegExp(`^${prefix}/out/_spark_metadata/0$`), code: /SLUICE_SINK_LOG_CONCURRENT|SLUICE_CHECKPOINT_TAKEN_OVER/ },
  { log: 'offsets', key: (prefix: string) => new RegExp(`^${prefix}/checkpoint/offsets/1$`), code: /SLUICE_CHECKPOINT_CONCURRENT|SLUICE_CHECKPOINT_TAKEN_OVER/ },
]) {
  test(`a fenced process cannot write ${entry.log}/N once the new owner wrote it: the store refuses it (412)`, { timeout: 180_000 }, async () => {
    const name = `zombie-${entry.log.replace(/_/g, '')}`
    const topic = name
    await loadgen(stack, topic, 3, COUNT)
    const job = s3Job({ name, bucket: BUCKET, prefix: name, topic, source: { maxOffsetsPerTrigger: 600 }, sink: { trigger: '200 ms' } })
    const file = await writeJob(dir, name, job)

    proxy.clearRules()
    const held = proxy.addRule({ method: 'PUT', bucket: BUCKET, key: entry.key(name), nth: 1, fault: { type: 'hold' } })
    const a = new CliProcess(['run', file], { ...stack.env, S3_ENDPOINT: proxy.endpoint })
    live.push(a)
    await Promise.race([held.hit, a.exited.then(() => assert.fail(`A exited before its held write:\n${a.tail()}`))])

    // A has passed its lease check and its PUT is in the air. B takes the checkpoint over.
    const b = new CliProcess(['run', file], stack.env)
    live.push(b)
    await b.waitFor('B commits two batches', () => b.committed().length >= 2)
    held.release()

    const aEnd = await a.exited
    assert.notEqual(aEnd.code, 0, `A must stop once fenced:\n${a.tail()}`)
    assert.match(a.stderr, entry.code, a.tail())
    const refused = proxy.log.filter((e) => e.method === 'PUT' && entry.key(name).test(e.key))
    assert.deepEqual(
      refused.map((e) => [e.action, e.status]),
      [['hold', 412]],
      'the held conditional PUT reached the store after B wrote the entry and was refused',
    )

    const bEnd = await b.stop()
    assert.equal(bEnd.code, 0, b.tail())
    const final = await runCli(['run', file, '--trigger', 'availableNow'], stack.env)
    assert.equal(final.code, 0, final.stderr)

    const { messages } = await producedMessages(stack.kafka.bootstrap, topic)
    assert.equal(messages.length, COUNT)
    const out = new OutputReader({ endpoint: stack.s3.endpoint, bucket: BUCKET, prefix: `${name}/out/` })
    try {
      assertExactlyOnce(messagesOfLines((await out.viaSparkMetadata()).map((r) => r.line)), messages, 'via _spark_metadata')
      assertExactlyOnce(messagesOfLines((await out.viaListing()).map((r) => r.line)), messages, 'via plain listing')
    } finally {
      out.close()
    }
  })
}
