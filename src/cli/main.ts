#!/usr/bin/env node
/**
 * `sluice run <job.yaml> [--trigger availableNow|once|'2 seconds']` runs a job;
 * `sluice check <job.yaml>` validates it without connecting anywhere;
 * `sluice loadgen …` produces test records.
 * Every failure exits non-zero with one paragraph on stderr: what, why, what to do.
 */
import { isSluiceError } from '../errors.js'
import { runCommand, checkCommand } from './run.js'
import { loadgenCommand } from './loadgen.js'

// The AWS SDK warns on Node < 22 from every thread; sluice supports Node 20 with the SDK version
// its lockfile pins (README, "Requirements"), so the warning is noise in every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const USAGE = `usage:
  sluice run <job.yaml|job.json> [--trigger availableNow|once|'<n> seconds']
  sluice check <job.yaml|job.json> [--trigger …]
  sluice loadgen --bootstrap <host:port> --topic <name> [--partitions N] [--rate R] [--count N | --duration S] …
  sluice help`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'run':
      return runCommand(rest)
    case 'check':
      return checkCommand(rest)
    case 'loadgen':
      return loadgenCommand(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`sluice: unknown command '${command}'.\n${USAGE}\n`)
      return 2
  }
}

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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    reportFailure(err)
    process.exitCode = 1
  },
)
