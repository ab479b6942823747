/**
 * Finds out whether a store refuses a second `If-None-Match: *` write of the same key.
 *
 * The checkpoint and the sink log rely on "adding batch N when N exists fails" to detect two
 * queries on one location. AWS S3, MinIO and R2 enforce it; s3rver and some S3 look-alikes
 * silently overwrite. The probe writes a scratch object twice with ifNoneMatch: a refused second
 * write means 'enforced', an accepted one 'ignored'. The scratch object is deleted before (a
 * leftover of a crashed probe would make the first write fail) and after.
 */

import { isSluiceError } from '../errors.js'
import type { ConditionalWrites, Store } from './types.js'

export async function probeConditionalWrites(
  store: Store,
  scratchKey: string,
): Promise<ConditionalWrites> {
  const body = `sluice conditional-write probe ${new Date().toISOString()}\n`
  await store.delete([scratchKey])
  try {
    await store.put(scratchKey, body, { ifNoneMatch: true })
    try {
      await store.put(scratchKey, body, { ifNoneMatch: true })
    } catch (err) {
      if (isSluiceError(err, 'SLUICE_STORE_CONFLICT')) return 'enforced'
      throw err
    }
    return 'ignored'
  } finally {
    await store.delete([scratchKey])
  }
}
