/**
 * The slow, exact JSON reading used only when JSON.parse's result cannot tell what Jackson would
 * have seen: integers beyond 2^53 (BIGINT), `1.0` vs `1` (integer columns), decimals with more
 * digits than a double holds, and key order of objects (MAP, objects coerced to STRING).
 *
 * Input is text that JSON.parse has already accepted, so this reader does not validate.
 * Objects become Map (insertion order, duplicates: last value at the first position), numbers
 * become {@link RawNumber} (their literal text), everything else as JSON.parse.
 */

export class RawNumber {
  readonly text: string
  readonly isInt: boolean
  constructor(text: string, isInt: boolean) {
    this.text = text
    this.isInt = isInt
  }
}

class Reader {
  readonly s: string
  i = 0
  constructor(s: string) {
    this.s = s
  }

  ws(): void {
    const s = this.s
    let i = this.i
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++
      else break
    }
    this.i = i
  }

  value(): unknown {
    this.ws()
    const s = this.s
    const c = s.charCodeAt(this.i)
    if (c === 0x7b) return this.object()
    if (c === 0x5b) return this.array()
    if (c === 0x22) return this.string()
    if (c === 0x74) {
      this.i += 4
      return true
    }
    if (c === 0x66) {
      this.i += 5
      return false
    }
    if (c === 0x6e) {
      this.i += 4
      return null
    }
    const start = this.i
    let i = start
    let isInt = true
    for (;;) {
      const d = s.charCodeAt(i)
      if ((d >= 0x30 && d <= 0x39) || d === 0x2d || d === 0x2b) i++
      else if (d === 0x2e || d === 0x65 || d === 0x45) {
        isInt = false
        i++
      } else break
    }
    this.i = i
    return new RawNumber(s.slice(start, i), isInt)
  }

  string(): string {
    const s = this.s
    const start = this.i + 1
    let i = start
    let escaped = false
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 0x22) break
      if (c === 0x5c) {
        escaped = true
        i += 2
      } else i++
    }
    this.i = i + 1
    return escaped ? (JSON.parse(s.slice(start - 1, i + 1)) as string) : s.slice(start, i)
  }

  object(): Map<string, unknown> {
    const m = new Map<string, unknown>()
    this.i++
    this.ws()
    if (this.s.charCodeAt(this.i) === 0x7d) {
      this.i++
      return m
    }
    for (;;) {
      this.ws()
      const k = this.string()
      this.ws()
      this.i++ // ':'
      m.set(k, this.value())
      this.ws()
      const c = this.s.charCodeAt(this.i++)
      if (c === 0x7d) return m
    }
  }

  array(): unknown[] {
    const a: unknown[] = []
    this.i++
    this.ws()
    if (this.s.charCodeAt(this.i) === 0x5d) {
      this.i++
      return a
    }
    for (;;) {
      a.push(this.value())
      this.ws()
      const c = this.s.charCodeAt(this.i++)
      if (c === 0x5d) return a
    }
  }
}

/** Reads JSON text already validated by JSON.parse, keeping numbers' text and key order. */
export function parseExact(text: string): unknown {
  return new Reader(text).value()
}

/**
 * Whether the text may hold a number literal that JSON.parse turns into an integer although
 * Jackson sees a float token: an exponent (`1e2`, `1.5e1`) or a fraction of zeros (`1.0`, `2.00`)
 * in a value position. Such a literal must not pass as an integer column's value (nor print as
 * "1" in a STRING column: Jackson prints "1.0"). `0.25` does not match, so ordinary doubles keep
 * the fast path. False positives (such text inside a string) only cost the exact path.
 */
const INTEGRAL_FLOAT_LITERAL = /[:[,]\s*-?\d+(?:\.\d*)?[eE]|[:[,]\s*-?\d+\.0*(?=\s*[,}\]])/

export function mayHoldFloatLiteral(text: string): boolean {
  return INTEGRAL_FLOAT_LITERAL.test(text)
}
