/**
 * Removing what attempts of a batch made visible, by their intent files (see intents.ts):
 *
 * - before a re-run of an uncommitted batch: every key any attempt listed (nothing of the batch is
 *   committed, so nothing listed may stay), bad-records files (sink.badRecordsPath) included;
 * - after a batch is committed (`commits/N` written), for every batch ≤ N that still has intent
 *   files: every listed key that `_spark_metadata` does not name. That removes the attempts that
 *   lost (a fenced process's late uploads, an attempt interrupted by a retriable error) and leaves
 *   the winner's files. A plain listing then sees each record once.
 *
 * The intent files of losing attempts stay for `lingerMs` (10 min by default, Spark's
 * cleanupDelay) after they were written, and every sweep meanwhile deletes their keys again: an
 * upload a fenced process had already sent when the lease moved may complete after the first
 * removal, and must not stay visible. The winner's intents go at once.
 */
import type { Logger } from '../log.js'
import type { ObjectInfo, Store } from '../storage/types.js'
import { INTENTS_DIR, intentPrefix, parseIntent, parseIntentKey } from './intents.js'

export interface CleanupStores {
  checkpoint: Store
  output: Store
  /** sink.badRecordsPath's store, where the intents' `badRecords` keys live. */
  badRecords?: Store | undefined
  log: Logger
  /** Intent files swept before by this process (their repeats are not logged again). */
  swept: Set<string>
}

function where(store: Store, key: string): string {
  return `${store.location.original.replace(/\/?$/, '/')}${key}`
}

async function listedKeys(s: CleanupStores, intentKeys: string[], bad?: Set<string>): Promise<Set<string>> {
  const keys = new Set<string>()
  const bodies = await Promise.all(intentKeys.map((k) => s.checkpoint.get(k)))
  for (let i = 0; i < intentKeys.length; i++) {
    const body = bodies[i]
    if (body === null || body === undefined) continue
    const intent = parseIntent(body, where(s.checkpoint, intentKeys[i]!))
    for (const k of intent.keys) keys.add(k)
    for (const k of intent.badRecords ?? []) bad?.add(k)
  }
  return keys
}

/**
 * Before a re-run: deletes every key listed under batch N's intents. The intents stay (see
 * lingerMs): the sweep after the batch's commit deletes those keys again.
 */
export async function removeAttempts(s: CleanupStores, batchId: number): Promise<number> {
  const intents = (await s.checkpoint.list(intentPrefix(batchId))).map((o) => o.key)
  if (intents.length === 0) return 0
  const bad = new Set<string>()
  const keys = await listedKeys(s, intents, bad)
  await s.output.delete([...keys])
  // Bad-records files (sink.badRecordsPath): the re-run writes them again under the same names.
  if (bad.size > 0 && s.badRecords !== undefined) await s.badRecords.delete([...bad])
  s.log.info({ batchId, removedFiles: keys.size, removedBadRecordFiles: bad.size }, 'removed the files of an earlier attempt of this batch')
  return keys.size + bad.size
}

/** What `_spark_metadata` names as committed for a batch: the URIs of its files. */
export type CommittedFiles = (batchId: number) => Promise<ReadonlySet<string>>

/**
 * After `commits/N`: for every batch ≤ N with intents, deletes the listed keys the batch's
 * committed files do not include, then the intents. `winner` (batch N's attempt, when this
 * process committed it) lets its own intents go unread: its keys are the committed ones.
 */
export async function sweepAttempts(
  s: CleanupStores,
  batchId: number,
  committed: CommittedFiles,
  winner: string | null,
  lingerMs: number,
  now = Date.now(),
): Promise<number> {
  const byBatch = new Map<number, ObjectInfo[]>()
  for (const o of await s.checkpoint.list(INTENTS_DIR)) {
    const k = parseIntentKey(o.key)
    if (k === null || k.batchId > batchId) continue
    byBatch.set(k.batchId, [...(byBatch.get(k.batchId) ?? []), o])
  }
  let removed = 0
  for (const [b, intents] of byBatch) {
    const done: string[] = []
    const stale = new Set<string>()
    let keep: ReadonlySet<string> | null = null
    let firstSeen = 0
    for (const o of intents) {
      // The winner's own intents list exactly the committed files: nothing to read.
      if (b === batchId && winner !== null && parseIntentKey(o.key)!.attempt === winner) {
        done.push(o.key)
        continue
      }
      keep ??= await committed(b)
      const listed = [...(await listedKeys(s, [o.key]))]
      const lost = listed.filter((k) => !keep!.has(s.output.uri(k)))
      for (const k of lost) stale.add(k)
      if (lost.length > 0 && !s.swept.has(o.key)) {
        s.swept.add(o.key)
        firstSeen += lost.length
      }
      // An intent of the winner (every key committed) goes now; a losing one stays lingerMs.
      if (lost.length === 0 || now - o.lastModified >= lingerMs) done.push(o.key)
    }
    if (stale.size > 0) {
      await s.output.delete([...stale])
      removed += stale.size
    }
    if (firstSeen > 0) {
      s.log.warn(
        { batchId: b, removedFiles: firstSeen },
        'removed files of an attempt of a committed batch that did not win (a fenced process or an interrupted attempt): _spark_metadata does not list them',
      )
    }
    await s.checkpoint.delete(done)
    for (const k of done) s.swept.delete(k)
  }
  return removed
}
