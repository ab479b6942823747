/**
 * Errors at the CLI: every failure exits non-zero with one paragraph on stderr that carries the
 * error code and names what to fix; `sluice check` validates a job without connecting anywhere.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { s3Job, tempDir, writeJob } from '../helpers/query-fixtures.js'
import { runCli } from '../helpers/sluice-process.js'
import { startStack, type Stack } from '../helpers/stack.js'

let stack: Stack
let dir: string
/** A loopback port nothing listens on. */
let closedPort: number

before(async () => {
  stack = await startStack({ topics: [{ name: 'errs', partitions: 1 }], buckets: ['query-errors'] })
  dir = await tempDir('sluice-q-errors-')
  closedPort = await new Promise<number>((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
})
after(async () => {
  await stack?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Env pointing at nothing: proves a command did not need Kafka or S3. */
function deadEnv(): Record<string, string> {
  return { ...stack.env, KAFKA_BOOTSTRAP: `127.0.0.1:${closedPort}`, S3_ENDPOINT: `http://127.0.0.1:${closedPort}` }
}

function assertOneParagraph(stderr: string): void {
  const text = stderr.trim()
  assert.ok(text.length > 0, 'something on stderr')
  assert.ok(!/\n\s*\n/.test(text), `one paragraph, no blank lines:\n${text}`)
  assert.ok(!/^\s+at /m.test(text), `no stack trace:\n${text}`)
}

test('an unknown key fails before connecting: non-zero, one paragraph with the code and the field', { timeout: 60_000 }, async () => {
  const job = s3Job({ name: 'unknown', bucket: 'query-errors', prefix: 'unknown', topic: 'errs' })
  ;(job.sink as Record<string, unknown>).checkpointLocaton = 's3a://query-errors/typo/'
  const file = await writeJob(dir, 'unknown-key', job)
  for (const command of ['run', 'check']) {
    const r = await runCli([command, file], deadEnv(), 30_000)
    assert.ok(r.code !== 0 && r.code !== null, `${command}: exits non-zero on its own (code ${r.code}, signal ${r.signal})`)
    assertOneParagraph(r.stderr)
    assert.match(r.stderr, /SLUICE_CONFIG_UNKNOWN_KEY/)
    assert.match(r.stderr, /sink\.checkpointLocaton/, 'names the field')
    assert.match(r.stderr, /checkpointLocation/, 'suggests the known key')
  }
})

test('an unreachable Kafka bootstrap fails with SLUICE_KAFKA_CONNECT (kafka.request.timeout.ms: 3000)', { timeout: 120_000 }, async () => {
  const file = await writeJob(
    dir,
    'no-kafka',
    s3Job({ name: 'no-kafka', bucket: 'query-errors', prefix: 'no-kafka', topic: 'errs', source: { 'kafka.request.timeout.ms': 3000 } }),
  )
  const env = { ...stack.env, KAFKA_BOOTSTRAP: `127.0.0.1:${closedPort}` }
  // The limit only catches a hang: the process must give up by itself.
  const r = await runCli(['run', file, '--trigger', 'availableNow'], env, 90_000)
  assert.equal(r.signal, null, `exited by itself, not killed:\n${r.stderr}`)
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit (${r.code})`)
  assertOneParagraph(r.stderr)
  assert.match(r.stderr, /SLUICE_KAFKA_CONNECT/)
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${closedPort}`), 'names the bootstrap servers')
})

test('a missing S3 bucket fails with SLUICE_S3_NO_BUCKET naming the bucket', { timeout: 60_000 }, async () => {
  const file = await writeJob(dir, 'no-bucket', s3Job({ name: 'no-bucket', bucket: 'no-such-bucket-q', prefix: 'x', topic: 'errs' }))
  const r = await runCli(['run', file, '--trigger', 'availableNow'], stack.env, 60_000)
  assert.equal(r.signal, null, r.stderr)
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit (${r.code})`)
  assertOneParagraph(r.stderr)
  assert.match(r.stderr, /SLUICE_S3_NO_BUCKET/)
  assert.match(r.stderr, /no-such-bucket-q/)
})

test('sluice check validates a job without Kafka or S3, and rejects a bad select the same way', { timeout: 60_000 }, async () => {
  const good = await writeJob(
    dir,
    'check-ok',
    s3Job({
      name: 'check-ok',
      bucket: 'query-errors',
      prefix: 'check',
      topic: 'errs',
      extra: { select: ['json_data.*', "date_format(timestamp, 'yyyy-MM-dd') AS dt"] },
      sink: { partitionBy: ['dt'] },
    }),
  )
  const ok = await runCli(['check', good], deadEnv(), 30_000)
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /OK/)
  assert.match(ok.stdout, /message, dt/, 'lists the output columns')

  const bad = await writeJob(
    dir,
    'check-bad',
    s3Job({ name: 'check-bad', bucket: 'query-errors', prefix: 'check', topic: 'errs', extra: { select: ['json_data.nope'] } }),
  )
  const r = await runCli(['check', bad], deadEnv(), 30_000)
  assert.ok(r.code !== 0 && r.code !== null, `non-zero exit (${r.code})`)
  assertOneParagraph(r.stderr)
  assert.match(r.stderr, /SLUICE_CONFIG_/)
  assert.match(r.stderr, /nope/)
})
