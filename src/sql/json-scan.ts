/**
 * A byte-level scanner of one flat JSON object, for the read path's fast projection
 * (projection-bytes.ts): it finds the schema's STRING fields in the value's UTF-8 bytes and gives
 * their string literals as byte spans to copy verbatim, without decoding the value to a JS string,
 * JSON.parse, or an object.
 *
 * It answers only where the answer is certainly the exact path's (from-json.ts: toString, then
 * JSON.parse, then the converters, then jsonString on output); anywhere else `scan` returns false
 * and the caller runs the exact path. It accepts a record only when:
 * - the bytes are strict JSON (RFC 8259, what JSON.parse accepts: no single quotes, NaN, comments
 *   or leading zeros, which are the lenient reader's) and the top-level value is an object, with
 *   only JSON white space around it (a blank or null value is the exact path's);
 * - every schema field is absent, `null`, or a string literal whose verbatim bytes are what the
 *   JSON writer prints for the decoded string: valid UTF-8 (an invalid sequence decodes to U+FFFD)
 *   and no escape other than \" \\ \b \f \n \r \t (Jackson writes these back the same; \/ and
 *   \uXXXX it writes differently);
 * - no schema field appears twice and no key of the object has an escape (a key spelled with
 *   escapes could equal a schema name);
 * - objects and arrays in skipped fields nest at most MAX_SKIP_DEPTH levels.
 * Keys are compared as bytes with the names' UTF-8, so case-sensitively, as from_json does.
 * Unknown fields are skipped after checking their syntax (JSON.parse would refuse the whole text).
 * A byte >= 0x80 inside a skipped string needs no check: the decoder maps an invalid sequence to
 * U+FFFD without swallowing the ASCII byte after it, which JSON.parse accepts in a string.
 */

/** Nesting of skipped values beyond which the scanner hands the record to the exact path. */
export const MAX_SKIP_DEPTH = 64

/** 1 for the bytes a string literal holds as they are: printable ASCII but `"` and `\`. */
const PLAIN = new Uint8Array(256)
for (let c = 0x20; c < 0x80; c++) if (c !== 0x22 && c !== 0x5c) PLAIN[c] = 1

/** Span start of a field that is absent. */
export const ABSENT = -1
/** Span start of a field that is JSON null. */
export const NULL = -2

export class FlatJsonScanner {
  /** Per field k: spans[2k] = start of its string literal (the opening quote), ABSENT or NULL; spans[2k+1] = end (after the closing quote). */
  readonly spans: Int32Array
  readonly #names: Uint8Array[]
  readonly #n: number

  /** `names`: the fields to find, in span order (their UTF-8 spelling is compared byte by byte). */
  constructor(names: string[]) {
    this.#names = names.map((n) => new Uint8Array(Buffer.from(n, 'utf8')))
    this.#n = names.length
    this.spans = new Int32Array(names.length * 2)
  }

  /** Scans b[start, end). True: `spans` holds every field; false: use the exact path. */
  scan(b: Uint8Array, start: number, end: number): boolean {
    const spans = this.spans
    for (let k = 0; k < this.#n; k++) spans[2 * k] = ABSENT
    let i = ws(b, start, end)
    if (i >= end || b[i] !== 0x7b) return false
    i = ws(b, i + 1, end)
    if (i < end && b[i] === 0x7d) return ws(b, i + 1, end) === end
    for (;;) {
      if (i >= end || b[i] !== 0x22) return false
      const ks = i + 1
      i = ks
      for (;;) {
        if (i >= end) return false
        const c = b[i]!
        if (PLAIN[c] === 1) {
          i++
          continue
        }
        if (c === 0x22) break
        if (c < 0x80) return false
        else {
          i = utf8Char(b, i, end)
          if (i < 0) return false
        }
      }
      const ke = i
      i = ws(b, i + 1, end)
      if (i >= end || b[i] !== 0x3a) return false
      i = ws(b, i + 1, end)
      if (i >= end) return false
      const k = this.#field(b, ks, ke)
      if (k >= 0) {
        if (spans[2 * k] !== ABSENT) return false
        const c = b[i]
        if (c === 0x22) {
          const e = copyableString(b, i + 1, end)
          if (e < 0) return false
          spans[2 * k] = i
          spans[2 * k + 1] = e
          i = e
        } else if (c === 0x6e && i + 4 <= end && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) {
          spans[2 * k] = NULL
          i += 4
        } else return false
      } else {
        i = skipValue(b, i, end, 0)
        if (i < 0) return false
      }
      i = ws(b, i, end)
      if (i >= end) return false
      const c = b[i]
      if (c === 0x2c) i = ws(b, i + 1, end)
      else if (c === 0x7d) return ws(b, i + 1, end) === end
      else return false
    }
  }

  /** The index of the field whose name is b[s, e), or -1. */
  #field(b: Uint8Array, s: number, e: number): number {
    const len = e - s
    const names = this.#names
    outer: for (let k = 0; k < this.#n; k++) {
      const name = names[k]!
      if (name.length !== len) continue
      for (let j = 0; j < len; j++) if (name[j] !== b[s + j]) continue outer
      return k
    }
    return -1
  }
}

