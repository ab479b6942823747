/**
 * Flag tables: each command lists its flags as data, one line per flag, so that `--help`, the
 * parser and docs/cli.md (checked by test/unit/cli-docs.test.ts) come from one place.
 */
import { type Command, Option } from 'commander'

export interface FlagSpec {
  /** Commander flag syntax: '--rate <r>', '-q, --quiet', '--header <k=v...>' (repeatable). */
  flags: string
  /** One line for --help. */
  help: string
  /** Appended as "(default: …)" in --help; the value itself is applied by the command. */
  defaultHelp?: string
  /** Allowed values, checked by commander ("error: option '--x <v>' argument 'y' is invalid"). */
  choices?: readonly string[]
  /** May be given several times; the values are collected in a list. */
  repeatable?: boolean
}

export function addFlags(command: Command, specs: readonly FlagSpec[]): Command {
  for (const spec of specs) {
    const help = spec.defaultHelp === undefined ? spec.help : `${spec.help} (default: ${spec.defaultHelp})`
    const option = new Option(spec.flags, help)
    if (spec.choices !== undefined) option.choices(spec.choices)
    if (spec.repeatable === true) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    command.addOption(option)
  }
  return command
}

/** The "Examples:" block appended to a command's --help. */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`
}
