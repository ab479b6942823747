/**
 * DECIMAL(p, s) values, held as plain strings with exactly `s` fraction digits ("1.50", "-0.07").
 * Conversion follows Spark's `Decimal.set(BigDecimal, p, s)`: round HALF_UP to the scale, and
 * fail when the rounded value needs more than `p` digits. Only BigInt arithmetic; no floats.
 */

const NUMERIC = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/**
 * Parses a number's text (JSON literal or Java BigDecimal string syntax) into the plain string of
 * DECIMAL(precision, scale), or `null` when the text is not a number or overflows the precision.
 */
export function toDecimal(text: string, precision: number, scale: number): string | null {
  const m = NUMERIC.exec(text)
  if (m === null) return null
  const intPart = m[2]!
  const fracPart = m[3] ?? ''
  if (intPart === '' && fracPart === '') return null
  const exp = m[4] === undefined ? 0 : Number(m[4])
  if (!Number.isFinite(exp) || Math.abs(exp) > 10000) return null
  let unscaled = BigInt(intPart + fracPart || '0')
  // value = unscaled × 10^(exp − fracPart.length); bring it to 10^(−scale).
  const shift = exp - fracPart.length + scale
  if (shift >= 0) {
    unscaled *= 10n ** BigInt(shift)
  } else {
    const div = 10n ** BigInt(-shift)
    const q = unscaled / div
    const r = unscaled % div
    unscaled = r * 2n >= div ? q + 1n : q // HALF_UP on the magnitude
  }
  const digits = unscaled.toString()
  if (digits.length > precision && unscaled !== 0n) return null
  const negative = m[1] === '-' && unscaled !== 0n
  return plain(negative, digits, scale)
}

function plain(negative: boolean, digits: string, scale: number): string {
  let s: string
  if (scale === 0) {
    s = digits
  } else {
    const padded = digits.length <= scale ? '0'.repeat(scale - digits.length + 1) + digits : digits
    s = padded.slice(0, padded.length - scale) + '.' + padded.slice(padded.length - scale)
  }
  return negative ? '-' + s : s
}

/**
 * Java `BigDecimal.toString()` of a plain decimal string, which Jackson writes for DECIMAL
 * columns: plain unless the adjusted exponent is below −6 ("1E-7", "0E-8", "1.2E-7").
 */
export function bigDecimalToString(plainText: string, scale: number): string {
  if (scale <= 6) return plainText
  const negative = plainText.charCodeAt(0) === 45
  const body = negative ? plainText.slice(1) : plainText
  let unscaled = body.replace('.', '').replace(/^0+/, '')
  if (unscaled === '') unscaled = '0'
  const adjusted = -scale + (unscaled.length - 1)
  if (adjusted >= -6) return plainText
  const mant = unscaled.length > 1 ? unscaled[0] + '.' + unscaled.slice(1) : unscaled
  return (negative ? '-' : '') + mant + 'E' + adjusted
}
