/**
 * Partition directory names, as Spark's `ExternalCatalogUtils.escapePathName` and
 * `getPartitionPathString` build them (Hive's escaping). A value becomes exactly one path segment:
 * `/` is escaped, so no value can step outside the output prefix (`col=..` is a plain name).
 */

/** Spark's default partition name for a null or empty value. */
export const DEFAULT_PARTITION_NAME = '__HIVE_DEFAULT_PARTITION__'

// Characters below 128 that Spark escapes on non-Windows file systems, plus NUL: Spark starts at
// 0x01 (a NUL would reach Hadoop's Path and S3 raw, and no store key may hold one); `%00` reads
// back as NUL through Spark's unescapePathName, so readers still see the value as written.
const ESCAPED = new Uint8Array(128)
for (let c = 0x00; c <= 0x1f; c++) ESCAPED[c] = 1
for (const ch of '"#%\'*/:=?\\\x7f{[]^') ESCAPED[ch.charCodeAt(0)] = 1

const NEEDS_ESCAPE = /[\x00-\x1f"#%'*/:=?\\\x7f{[\]^]/

/** `%XX` (uppercase hex) for 0x00-0x1F, `"`, `#`, `%`, `'`, `*`, `/`, `:`, `=`, `?`, `\`, 0x7F, `{`, `[`, `]`, `^`. */
export function escapePathName(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 128 && ESCAPED[c] === 1) {
      out += c < 16 ? '%0' + c.toString(16).toUpperCase() : '%' + c.toString(16).toUpperCase()
    } else {
      out += s[i]
    }
  }
  return out
}

/** Spark's `unescapePathName`: the inverse of {@link escapePathName}. */
export function unescapePathName(s: string): string {
  if (!s.includes('%')) return s
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
}

/** `col=value` with both sides escaped; null or '' → `col=__HIVE_DEFAULT_PARTITION__`. */
export function partitionDir(col: string, value: string | null): string {
  return (
    escapePathName(col) +
    '=' +
    (value === null || value === '' ? DEFAULT_PARTITION_NAME : escapePathName(value))
  )
}
