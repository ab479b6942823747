/**
 * A full disk under a file:// sink or checkpoint is its own error (SLUICE_FILE_NO_SPACE) that says
 * what (the operation and path), why (the file system is full) and what to do; the real ENOSPC of a
 * full tmpfs is in test/integration/file-sink-temp-files.test.ts.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSluiceError } from '../../src/errors.js'
import { mapFsError } from '../../src/storage/file-errors.js'

function fsError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code })
}

test('ENOSPC and EDQUOT: SLUICE_FILE_NO_SPACE naming the operation and path, not retriable, with the fix', () => {
  for (const [code, extra] of [['ENOSPC', ''], ['EDQUOT', ' (disk quota)']] as const) {
    const err = mapFsError(fsError(code, `${code}: no space left on device, write`), 'write', '/data/out/part-00000.json')
    assert.ok(isSluiceError(err, 'SLUICE_FILE_NO_SPACE'), String(err))
    assert.equal(err.retriable, false)
    assert.deepEqual(err.details, { op: 'write', path: '/data/out/part-00000.json', errno: code })
    assert.match(err.message, new RegExp(`^write /data/out/part-00000\\.json failed \\(${code}: no space left on device, write\\): the file system is full${extra.replace(/[()]/g, '\\$&')}\\. Nothing of the batch in flight is committed\\. Free space or grow the volume`))
    assert.match(err.message, /start sluice again: it re-runs the batch, and every record lands once\.$/)
  }
})

test('other errors keep their codes: EIO retriable SLUICE_FILE_IO, EACCES SLUICE_FILE_ACCESS', () => {
  const io = mapFsError(fsError('EIO', 'EIO: i/o error'), 'read', '/x')
  assert.ok(isSluiceError(io, 'SLUICE_FILE_IO') && io.retriable)
  assert.ok(isSluiceError(mapFsError(fsError('EACCES', 'EACCES'), 'open', '/x'), 'SLUICE_FILE_ACCESS'))
})
