/** The state of an ObjectWriter, shared by the S3 and file writers. */
import { SluiceError } from '../errors.js'

export type WriterState = 'open' | 'closed' | 'aborted'

/** Throws SLUICE_STORE_WRITER_CLOSED unless the writer of `key` is still open. */
export function checkWriterOpen(state: WriterState, op: string, key: string): void {
  if (state !== 'open') {
    throw new SluiceError(
      'SLUICE_STORE_WRITER_CLOSED',
      `${op}() on the writer of ${key} after it was ${state}: this is a bug in the ` +
        'caller (a file is written after its batch finished); please report it.',
      { details: { key, state } },
    )
  }
}
