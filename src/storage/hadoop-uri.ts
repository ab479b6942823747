/**
 * Hadoop's printed form of a path, as Spark writes it into `_spark_metadata` (`SinkFileStatus.path`
 * is `FileStatus.getPath.toUri.toString`).
 *
 * Hadoop builds the URI with java.net.URI's multi-argument constructor
 * `new URI(scheme, authority, path, null, fragment)`, which quotes the path like this
 * (java.net.URI#quote with the path masks):
 * - kept: ASCII letters and digits, the marks `-_.!~*'()`, the punct `,;:$&+=`, and `/` `@`;
 * - `%` is ALWAYS quoted (`%25`): a Hive-escaped directory `dt=a%2Fb` prints as `dt=a%252Fb`;
 * - every other ASCII character (space, `"#<>?[\]^\`{|}`, controls, DEL) → `%XX` upper-case hex;
 * - non-ASCII characters are kept, except space separators (Unicode Zs/Zl/Zp) and ISO controls
 *   (U+0080-U+009F), which are quoted as their UTF-8 bytes.
 * A local path prints as `file:/abs/path` (no authority, so a single slash).
 */

import type { Location } from './types.js'

/** Characters java.net.URI keeps in a path component. */
const PLAIN = /^[A-Za-z0-9\-_.!~*'(),;:$&+=/@]*$/
const KEEP_ASCII = new Uint8Array(128)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'(),;:$&+=/@") {
  KEEP_ASCII[c.charCodeAt(0)] = 1
}
const QUOTED_NON_ASCII = /[\p{Zs}\p{Zl}\p{Zp}\u0080-\u009f]/u
const HEX = '0123456789ABCDEF'

/** Quotes a path as java.net.URI's multi-argument constructors do. */
export function encodeUriPath(path: string): string {
  if (PLAIN.test(path)) return path
  let out = ''
  for (const ch of path) {
    const code = ch.codePointAt(0)!
    if (code < 0x80) {
      out += KEEP_ASCII[code] === 1 ? ch : `%${HEX[code >> 4]}${HEX[code & 15]}`
    } else if (QUOTED_NON_ASCII.test(ch)) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`
    } else {
      out += ch
    }
  }
  return out
}

/** `s3a://bucket/prefix/key`, `s3://…` or `file:/abs/dir/key`, quoted as Hadoop prints it. */
export function hadoopUri(location: Location, key: string): string {
  const path = location.prefix + key
  if (location.scheme === 'file') return `file:${encodeUriPath(path)}`
  return `${location.scheme}://${location.bucket}/${encodeUriPath(path)}`
}
