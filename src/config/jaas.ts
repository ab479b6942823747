/**
 * `kafka.sasl.jaas.config` in the Java client's form, as Spark users write it:
 *
 *   org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";
 *
 * entry  := module-class flag (name "=" value)* ";"
 * flag   := required | requisite | sufficient | optional
 * value  := "..." (backslash escapes the next character) | a bare token without space, ';' or '"'
 *
 * `${VAR}` is expanded before this runs (src/config/interpolate.ts), so a value can come from the
 * environment. Error messages never repeat option values: they may be passwords.
 */

export interface JaasEntry {
  /** The login module class as written. */
  module: string
  flag: 'required' | 'requisite' | 'sufficient' | 'optional'
  options: Record<string, string>
}

/** The login modules sluice understands, by the mechanism they belong to. */
export const LOGIN_MODULES = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  SCRAM: 'org.apache.kafka.common.security.scram.ScramLoginModule',
  OAUTHBEARER: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
  AWS_MSK_IAM: 'software.amazon.msk.auth.iam.IAMLoginModule',
} as const

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional'])

/** Parses one JAAS entry; returns a message (without the value) when it is malformed. */
export function parseJaas(text: string): JaasEntry | string {
  let i = 0
  const n = text.length
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i]!)) i++
  }
  const word = (): string => {
    const start = i
    while (i < n && !/[\s;="]/.test(text[i]!)) i++
    return text.slice(start, i)
  }
  skipSpace()
  const module = word()
  if (module === '') {
    return `does not start with a login module class; write e.g. ${LOGIN_MODULES.SCRAM} required username="user" password="secret";`
  }
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(module)) {
    return `starts with something that is not a Java class name; write e.g. ${LOGIN_MODULES.PLAIN} required username="user" password="secret";`
  }
  skipSpace()
  const flag = word()
  if (!FLAGS.has(flag)) {
    return `has no control flag after ${module}: write "required" after the class name (JAAS flags: required, requisite, sufficient, optional)`
  }
  const options: Record<string, string> = {}
  for (;;) {
    skipSpace()
    if (i >= n) return 'does not end with ";": end the entry with a semicolon, as the Java client requires'
    if (text[i] === ';') {
      i++
      break
    }
    const name = word()
    if (name === '') return `has an unexpected character at position ${i + 1}; options are written name="value"`
    skipSpace()
    if (text[i] !== '=') return `option ${name} has no value: write ${name}="..."`
    i++
    skipSpace()
    let value = ''
    if (text[i] === '"') {
      i++
      let closed = false
      while (i < n) {
        const c = text[i]!
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1]
          i += 2
          continue
        }
        if (c === '"') {
          closed = true
          i++
          break
        }
        value += c
        i++
      }
      if (!closed) return `option ${name} has an opening quote but no closing quote`
    } else {
      value = word()
      if (value === '') return `option ${name} has an empty value: write ${name}="..."`
    }
    if (Object.hasOwn(options, name)) return `sets option ${name} twice; keep one`
    options[name] = value
  }
  skipSpace()
  if (i < n) {
    return 'has text after the first entry\'s ";": sluice takes one login module entry (the Java client does too)'
  }
  return { module, flag: flag as JaasEntry['flag'], options }
}
