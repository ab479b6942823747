/**
 * The first line of every Spark metadata log file: `v<N>` (MetadataVersionUtil.validateVersion).
 *
 *   file    := version-line ( '\n' line )* [ '\n' ]
 *   version := 'v' digits            -- sluice reads and writes v1 only
 *
 * Offsets and commit files end without a newline, Spark 2.1 sink-log files end with one; both
 * are read. '\r' before a '\n' is dropped (Scala's getLines does the same).
 */

import { SluiceError } from '../errors.js'

/** The only log version Spark 3.5 writes for offsets, commits, the sink log and sources/0/0. */
export const LOG_VERSION = 1

/**
 * Splits a log file into lines the way Scala's `Source.getLines` does: a trailing newline does
 * not produce an extra empty line, `\r\n` counts as one line break.
 */
export function splitLogLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1)
  }
  return lines
}

/**
 * Checks a `v1` line. `codePrefix` is `SLUICE_CHECKPOINT` or `SLUICE_SINK_LOG`; the codes are
 * `<prefix>_VERSION` (a newer format) and `<prefix>_CORRUPT` (no version line at all).
 */
export function validateVersion(
  line: string | undefined,
  where: string,
  codePrefix: 'SLUICE_CHECKPOINT' | 'SLUICE_SINK_LOG',
): void {
  const m = line === undefined ? null : /^v(\d+)$/.exec(line.trim())
  if (m === null) {
    throw new SluiceError(
      `${codePrefix}_CORRUPT`,
      `${where} does not start with a log version line like "v1" (found ${JSON.stringify(
        (line ?? '').slice(0, 40),
      )}): the file is empty, truncated or not a Spark metadata log. Restore it from a backup, ` +
        'or delete it if it is the newest entry and its batch was never committed.',
      { details: { where, firstLine: (line ?? '').slice(0, 200) } },
    )
  }
  const version = Number(m[1])
  if (version > LOG_VERSION || version < 1) {
    throw new SluiceError(
      `${codePrefix}_VERSION`,
      `${where} has log version v${version}, but sluice reads v${LOG_VERSION} only: the file was ` +
        'written by a newer Spark (or another tool) in a format sluice does not know. Run this ' +
        'query with the program that wrote it, or start sluice on a new checkpoint and output path.',
      { details: { where, version, supported: LOG_VERSION } },
    )
  }
}

/** Parses one JSON line, turning a syntax error into `<prefix>_CORRUPT` naming the file and line. */
export function parseJsonLine(
  line: string,
  where: string,
  lineNo: number,
  codePrefix: 'SLUICE_CHECKPOINT' | 'SLUICE_SINK_LOG',
): unknown {
  try {
    return JSON.parse(line)
  } catch (cause) {
    throw new SluiceError(
      `${codePrefix}_CORRUPT`,
      `${where} line ${lineNo} is not valid JSON (${(cause as Error).message}): the file was ` +
        'truncated or edited by hand. Restore it from a backup; if it is the newest entry and its ' +
        'batch was never committed, deleting it lets the batch run again.',
      { cause, details: { where, line: lineNo, text: line.slice(0, 200) } },
    )
  }
}

/** Batch id from a log file name (`17`, `19.compact`); null for anything else (`.17.crc`, temp files). */
export function batchIdFromName(name: string, allowCompact: boolean): number | null {
  let digits = name
  if (allowCompact && name.endsWith('.compact')) digits = name.slice(0, -'.compact'.length)
  if (!/^\d{1,15}$/.test(digits)) return null
  return Number(digits)
}
