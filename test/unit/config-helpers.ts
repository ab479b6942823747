/** Shared by the config tests: a minimal valid job and assertion helpers. */
import assert from 'node:assert/strict'
import { type JobConfig, parseJob } from '../../src/config/index.js'
import { isSluiceError, type SluiceError } from '../../src/errors.js'

export type Json = Record<string, unknown>

export function baseJob(): Json {
  return {
    source: { 'kafka.bootstrap.servers': '127.0.0.1:9092', subscribe: 'events' },
    schema: 'message STRING',
    sink: { path: 's3a://bucket-out/data/', checkpointLocation: 's3a://bucket-out/checkpoint/' },
  }
}

/** baseJob with sections shallow-merged (a value of undefined removes the key). */
export function job(patch: Record<string, Json | unknown>): Json {
  const out = baseJob()
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k]
    if (cur && typeof cur === 'object' && v && typeof v === 'object' && !Array.isArray(v)) out[k] = { ...(cur as Json), ...(v as Json) }
    else out[k] = v
  }
  return out
}

export function parse(obj: Json, opts: { env?: Record<string, string>; trigger?: string } = {}): JobConfig {
  return parseJob(JSON.stringify(obj), { env: opts.env ?? {}, trigger: opts.trigger, filename: 'job.yaml' })
}

export function parseYaml(text: string, env: Record<string, string> = {}): JobConfig {
  return parseJob(text, { env, filename: 'job.yaml' })
}

/** Asserts the parse fails with `code` and a message that contains every `mention`. */
export function fails(run: () => unknown, code: string, ...mentions: (string | RegExp)[]): SluiceError {
  let caught: unknown
  try {
    run()
  } catch (err) {
    caught = err
  }
  assert.ok(caught !== undefined, `expected ${code}, but it parsed`)
  assert.ok(isSluiceError(caught), `expected a SluiceError, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(caught.message.includes(m), `message should mention ${JSON.stringify(m)}: ${caught.message}`)
    else assert.match(caught.message, m)
  }
  return caught
}
