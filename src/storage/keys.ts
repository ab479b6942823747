/**
 * Store keys: relative to the store's base, '/'-separated, never starting with '/', no empty,
 * `.` or `..` segments (a key must not escape its base directory on the local file system, and
 * Hadoop's Path would normalise such keys so that Spark reads another object than was written).
 * Checked once per store call (per object), never per record.
 */

import { SluiceError } from '../errors.js'
import type { Location } from './types.js'

const BAD_SEGMENT = /(^|\/)\.{1,2}(\/|$)|\/\/|\0/

export function checkKey(key: string, location: Location): void {
  if (key === '' || key.charCodeAt(0) === 47 /* / */ || BAD_SEGMENT.test(key)) {
    throw new SluiceError(
      'SLUICE_STORE_KEY',
      `key "${key}" under ${location.original} is not a valid store key: keys are relative ` +
        "('offsets/3', 'dt=2024-01-01/part-00000-….json'), never empty, never start with '/', and " +
        "have no empty, '.' or '..' segments. This is a bug in the caller; please report it.",
      { details: { key, location: location.original } },
    )
  }
}

/** Compares keys in UTF-8 byte order, the order S3 lists them in. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0
  // UTF-16 order equals UTF-8 byte order unless a surrogate meets a char in U+E000..U+FFFF.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
