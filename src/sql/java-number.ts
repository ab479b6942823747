/**
 * Java's `Double.toString` / `Float.toString`, which Spark's JSON writer (Jackson) and its casts
 * to STRING print, and which differ from JavaScript's `String(n)`:
 *   1 → "1.0", 1e7 → "1.0E7", 0.0001 → "1.0E-4", -0 → "-0.0", 123456.789 → "123456.789".
 * Rule: |d| in [1e-3, 1e7) prints plain with at least one fraction digit; otherwise
 * d.dddE±n with at least one fraction digit. Digits are the shortest that round-trip, which is
 * what JDK 19+ prints (older JDKs occasionally print one extra digit; documented deviation).
 */

/** Formats shortest round-trip significant `digits` (no dot, no leading zeros) × 10^(exp). */
function javaFormat(negative: boolean, digits: string, exp: number): string {
  // exp is the decimal exponent of the first digit: value = 0.d1d2... × 10^(exp+1)
  let s: string
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) {
      const intLen = exp + 1
      if (digits.length <= intLen) {
        s = digits + '0'.repeat(intLen - digits.length) + '.0'
      } else {
        s = digits.slice(0, intLen) + '.' + digits.slice(intLen)
      }
    } else {
      s = '0.' + '0'.repeat(-exp - 1) + digits
    }
  } else {
    s = digits[0] + '.' + (digits.length > 1 ? digits.slice(1) : '0') + 'E' + exp
  }
  return negative ? '-' + s : s
}

/** Splits a finite non-zero |d| into shortest significant digits and exponent. */
function splitExponential(expStr: string): { digits: string; exp: number } {
  // expStr looks like "1.2345e+7" or "5e-324"
  const e = expStr.indexOf('e')
  const mant = expStr.slice(0, e)
  const exp = Number(expStr.slice(e + 1))
  const digits = mant.length > 1 ? mant[0] + mant.slice(2) : mant
  return { digits, exp }
}

export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN'
  if (d === Number.POSITIVE_INFINITY) return 'Infinity'
  if (d === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (d === 0) return 1 / d < 0 ? '-0.0' : '0.0'
  const neg = d < 0
  const a = neg ? -d : d
  // Fast path: integers in the plain range print as digits + ".0".
  if (a < 1e7 && Number.isInteger(a)) return (neg ? '-' : '') + a + '.0'
  if (a >= 1e-3 && a < 1e7) return String(d)
  let { digits, exp } = splitExponential(a.toExponential())
  if (digits.length === 1) {
    // Java prints at least two digits and then picks the 2-digit decimal closest to the value
    // (Double.MIN_VALUE → 4.9E-324, not 5.0E-324).
    const two = a.toExponential(1)
    if (Number(two) === a) ({ digits, exp } = splitExponential(two))
    if (digits.length === 2 && digits[1] === '0') digits = digits[0]!
  }
  return javaFormat(neg, digits, exp)
}

export function javaFloatToString(f: number): string {
  if (Number.isNaN(f)) return 'NaN'
  if (f === Number.POSITIVE_INFINITY) return 'Infinity'
  if (f === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (f === 0) return 1 / f < 0 ? '-0.0' : '0.0'
  const neg = f < 0
  const a = Math.fround(neg ? -f : f)
  // Shortest decimal that rounds back to the same float32; like Java, never fewer than two
  // digits, so the closest 2-digit decimal wins (Float.MIN_VALUE → 1.4E-45).
  let expStr = ''
  for (let p = 2; p <= 9; p++) {
    expStr = a.toExponential(p - 1)
    if (Math.fround(Number(expStr)) === a) break
  }
  const { digits: raw, exp } = splitExponential(expStr)
  let digits = raw
  while (digits.length > 1 && digits.endsWith('0')) digits = digits.slice(0, -1)
  return javaFormat(neg, digits, exp)
}

/** JSON text of a double as Jackson writes it: non-finite values quoted (QUOTE_NON_NUMERIC_NUMBERS). */
export function jsonDouble(d: number): string {
  if (Number.isFinite(d)) return javaDoubleToString(d)
  return '"' + javaDoubleToString(d) + '"'
}

export function jsonFloat(f: number): string {
  if (Number.isFinite(f)) return javaFloatToString(f)
  return '"' + javaFloatToString(f) + '"'
}
