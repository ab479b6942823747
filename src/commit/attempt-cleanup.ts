/**
 * Removing what attempts of a batch made visible, by their intent files (see intents.ts):
 *
 * - before a re-run of an uncommitted batch: every key any attempt listed (nothing of the batch is
 *   committed, so nothing listed may stay);
 * - after a batch is committed (`commits/N` written), for every batch ≤ N that still has intent
 *   files: every listed key that `_spark_metadata` does not name. That removes the attempts that
 *   lost (a fenced process's late uploads, an attempt interrupted by a retriable error) and leaves
 *   the winner's files; then the intent files go. A plain listing then sees each record once.
 */
import type { Logger } from '../log.js'
import type { Store } from '../storage/types.js'
import { INTENTS_DIR, intentPrefix, parseIntent, parseIntentKey } from './intents.js'

export interface CleanupStores {
  checkpoint: Store
  output: Store
  log: Logger
}

function where(store: Store, key: string): string {
  return `${store.location.original.replace(/\/?$/, '/')}${key}`
}

async function listedKeys(s: CleanupStores, intentKeys: string[]): Promise<Set<string>> {
  const keys = new Set<string>()
  const bodies = await Promise.all(intentKeys.map((k) => s.checkpoint.get(k)))
  for (let i = 0; i < intentKeys.length; i++) {
    const body = bodies[i]
    if (body === null || body === undefined) continue
    for (const k of parseIntent(body, where(s.checkpoint, intentKeys[i]!)).keys) keys.add(k)
  }
  return keys
}

/** Before a re-run: deletes every key listed under batch N's intents, then the intents. */
export async function removeAttempts(s: CleanupStores, batchId: number): Promise<number> {
  const intents = (await s.checkpoint.list(intentPrefix(batchId))).map((o) => o.key)
  if (intents.length === 0) return 0
  const keys = await listedKeys(s, intents)
  await s.output.delete([...keys])
  await s.checkpoint.delete(intents)
  s.log.info({ batchId, removedFiles: keys.size }, 'removed the files of an earlier attempt of this batch')
  return keys.size
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
): Promise<number> {
  const byBatch = new Map<number, string[]>()
  for (const o of await s.checkpoint.list(INTENTS_DIR)) {
    const k = parseIntentKey(o.key)
    if (k === null || k.batchId > batchId) continue
    byBatch.set(k.batchId, [...(byBatch.get(k.batchId) ?? []), o.key])
  }
  let removed = 0
  for (const [b, intents] of byBatch) {
    const toRead = intents.filter((key) => !(b === batchId && winner !== null && parseIntentKey(key)!.attempt === winner))
    if (toRead.length > 0) {
      const keep = await committed(b)
      const stale = [...(await listedKeys(s, toRead))].filter((k) => !keep.has(s.output.uri(k)))
      if (stale.length > 0) {
        await s.output.delete(stale)
        removed += stale.length
        s.log.warn(
          { batchId: b, removedFiles: stale.length },
          'removed files of an attempt of a committed batch that did not win (a fenced process or an interrupted attempt): _spark_metadata does not list them',
        )
      }
    }
    await s.checkpoint.delete(intents)
  }
  return removed
}
