#!/usr/bin/env node
/**
 * The `sluice` command line, built with commander (README, "Dependencies"). Commands: run, check,
 * loadgen, each with --help and examples; `sluice --version`. Exit codes (docs/cli.md):
 * 0 done, 1 failed (one paragraph on stderr: what, why, what to do, [SLUICE_*]), 2 wrong usage
 * (the bad flag named, then the command's help), 3 loadgen could not hold the target rate.
 */
import { isSluiceError } from '../errors.js'
import { createProgram, USAGE_CODES } from './program.js'

// The AWS SDK warns on Node < 22 from every thread; sluice supports Node 20 with the SDK version
// its lockfile pins (README, "Requirements"), so the warning is noise in every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export function reportFailure(err: unknown): void {
  if (isSluiceError(err)) {
    process.stderr.write(`sluice: ${err.message} [${err.code}]\n`)
  } else {
    const e = err instanceof Error ? err : new Error(String(err))
    process.stderr.write(
      `sluice: unexpected internal error: ${e.message}. This is a bug in sluice; please report it with the stack below. [SLUICE_INTERNAL]\n${e.stack ?? ''}\n`,
    )
  }
}

const cli = createProgram()
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    reportFailure(err)
    if (isSluiceError(err) && USAGE_CODES.has(err.code)) {
      process.stderr.write(`\n${cli.helpFor(err)}`)
      process.exitCode = 2
    } else {
      process.exitCode = 1
    }
  },
)
