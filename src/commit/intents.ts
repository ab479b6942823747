/**
 * Intent files: before a writer task makes files visible it records their keys in the checkpoint,
 * so that whatever an attempt of a batch completed can be found and removed again (before a re-run,
 * and after the commit for every attempt that did not win). The one definition of their layout,
 * used by the writer tasks (worker threads) and by the commit protocol (coordinator):
 *
 *   <checkpoint>/sluice/intents/<batchId>/<attempt>/<writer, 5 digits>-<seq>.json
 *   {"batchId":N,"attempt":"…","writer":W,"keys":["dt=…/part-…-c000.json", …]}
 *
 * and, with sink.badRecordsPath, in a writer's last intent `"badRecords":["batchId=N/part-…json"]`:
 * keys relative to badRecordsPath (src/worker/bad-records.ts), removed before a re-run like `keys`
 * but never by the sweep after the commit (their names do not depend on the attempt).
 *
 * `attempt` is the attempt's file UUID (see attemptUuid): every attempt of a batch writes its own
 * keys and its own intent files, so no two attempts ever share a key. Checkpoints written before
 * attempts existed hold `sluice/intents/<batchId>/<writer>-<seq>.json`; those still parse, with
 * attempt ''.
 *
 * Worker-safe: imports only node:crypto and errors.
 */
import { createHash } from 'node:crypto'
import { SluiceError } from '../errors.js'

export const INTENTS_DIR = 'sluice/intents/'

export interface IntentKey {
  batchId: number
  /** '' for the layout without attempts. */
  attempt: string
  writer: number
  seq: number
}

export interface Intent {
  batchId: number
  attempt: string
  writer: number
  /** Output keys (relative to the output path) the writer made, or was about to make, visible. */
  keys: string[]
  /** Bad-records keys (relative to sink.badRecordsPath) the writer made, or was about to make, visible. */
  badRecords?: string[] | undefined
}

const pad5 = (n: number): string => String(n).padStart(5, '0')

export function intentKey(batchId: number, attempt: string, writer: number, seq: number): string {
  return `${INTENTS_DIR}${batchId}/${attempt}/${pad5(writer)}-${seq}.json`
}

/** Every intent of one batch (all attempts). */
export function intentPrefix(batchId: number): string {
  return `${INTENTS_DIR}${batchId}/`
}

const KEY = /^sluice\/intents\/(\d+)\/(?:([0-9a-f-]+)\/)?(\d{5})-(\d+)\.json$/

/** The parts of an intent key, or null for a key that is not one (a stray file). */
export function parseIntentKey(key: string): IntentKey | null {
  const m = KEY.exec(key)
  if (m === null) return null
  return { batchId: Number(m[1]), attempt: m[2] ?? '', writer: Number(m[3]), seq: Number(m[4]) }
}

export function serializeIntent(i: Intent): string {
  const bad = i.badRecords !== undefined && i.badRecords.length > 0 ? { badRecords: i.badRecords } : {}
  return JSON.stringify({ batchId: i.batchId, attempt: i.attempt, writer: i.writer, keys: i.keys, ...bad })
}

/** Parses an intent file; SLUICE_CHECKPOINT_CORRUPT naming the file when it is damaged. */
export function parseIntent(body: Buffer, where: string): Intent {
  const text = body.toString('utf8')
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw corruptIntent(where, text, `it is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
  }
  const o = v as Partial<Intent> | null
  if (o === null || typeof o !== 'object' || !Array.isArray(o.keys) || !o.keys.every((k) => typeof k === 'string')) {
    throw corruptIntent(where, text, 'it has no "keys" array of strings')
  }
  return {
    batchId: typeof o.batchId === 'number' ? o.batchId : -1,
    attempt: typeof o.attempt === 'string' ? o.attempt : '',
    writer: typeof o.writer === 'number' ? o.writer : -1,
    keys: o.keys,
    badRecords: Array.isArray(o.badRecords) ? o.badRecords.filter((k): k is string => typeof k === 'string') : undefined,
  }
}

function corruptIntent(where: string, text: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_CHECKPOINT_CORRUPT',
    `The intent file ${where} cannot be parsed: ${why}. It lists the output files an attempt of the batch made visible; ` +
      'it was truncated or edited by hand. Restore it, or delete it after removing the files of that attempt from the output by hand ' +
      '(the names contain the attempt id of its directory), then restart.',
    { details: { where, text: text.slice(0, 200) } },
  )
}

/**
 * The file UUID of one attempt of a batch: unique per (query, batch, run, attempt), shaped as a
 * version-4-looking UUID so tools that parse Spark's names (`part-00000-<uuid>-c000.json`)
 * accept it. Two attempts never write the same key, so a late upload of a fenced attempt can
 * never replace a committed file.
 */
export function attemptUuid(queryId: string, batchId: number, runId: string, attempt: number): string {
  const h = createHash('sha256').update(`${queryId}/${batchId}/${runId}/${attempt}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}
