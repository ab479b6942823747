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

/** S3's limit on the length of an object key, in UTF-8 bytes. */
export const S3_MAX_KEY_BYTES = 1024

/**
 * SLUICE_STORE_KEY_TOO_LONG when the full S3 key (location prefix + key) is over 1,024 UTF-8
 * bytes: S3 refuses it (AWS: 400 KeyTooLongError; s3rver: 500), on every retry alike.
 */
export function checkS3KeyLength(fullKey: string, location: Location): void {
  if (fullKey.length * 3 <= S3_MAX_KEY_BYTES) return
  if (Buffer.byteLength(fullKey, 'utf8') > S3_MAX_KEY_BYTES) throw keyTooLong(fullKey, location)
}

export function keyTooLong(fullKey: string, location: Location, cause?: unknown): SluiceError {
  const bytes = Buffer.byteLength(fullKey, 'utf8')
  const segments = fullKey.split('/')
  const longest = segments.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a), '')
  return new SluiceError(
    'SLUICE_STORE_KEY_TOO_LONG',
    `The S3 key ${location.bucket}/${fullKey.slice(0, 120)}… is ${bytes} bytes, over S3's limit of ${S3_MAX_KEY_BYTES}: ` +
      `its longest part, "${longest.slice(0, 60)}…" (${Buffer.byteLength(longest)} bytes), is most likely a partition value. ` +
      'Retrying cannot help: shorten the partition column in select (for example substring(col, 1, 200) or sha2(col, 256)), ' +
      'then move past the failed batch as docs/errors.md describes (SLUICE_STORE_KEY_TOO_LONG).',
    { cause, details: { bucket: location.bucket, key: fullKey.slice(0, 2048), bytes, limit: S3_MAX_KEY_BYTES } },
  )
}

/** Compares keys in UTF-8 byte order, the order S3 lists them in. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0
  // UTF-16 order equals UTF-8 byte order unless a surrogate meets a char in U+E000..U+FFFF.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
