/**
 * JSON string literals as Jackson writes them (Spark's JSON writer): `"` and `\` backslashed,
 * control characters as \b \t \n \f \r or \u00XX with UPPERCASE hex; `/`, DEL and non-ASCII
 * are written as they are. JSON.stringify differs in the hex case (`\u001f`) and in lone
 * surrogates (it writes `\ud800`). A lone surrogate (only a `\uD800`-style escape in the input
 * JSON can produce one) is written as `?`: Spark turns the Java string into UTF-8 with
 * String.getBytes, which replaces it so (seen with Spark 3.5 itself). Strings with surrogate
 * pairs (emoji) take the slow path to be checked.
 */

const NEEDS_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/

const SHORT: (string | undefined)[] = []
SHORT[0x08] = '\\b'
SHORT[0x09] = '\\t'
SHORT[0x0a] = '\\n'
SHORT[0x0c] = '\\f'
SHORT[0x0d] = '\\r'
SHORT[0x22] = '\\"'
SHORT[0x5c] = '\\\\'

/** The quoted JSON literal of `s`. */
export function jsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"'
  return '"' + escapeSlow(s) + '"'
}

function escapeSlow(s: string): string {
  let out = ''
  let last = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1)
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++
          continue
        }
      }
      if (i > last) out += s.slice(last, i)
      out += '?'
      last = i + 1
      continue
    }
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue
    if (i > last) out += s.slice(last, i)
    const short = SHORT[c]
    out += short !== undefined ? short : c < 16 ? '\\u000' + c.toString(16).toUpperCase() : '\\u00' + c.toString(16).toUpperCase()
    last = i + 1
  }
  if (last < s.length) out += s.slice(last)
  return out
}