/** The first index from i that is not JSON white space (space, tab, LF, CR), at most end. */
function ws(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    i++
  }
  return i
}

/**
 * A string's body from i (after the opening quote) whose bytes the writer would print the same:
 * returns the index after the closing quote, or -1.
 */
function copyableString(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!
    if (PLAIN[c] === 1) {
      i++
      continue
    }
    if (c === 0x22) return i + 1
    if (c === 0x5c) {
      if (i + 1 >= end) return -1
      const d = b[i + 1]
      // \" \\ \b \f \n \r \t: Jackson writes the same escape for the character it stands for.
      if (d === 0x22 || d === 0x5c || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74) i += 2
      else return -1
    } else if (c < 0x20) return -1
    else {
      i = utf8Char(b, i, end)
      if (i < 0) return -1
    }
  }
  return -1
}

/**
 * The end of the well-formed UTF-8 sequence at i (b[i] >= 0x80), or -1 where the WHATWG decoder
 * (Buffer#toString) would put U+FFFD: a stray continuation byte, an overlong form, a surrogate,
 * beyond U+10FFFF, or a truncated sequence.
 */
function utf8Char(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < end && cont(b[i + 1]!) ? i + 2 : -1
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= end) return -1
    const d = b[i + 1]!
    const lo = c === 0xe0 ? 0xa0 : 0x80
    const hi = c === 0xed ? 0x9f : 0xbf
    return d >= lo && d <= hi && cont(b[i + 2]!) ? i + 3 : -1
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= end) return -1
    const d = b[i + 1]!
    const lo = c === 0xf0 ? 0x90 : 0x80
    const hi = c === 0xf4 ? 0x8f : 0xbf
    return d >= lo && d <= hi && cont(b[i + 2]!) && cont(b[i + 3]!) ? i + 4 : -1
  }
  return -1
}

function cont(x: number): boolean {
  return x >= 0x80 && x <= 0xbf
}

function isHex(x: number): boolean {
  return (x >= 0x30 && x <= 0x39) || (x >= 0x41 && x <= 0x46) || (x >= 0x61 && x <= 0x66)
}

/** Skips a strict JSON string from i (after the opening quote): the index after the closing quote, or -1. */
function skipString(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!
    if (PLAIN[c] === 1 || c >= 0x80) {
      i++
      continue
    }
    if (c === 0x22) return i + 1
    if (c < 0x20) return -1
    if (i + 1 >= end) return -1
    const d = b[i + 1]
    if (d === 0x22 || d === 0x5c || d === 0x2f || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74) i += 2
    else if (d === 0x75) {
      if (i + 6 > end || !isHex(b[i + 2]!) || !isHex(b[i + 3]!) || !isHex(b[i + 4]!) || !isHex(b[i + 5]!)) return -1
      i += 6
    } else return -1
  }
  return -1
}

function digits(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) i++
  return i
}

/** Skips a strict JSON number from i: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`; the end, or -1. */
function skipNumber(b: Uint8Array, i: number, end: number): number {
  if (b[i] === 0x2d) i++
  if (i >= end) return -1
  const c = b[i]!
  if (c === 0x30) i++
  else if (c >= 0x31 && c <= 0x39) i = digits(b, i + 1, end)
  else return -1
  if (i < end && b[i] === 0x2e) {
    const s = i + 1
    i = digits(b, s, end)
    if (i === s) return -1
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++
    const s = i
    i = digits(b, s, end)
    if (i === s) return -1
  }
  // A number must end at a delimiter, which the caller checks (`1x` fails there).
  return i
}

function literal(b: Uint8Array, i: number, end: number, text: string): number {
  if (i + text.length > end) return -1
  for (let j = 0; j < text.length; j++) if (b[i + j] !== text.charCodeAt(j)) return -1
  return i + text.length
}

/** Skips any strict JSON value from i (not white space); the index after it, or -1. */
function skipValue(b: Uint8Array, i: number, end: number, depth: number): number {
  const c = b[i]
  if (c === 0x22) return skipString(b, i + 1, end)
  if (c === 0x7b || c === 0x5b) {
    if (depth >= MAX_SKIP_DEPTH) return -1
    const close = c === 0x7b ? 0x7d : 0x5d
    i = ws(b, i + 1, end)
    if (i < end && b[i] === close) return i + 1
    for (;;) {
      if (c === 0x7b) {
        if (i >= end || b[i] !== 0x22) return -1
        i = skipString(b, i + 1, end)
        if (i < 0) return -1
        i = ws(b, i, end)
        if (i >= end || b[i] !== 0x3a) return -1
        i = ws(b, i + 1, end)
      }
      if (i >= end) return -1
      i = skipValue(b, i, end, depth + 1)
      if (i < 0) return -1
      i = ws(b, i, end)
      if (i >= end) return -1
      const d = b[i]
      if (d === close) return i + 1
      if (d !== 0x2c) return -1
      i = ws(b, i + 1, end)
    }
  }
  if (c === 0x74) return literal(b, i, end, 'true')
  if (c === 0x66) return literal(b, i, end, 'false')
  if (c === 0x6e) return literal(b, i, end, 'null')
  return skipNumber(b, i, end)
}
