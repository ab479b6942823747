/**
 * UTF-8 bytes → text as Spark sees them. Spark's CAST(value AS STRING) keeps the bytes; from_json
 * reads them through a java.io.InputStreamReader (UTF-8) and the JSON writer prints a STRING
 * through `new String(bytes, UTF_8)`: Java's decoder, which replaces every malformed sequence with
 * U+FFFD. Node's decoder (WHATWG) does the same for every sequence but one kind: a UTF-8-encoded
 * surrogate (`ED A0..BF`, e.g. CESU-8 / Java's "modified UTF-8" for a character above U+FFFF).
 * Java replaces `ED`, its `A0..BF` byte and one more continuation byte if there is one with ONE
 * U+FFFD; WHATWG replaces each byte with its own. Measured with JDK 17 (InputStreamReader and
 * `new String`); test/unit/sql-java-utf8.test.ts holds the table, test/spark the real Spark.
 *
 * Cost: valid text pays one `indexOf('\uFFFD')` (immediate on a one-byte string); only values that
 * decoded to U+FFFD are scanned for `ED A0..BF`, and only values that hold one are decoded again.
 */

/** Decodes `buf[start, end)` as Java's UTF-8 decoder does. */
export function javaUtf8(buf: Buffer, start: number, end: number): string {
  const s = buf.toString('utf8', start, end)
  if (s.indexOf('\uFFFD') < 0) return s
  const first = encodedSurrogate(buf, start, end)
  return first < 0 ? s : decodeSlow(buf, start, end, first)
}

/** Index of the first `ED A0..BF` in `buf[start, end)`, or -1. */
function encodedSurrogate(buf: Buffer, start: number, end: number): number {
  // A plain loop: Buffer#indexOf would search on past `end`, through the rest of the fetch buffer.
  for (let i = start; i < end - 1; i++) {
    if (buf[i] === 0xed) {
      const b = buf[i + 1]!
      if (b >= 0xa0 && b <= 0xbf) return i
    }
  }
  return -1
}

function decodeSlow(buf: Buffer, start: number, end: number, first: number): string {
  let out = ''
  let from = start
  for (let i = first; i >= 0; i = encodedSurrogate(buf, from, end)) {
    out += buf.toString('utf8', from, i) + '\uFFFD'
    from = i + 2
    const c = from < end ? buf[from]! : 0
    if (c >= 0x80 && c <= 0xbf) from++
  }
  return out + buf.toString('utf8', from, end)
}
