/**
 * Spark's datetime patterns (docs: sql-ref-datetime-pattern), tokenised once and shared by the
 * formatter (date_format, the JSON writer's timestampFormat/dateFormat: time-format.ts) and the
 * parser (from_json's timestampFormat/dateFormat: time-pattern-parse.ts).
 *
 *   pattern := ( letters | 'quoted text' | '' | '[' pattern ']' | any other character )*
 *   letters := a run of one letter (yyyy, MM, SSS, ...): one field and its width
 *
 * `''` is a literal quote, inside or outside quoted text; `[...]` is an optional section (printed
 * when formatting, tried and skipped when it does not match when parsing), as in Java's
 * DateTimeFormatter, which Spark 3 uses. Which letters and widths a user of the tokens accepts is
 * its own check (the formatter and the parser support different sets).
 */

export interface FieldToken {
  letter: string
  count: number
  /** Position in the pattern (for error messages). */
  at: number
}

export type PatternToken = string | FieldToken | { optional: PatternToken[] }

/** Tokenises a pattern; `fail` raises the caller's error with a reason. */
export function tokenizePattern(pattern: string, fail: (why: string) => never): PatternToken[] {
  const stack: PatternToken[][] = [[]]
  const opens: number[] = []
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i]!
    const top = stack[stack.length - 1]!
    if (c === "'") {
      let j = i + 1
      let text = ''
      for (;;) {
        const end = pattern.indexOf("'", j)
        if (end < 0) fail(`the quote at position ${i} is not closed`)
        text += pattern.slice(j, end)
        if (pattern[end + 1] === "'" && (end > i + 1 || text !== '')) {
          text += "'"
          j = end + 2
          continue
        }
        j = end + 1
        break
      }
      top.push(text === '' ? "'" : text)
      i = j
    } else if (c === '[') {
      const inner: PatternToken[] = []
      top.push({ optional: inner })
      stack.push(inner)
      opens.push(i)
      i++
    } else if (c === ']') {
      if (stack.length === 1) fail(`the ']' at position ${i} closes no '['`)
      stack.pop()
      opens.pop()
      i++
    } else if (/[A-Za-z]/.test(c)) {
      let j = i
      while (pattern[j] === c) j++
      top.push({ letter: c, count: j - i, at: i })
      i = j
    } else {
      top.push(c)
      i++
    }
  }
  if (opens.length > 0) fail(`the '[' at position ${opens[opens.length - 1]} is not closed`)
  return stack[0]!
}

/** Every field token of a pattern, optional sections included. */
export function fieldTokens(tokens: PatternToken[]): FieldToken[] {
  const out: FieldToken[] = []
  const walk = (ts: PatternToken[]): void => {
    for (const t of ts) {
      if (typeof t === 'string') continue
      if ('optional' in t) walk(t.optional)
      else out.push(t)
    }
  }
  walk(tokens)
  return out
}

/** Spark 3's datetime patterns refuse week-based fields (SparkUpgradeException in Spark). */
export const WEEK_BASED_LETTERS = new Set(['Y', 'W', 'w', 'u', 'e', 'c'])

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** Monday first (ISO day 1). */
export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']

/** Letters that carry an offset or zone. */
export function isZoneLetter(letter: string): boolean {
  return letter === 'X' || letter === 'x' || letter === 'Z' || letter === 'V'
}

/** Letters that carry a time of day. */
export function isTimeLetter(letter: string): boolean {
  return 'aHhmsS'.includes(letter)
}
