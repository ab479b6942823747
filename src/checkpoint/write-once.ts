/**
 * Writing a log entry exactly once: Spark's HDFSMetadataLog.add refuses to overwrite batch N, and
 * a second writer is a "concurrent update" (two queries on one checkpoint, or a zombie). On S3 a
 * single PUT is atomic, so `If-None-Match: *` on the final key is the equivalent of Spark's
 * write-temp-then-rename. Stores that do not enforce it (s3rver, some S3 clones) get an
 * existence check first, which narrows the race but cannot close it; the error says so.
 */

import { SluiceError, isSluiceError } from '../errors.js'
import type { Store } from '../storage/types.js'

export interface WriteOnceContext {
  code: 'SLUICE_CHECKPOINT_CONCURRENT' | 'SLUICE_SINK_LOG_CONCURRENT'
  /** What the entry is, for messages: `offsets/12`, `_spark_metadata/19.compact`. */
  what: string
  /** Batch id for details. */
  batchId: number
  /** Where the log lives, for messages (a URI). */
  base: string
}

function protectionNote(store: Store): string {
  if (store.conditionalWrites === 'enforced') {
    return 'The store enforces conditional writes (If-None-Match), so the second writer was refused.'
  }
  return (
    `The store's conditional writes are ${store.conditionalWrites === 'ignored' ? 'not enforced' : 'not known to be enforced'}` +
    ' (If-None-Match), so the only protection left is the existence check sluice makes before ' +
    'each write: two writers racing within the same moment could both succeed there.'
  )
}

function concurrentError(store: Store, ctx: WriteOnceContext, cause?: unknown): SluiceError {
  return new SluiceError(
    ctx.code,
    `${ctx.what} already exists in ${ctx.base} although this run was about to write it: another ` +
      'query is running on the same checkpoint/output (or a zombie of an earlier run is still ' +
      'writing). Stop every other sluice or Spark query that uses this location, then restart; ' +
      'sluice resumes from the logs. ' +
      protectionNote(store),
    {
      cause,
      details: {
        batchId: ctx.batchId,
        entry: ctx.what,
        location: ctx.base,
        conditionalWrites: store.conditionalWrites,
      },
    },
  )
}

/** Writes `key` once; an existing `key` is a concurrent-update error with `ctx.code`. */
export async function writeOnce(
  store: Store,
  key: string,
  body: Uint8Array | string,
  ctx: WriteOnceContext,
): Promise<void> {
  if (store.conditionalWrites !== 'enforced') {
    if ((await store.head(key)) !== null) throw concurrentError(store, ctx)
  }
  try {
    await store.put(key, body, { ifNoneMatch: true })
  } catch (err) {
    if (isSluiceError(err, 'SLUICE_STORE_CONFLICT')) throw concurrentError(store, ctx, err)
    throw err
  }
}

/** Lists direct children of `dir` (ending in '/'), returning names (no dir prefix) and lastModified. */
export async function listNames(
  store: Store,
  dir: string,
): Promise<{ name: string; key: string; lastModified: number }[]> {
  const objects = await store.list(dir)
  const out: { name: string; key: string; lastModified: number }[] = []
  for (const o of objects) {
    if (!o.key.startsWith(dir)) continue
    const name = o.key.slice(dir.length)
    if (name === '' || name.includes('/')) continue
    out.push({ name, key: o.key, lastModified: o.lastModified })
  }
  return out
}
