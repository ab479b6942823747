/**
 * Before a batch is re-run: remove what writers of an earlier attempt that never closed left
 * behind (a killed process): hidden temporary files of file:// stores, in-progress multipart
 * uploads on S3. Such leftovers are found by the batch's file UUID, which every data key of the
 * batch contains (`part-NNNNN-<uuid>-cNNN.json`), so other batches and other queries are untouched.
 * The files an earlier attempt made visible are removed separately, from its intent files.
 */
import type { Logger } from '../log.js'
import type { Store } from './types.js'

export async function sweepIncomplete(store: Store, fileUuid: string, log?: Logger): Promise<number> {
  if (store.sweepIncomplete === undefined) return 0
  const removed = await store.sweepIncomplete(fileUuid)
  if (removed > 0) log?.info({ fileUuid, removed }, 'removed unfinished files (temporary files or multipart uploads) of an earlier attempt of this batch')
  return removed
}
