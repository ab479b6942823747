/**
 * What the codec modules share: loading a native addon once (a platform without its prebuilt
 * binary fails the batch with a clear error) and the corrupt-batch error.
 */
import { createRequire } from 'node:module'
import { SluiceError } from '../../errors.js'

/** Where a batch is, for error messages. */
export interface BatchRef {
  topic: string
  partition: number
  offset: number
}

const require = createRequire(import.meta.url)
const loaded = new Map<string, unknown>()

/** Loads an addon once; a missing or broken binding becomes a SLUICE error naming the package. */
export function loadAddon<T>(pkg: string, codec: string, ref: BatchRef): T {
  let mod = loaded.get(pkg)
  if (mod === undefined) {
    try {
      mod = require(pkg)
    } catch (cause) {
      throw new SluiceError(
        'SLUICE_KAFKA_COMPRESSION_UNSUPPORTED',
        `${ref.topic}-${ref.partition} at offset ${ref.offset} holds a ${codec}-compressed record batch, ` +
          `and the ${codec} decompressor (npm package ${pkg}) does not load on this platform ` +
          `(${process.platform}-${process.arch}): ${(cause as Error).message}. Reinstall sluice's ` +
          'dependencies on this machine (npm ci) so npm picks the prebuilt binary for this platform.',
        { cause, details: { ...ref, codec, package: pkg } },
      )
    }
    loaded.set(pkg, mod)
  }
  return mod as T
}

export function corruptCompressed(codec: string, ref: BatchRef, cause: unknown): SluiceError {
  return new SluiceError(
    'SLUICE_KAFKA_CORRUPT_RECORD',
    `${codec} record batch at offset ${ref.offset} of ${ref.topic}-${ref.partition} does not decompress ` +
      `(${(cause as Error).message}). The data on the broker is damaged or was written by a ` +
      'non-conforming producer; inspect the batch with kcat, then skip it by moving the offsets.',
    { cause, details: { ...ref, codec } },
  )
}

