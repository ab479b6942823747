/**
 * One `_spark_metadata` entry (FileStreamSinkLog, CompactibleFileStreamLog.serialize in Spark 3.5):
 *
 *   file   := 'v1' ( '\n' status-json )*          -- Spark 3.5 writes no trailing newline;
 *                                                    Spark 2.1 files end with one: both are read
 *   status := {"path":…,"size":…,"isDir":…,"modificationTime":…,"blockReplication":…,
 *              "blockSize":…,"action":"add"|"delete"}   -- this key order, as json4s writes it
 *
 * A batch with no files is just `v1`.
 */

import { SluiceError } from '../errors.js'
import { parseJsonLine, splitLogLines, validateVersion } from './log-version.js'

export interface SinkFileStatus {
  /** Fully qualified, URI-encoded (`s3a://bkt/out/dt=2024-01-01/part-00000-…-c000.json`). */
  path: string
  size: number
  isDir: boolean
  modificationTime: number
  blockReplication: number
  blockSize: number
  action: 'add' | 'delete'
}

/** Serialises one status with the exact key order Spark writes. */
export function serializeSinkFileStatus(f: SinkFileStatus): string {
  return (
    `{"path":${JSON.stringify(f.path)},"size":${f.size},"isDir":${f.isDir},` +
    `"modificationTime":${f.modificationTime},"blockReplication":${f.blockReplication},` +
    `"blockSize":${f.blockSize},"action":${JSON.stringify(f.action)}}`
  )
}

export function serializeSinkLog(files: readonly SinkFileStatus[]): string {
  const parts = new Array<string>(files.length + 1)
  parts[0] = 'v1'
  for (let i = 0; i < files.length; i++) parts[i + 1] = serializeSinkFileStatus(files[i]!)
  return parts.join('\n')
}

function corrupt(where: string, lineNo: number, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_SINK_LOG_CORRUPT',
    `${where} line ${lineNo}: ${why}. The sink log entry was edited by hand or written by another ` +
      'tool. Restore it from a backup; Spark readers of this output fail on it as well.',
    { details: { where, line: lineNo } },
  )
}

/** Reads an entry; unknown keys are ignored, missing numeric keys read as 0 (json4s defaults). */
export function parseSinkLog(text: string, where: string): SinkFileStatus[] {
  const lines = splitLogLines(text)
  validateVersion(lines[0], where, 'SLUICE_SINK_LOG')
  const out: SinkFileStatus[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    const v = parseJsonLine(line, where, i + 1, 'SLUICE_SINK_LOG')
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw corrupt(where, i + 1, 'not a JSON object')
    }
    const o = v as Record<string, unknown>
    if (typeof o['path'] !== 'string') throw corrupt(where, i + 1, 'no string "path"')
    const action = o['action'] ?? 'add'
    if (action !== 'add' && action !== 'delete') {
      throw corrupt(where, i + 1, `action ${JSON.stringify(action)} is neither "add" nor "delete"`)
    }
    out.push({
      path: o['path'],
      size: typeof o['size'] === 'number' ? o['size'] : 0,
      isDir: o['isDir'] === true,
      modificationTime: typeof o['modificationTime'] === 'number' ? o['modificationTime'] : 0,
      blockReplication: typeof o['blockReplication'] === 'number' ? o['blockReplication'] : 0,
      blockSize: typeof o['blockSize'] === 'number' ? o['blockSize'] : 0,
      action,
    })
  }
  return out
}

/**
 * FileStreamSinkLog.compactLogs: drops every entry whose path has a `delete` action anywhere in
 * `logs` (the delete entries included). With `retentionMs`, also drops entries whose
 * modificationTime is older than `now - retentionMs` (the sink option `retention`).
 */
export function compactLogs(
  logs: readonly SinkFileStatus[],
  retentionMs?: number,
  now: number = Date.now(),
): SinkFileStatus[] {
  let deleted: Set<string> | null = null
  for (const f of logs) {
    if (f.action === 'delete') (deleted ??= new Set()).add(f.path)
  }
  const minTime = retentionMs === undefined ? -Infinity : now - retentionMs
  if (deleted === null && retentionMs === undefined) return logs.slice()
  const out: SinkFileStatus[] = []
  for (const f of logs) {
    if (deleted?.has(f.path)) continue
    if (f.modificationTime < minTime) continue
    out.push(f)
  }
  return out
}
