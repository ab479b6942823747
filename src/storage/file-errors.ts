/**
 * Node fs errors of the file:// store → SluiceError.
 *   EACCES, EPERM, EROFS                → SLUICE_FILE_ACCESS (not retriable)
 *   EMFILE, ENFILE, EAGAIN, EBUSY, EIO  → SLUICE_FILE_IO     (retriable)
 *   ENOSPC, EDQUOT                       → SLUICE_FILE_NO_SPACE (not retriable)
 *   anything else (ENOTDIR, EEXIST from mkdir, …) → SLUICE_FILE_IO (not retriable)
 * SluiceErrors and programmer errors pass through.
 */

import { SluiceError } from '../errors.js'

const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO'])
const ACCESS = new Set(['EACCES', 'EPERM', 'EROFS'])

export function mapFsError(err: unknown, op: string, path: string): unknown {
  if (err instanceof SluiceError || err instanceof TypeError || err instanceof RangeError) {
    return err
  }
  const code = (err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN'
  const message = (err as Error)?.message ?? String(err)
  const details = { op, path, errno: code }
  if (ACCESS.has(code)) {
    return new SluiceError(
      'SLUICE_FILE_ACCESS',
      `${op} ${path} failed (${message}): this process (uid ${process.getuid?.() ?? '?'}) may not ` +
        'write there. Fix the directory permissions, or choose another location.',
      { cause: err, details },
    )
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new SluiceError(
      'SLUICE_FILE_NO_SPACE',
      `${op} ${path} failed (${message}): the file system is full${code === 'EDQUOT' ? ' (disk quota)' : ''}. ` +
        'Nothing of the batch in flight is committed. Free space or grow the volume (or move the ' +
        'location), then start sluice again: it re-runs the batch, and every record lands once.',
      { cause: err, details },
    )
  }
  const hint =
    code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST'
        ? 'a file stands where a directory is needed (or the reverse): remove it or fix the location'
        : 'check the file system'
  return new SluiceError('SLUICE_FILE_IO', `${op} ${path} failed (${message}): ${hint}.`, {
    cause: err,
    details,
    retriable: TRANSIENT.has(code),
  })
}
