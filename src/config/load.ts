/**
 * loadJob / parseJob: job file → validated, normalised {@link JobConfig}, or one SluiceError that
 * lists every problem found (field path, what is wrong, the fix). Steps: parse (YAML/JSON) →
 * `${VAR}` interpolation → key check (unknown / unsupported keys) → value validation per section →
 * cross-field rules and defaults.
 */
import { readFile } from 'node:fs/promises'
import { SluiceError } from '../errors.js'
import { type Env, interpolate } from './interpolate.js'
import { checkKeys, isMap } from './keys.js'
import { normalize } from './normalize.js'
import { parseText } from './parse-text.js'
import { ConfigCode, Problems } from './problems.js'
import type { JobConfig } from './types.js'

export interface ParseJobOptions {
  /** Variables for `${VAR}`; default process.env. */
  env?: Env | undefined
  /** CLI --trigger (overrides sink.trigger). */
  trigger?: string | undefined
  /** For messages; default `<job>`. */
  filename?: string | undefined
}

export function parseJob(text: string, opts: ParseJobOptions = {}): JobConfig {
  const filename = opts.filename ?? '<job>'
  const root = parseText(text, filename)
  const problems = new Problems(filename)
  const { value, emptied } = interpolate(root, opts.env ?? process.env, problems)
  const checked = checkKeys(isMap(value) ? value : {}, problems)
  const job = normalize(checked, { trigger: opts.trigger, emptied }, problems)
  problems.throwIfAny()
  if (job === undefined) {
    // normalize() reports a problem for every path that yields undefined; this is a guard.
    throw new SluiceError(ConfigCode.INVALID, `job file ${filename} could not be validated`, {
      details: { file: filename },
    })
  }
  return job
}

export async function loadJob(
  file: string,
  opts: { env?: Env | undefined; trigger?: string | undefined } = {},
): Promise<JobConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as { code?: unknown }).code
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : String((err as Error).message)
    throw new SluiceError(
      ConfigCode.READ,
      `cannot read job file ${file}: ${why}. Pass the path of a YAML or JSON job file (see examples/streaming-test.yaml).`,
      { cause: err, details: { file } },
    )
  }
  return parseJob(text, { ...opts, filename: file })
}
