/**
 * One error type for everything a user can meet. Identify errors by `code`, never by
 * `instanceof`: errors cross worker-thread boundaries as plain data ({@link SerializedError})
 * and lose their class there. Every message says what happened, why, and what to do; the codes
 * are one table (src/error-codes/), from which `docs/errors.md` is generated.
 */
import { ERROR_CODES, type ErrorCode, type RetriableFor } from './error-codes/index.js'

export { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes/index.js'

export interface SluiceErrorOptions<C extends ErrorCode = ErrorCode> {
  /**
   * Safe to retry the operation that failed (a broker moved, a request timed out). Defaults to
   * the table's value; a boolean expression is accepted only for codes the table marks
   * `'depends'`.
   */
  retriable?: RetriableFor<C>
  cause?: unknown
  /** Machine-readable facts for logs and tests (batch ids, paths, offsets). */
  details?: Record<string, unknown>
}

class SluiceErrorClass extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SluiceError'
    this.code = code
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable === true
    this.details = options.details ?? {}
  }
}

/**
 * The class, with a constructor generic in the code (a class constructor cannot be), so that
 * `options.retriable` is checked against that code's table entry.
 */
export const SluiceError: new <C extends ErrorCode>(
  code: C,
  message: string,
  options?: SluiceErrorOptions<C>,
) => SluiceErrorClass = SluiceErrorClass
export type SluiceError = SluiceErrorClass

/** An error as it crosses a thread boundary. */
export interface SerializedError {
  code: ErrorCode
  message: string
  retriable: boolean
  details: Record<string, unknown>
  stack?: string | undefined
}

export function isSluiceError(err: unknown, code?: ErrorCode): err is SluiceError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code.startsWith('SLUICE_') &&
    (code === undefined || (err as { code: string }).code === code)
  )
}

/** Turns any thrown value into plain data that survives postMessage. */
export function serializeError(err: unknown): SerializedError {
  if (isSluiceError(err)) {
    return {
      code: err.code,
      message: err.message,
      retriable: err.retriable,
      details: err.details ?? {},
      stack: err.stack,
    }
  }
  const e = err instanceof Error ? err : new Error(String(err))
  const code = (e as { code?: unknown }).code
  return {
    code: 'SLUICE_INTERNAL',
    message: `${e.name}: ${e.message}${typeof code === 'string' ? ` (${code})` : ''}`,
    // Programmer errors are never retried.
    retriable: false,
    details: {},
    stack: e.stack,
  }
}

export function deserializeError(data: SerializedError): SluiceError {
  const err = new SluiceError(data.code, data.message, {
    retriable: data.retriable,
    details: data.details,
  })
  if (data.stack) err.stack = data.stack
  return err
}
