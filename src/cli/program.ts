/**
 * The command tree of `sluice`: commander's Command with every sub-command registered, and the
 * translation of commander's outcomes (help shown, version shown, usage error) into exit codes.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import type { SluiceError } from '../errors.js'
import { registerLoadgenCommand } from './loadgen.js'
import { registerRunCommands } from './run.js'
import { registerTuneCommand } from './tune.js'

/** Exit codes, documented in docs/cli.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, rateMissed: 3 } as const

/** SluiceError codes that mean "the command line was wrong": exit 2 and show the command's help. */
export const USAGE_CODES: ReadonlySet<string> = new Set(['SLUICE_CLI_USAGE', 'SLUICE_LOADGEN_BAD_ARG'])

/** The package version (package.json sits three levels above dist/src/cli/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export interface Cli {
  program: Command
  /** Parses and runs; resolves with the exit code. Rejects with what an action threw. */
  main(argv: string[]): Promise<number>
  /** The help text of the command that raised a usage error. */
  helpFor(err: SluiceError): string
}

export function createProgram(): Cli {
  let code: number = EXIT.ok
  const done = (c: number): void => {
    code = c
  }
  const program = new Command('sluice')
    .description("Land Kafka JSON records in S3 as partitioned files, with Spark Structured Streaming's semantics and on-disk formats.")
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for the command')
    .addHelpText('after', '\nExit codes: 0 done, 1 failed, 2 wrong usage, 3 loadgen could not hold the target rate.\nEvery flag and exit code: docs/cli.md. Run `sluice <command> --help` for a command\'s flags.')
  registerRunCommands(program, done)
  registerLoadgenCommand(program, done)
  registerTuneCommand(program, done)

  let active: Command = program
  program.hook('preAction', (_root, actionCommand) => {
    active = actionCommand
  })
  for (const command of [program, ...program.commands]) {
    const name = command === program ? 'sluice' : `sluice ${command.name()}`
    command
      .exitOverride()
      .showHelpAfterError()
      .configureOutput({
        // "error: unknown option '--x'\n(Did you mean --y?)" → one line with the code.
        outputError: (text, write) => write(`${name}: ${text.replace(/^error: /, '').trim().replace(/\n/g, ' ')} [SLUICE_CLI_USAGE]\n`),
      })
  }

  return {
    program,
    async main(argv) {
      if (argv.length === 0) {
        process.stdout.write(program.helpInformation())
        return EXIT.usage
      }
      try {
        await program.parseAsync(argv, { from: 'user' })
      } catch (err) {
        if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage
        throw err
      }
      return code
    },
    helpFor() {
      return active.helpInformation()
    },
  }
}
