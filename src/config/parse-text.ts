/**
 * Job file text → plain data. YAML 1.2 (the `yaml` package), which also reads JSON, so one parser
 * gives line/column positions for both. Duplicate keys are errors, not "last one wins".
 */
import { parseDocument } from 'yaml'
import { SluiceError } from '../errors.js'
import { ConfigCode } from './problems.js'

export function parseText(text: string, filename: string): Record<string, unknown> {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true })
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0]
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position'
      const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      return { where, message: first, line: pos?.line, column: pos?.col, snippet: e.message }
    })
    const head = problems[0]!
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more syntax error(s))` : ''
    throw new SluiceError(
      ConfigCode.SYNTAX,
      `job file ${filename} is not valid YAML/JSON at ${head.where}: ${head.message}${more}. Fix the file at that position (YAML needs consistent indentation and "key: value" pairs; quote values that contain ": " or start with { [ * & ! | > ' " % @ or a backtick).\n${head.snippet}`,
      { details: { file: filename, errors: problems.map(({ snippet: _s, ...p }) => p) } },
    )
  }
  const value: unknown = doc.toJS({ maxAliasCount: 1000 })
  if (value === null || value === undefined) {
    throw new SluiceError(
      ConfigCode.VALUE,
      `job file ${filename} is empty: it needs at least source (kafka.bootstrap.servers and subscribe), schema and sink (path and checkpointLocation); see examples/streaming-test.yaml`,
      { details: { file: filename } },
    )
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SluiceError(
      ConfigCode.VALUE,
      `job file ${filename} must be a mapping of options (name:, source:, schema:, sink: ...) at the top level, but it is ${Array.isArray(value) ? 'a list' : `the scalar ${JSON.stringify(value)}`}`,
      { details: { file: filename } },
    )
  }
  return value as Record<string, unknown>
}
