/**
 * Node fs errors of the file:// store → SluiceError.
 *   EACCES, EPERM, EROFS                → SLUICE_FILE_ACCESS (not retriable)
 *   EMFILE, ENFILE, EAGAIN, EBUSY, EIO  → SLUICE_FILE_IO     (retriable)
 *   anything else (ENOSPC, ENOTDIR, EEXIST from mkdir, …) → SLUICE_FILE_IO (not retriable)
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
  const hint =
    code === 'ENOSPC'
      ? 'the disk is full: free space or move the location'
      : code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST'
        ? 'a file stands where a directory is needed (or the reverse): remove it or fix the location'
        : 'check the file system'
  return new SluiceError('SLUICE_FILE_IO', `${op} ${path} failed (${message}): ${hint}.`, {
    cause: err,
    details,
    retriable: TRANSIENT.has(code),
  })
}
