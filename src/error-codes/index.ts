/**
 * The error table: every `SLUICE_*` code sluice raises, with whether it is retriable, a one-line
 * meaning, what it means in full and what to do. `SluiceError` (src/errors.ts) accepts only a
 * code of this table, takes its `retriable` default from it, and lets a site pass a boolean only
 * for a `'depends'` code, so tsc rejects a code or a retriable flag the table does not back.
 * docs/errors.md is generated from it (`node dist/tools/gen-errors-doc.js`); a unit test fails
 * when the doc is stale. Plain data: worker threads load it with src/errors.ts.
 */
import { CHECKPOINT_AREA, CHECKPOINT_CODES } from './checkpoint.js'
import { CONFIG_AREA, CONFIG_CODES } from './config.js'
import { KAFKA_AREA, KAFKA_CODES } from './kafka.js'
import { KAFKA_SECURITY_CODES } from './kafka-security.js'
import { CLI_AREA, CLI_CODES, INTERNAL_AREA, INTERNAL_CODES, MONITORING_AREA, MONITORING_CODES, RECORDS_AREA, RECORDS_CODES } from './other.js'
import { STORAGE_AREA, STORAGE_CODES } from './storage.js'
import type { ErrorArea, ErrorCodeInfo } from './types.js'

export type { ErrorArea, ErrorCodeInfo } from './types.js'

export const ERROR_CODES = {
  ...CONFIG_CODES,
  ...KAFKA_CODES,
  ...KAFKA_SECURITY_CODES,
  ...STORAGE_CODES,
  ...CHECKPOINT_CODES,
  ...RECORDS_CODES,
  ...CLI_CODES,
  ...MONITORING_CODES,
  ...INTERNAL_CODES,
} as const satisfies Record<string, ErrorCodeInfo>

export type ErrorCode = keyof typeof ERROR_CODES

/** What a throw site may pass as `retriable` for `C`: the table's value, or any boolean for `'depends'`. */
export type RetriableFor<C extends ErrorCode> = (typeof ERROR_CODES)[C]['retriable'] extends infer R
  ? R extends 'depends'
    ? boolean
    : R
  : never

/** The areas in the doc's order, each with its codes in the table's order. */
export const ERROR_AREAS: readonly { area: ErrorArea; codes: Readonly<Record<string, ErrorCodeInfo>> }[] = [
  { area: CONFIG_AREA, codes: CONFIG_CODES },
  { area: KAFKA_AREA, codes: { ...KAFKA_CODES, ...KAFKA_SECURITY_CODES } },
  { area: STORAGE_AREA, codes: STORAGE_CODES },
  { area: CHECKPOINT_AREA, codes: CHECKPOINT_CODES },
  { area: RECORDS_AREA, codes: RECORDS_CODES },
  { area: CLI_AREA, codes: CLI_CODES },
  { area: MONITORING_AREA, codes: MONITORING_CODES },
  { area: INTERNAL_AREA, codes: INTERNAL_CODES },
]

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}
