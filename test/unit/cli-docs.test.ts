/**
 * The command line helps itself: --help on every command (with examples), --version, usage
 * errors that name the bad flag and show the help with exit 2; and docs/cli.md lists exactly the
 * flags each command's --help shows. Runs the built CLI as a user does (no Kafka, no S3 needed).
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import zlib from 'node:zlib'
import { isSluiceError } from '../../src/errors.js'
import { parseLoadgenArgs } from '../../src/loadgen/index.js'
import { repoRoot, runCli } from '../helpers/sluice-process.js'

const COMMANDS = ['run', 'check', 'loadgen', 'tune']

/** The long flags of a --help text's "Options:" section, without --help. */
function helpFlags(help: string): string[] {
  const options = help.split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? ''
  const flags = [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!)
  return flags.filter((f) => f !== '--help').sort()
}

/** The flags in the table of docs/cli.md's section for a command. */
function docFlags(doc: string, command: string): string[] {
  const section = doc.split(new RegExp(`^## \`sluice ${command}\`$`, 'm'))[1]?.split(/^## /m)[0]
  assert.ok(section !== undefined, `docs/cli.md has a section for sluice ${command}`)
  return [...section.matchAll(/^\| `(--[a-z][a-z-]*)/gm)].map((m) => m[1]!).sort()
}

test('every command has --help with examples, and docs/cli.md lists exactly its flags', async () => {
  const doc = await readFile(join(repoRoot, 'docs', 'cli.md'), 'utf8')
  for (const command of COMMANDS) {
    const r = await runCli([command, '--help'], {})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^Usage: sluice ${command} `), command)
    assert.match(r.stdout, /\nExamples:\n {2}sluice /, `${command} --help shows examples`)
    const fromHelp = helpFlags(r.stdout)
    assert.ok(fromHelp.length >= 1, `${command} --help lists flags`)
    assert.deepEqual(docFlags(doc, command), fromHelp, `docs/cli.md and sluice ${command} --help list the same flags`)
  }
  const top = await runCli(['--help'], {})
  assert.equal(top.code, 0)
  const listed = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help')
  assert.deepEqual(listed.sort(), [...COMMANDS].sort(), 'sluice --help lists the commands')
  const documented = [...doc.matchAll(/^\| `sluice ([a-z]+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help')
  assert.deepEqual(documented.sort(), [...COMMANDS].sort(), "docs/cli.md's command table lists the same commands")
})

test('the flag checker finds flags, so the comparison above cannot pass empty', () => {
  const help = 'Usage: x\n\nOptions:\n  --alpha <a>  one\n               (default: 1)\n  -b, --beta   two\n  -h, --help   help\n\nExamples:\n  --gamma\n'
  assert.deepEqual(helpFlags(help), ['--alpha', '--beta'])
  assert.deepEqual(docFlags('## `sluice x`\n\n| `--alpha <a>` | 1 | one |\n| `--beta` | | two |\n\n## `sluice y`\n| `--zeta` |', 'x'), ['--alpha', '--beta'])
})

test('--version prints the package version; help <command> works; no command shows the help with exit 2', async () => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag], {})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), pkg.version)
  }
  const h = await runCli(['help', 'loadgen'], {})
  assert.equal(h.code, 0)
  assert.match(h.stdout, /^Usage: sluice loadgen /)
  const none = await runCli([], {})
  assert.equal(none.code, 2)
  assert.match(none.stdout, /^Usage: sluice /)
})

test('usage errors name the bad flag or command, show the usage, carry a code and exit 2', async () => {
  const cases: [string[], RegExp, RegExp][] = [
    [['run', 'job.yaml', '--trgger', 'once'], /^sluice run: unknown option '--trgger' \(Did you mean --trigger\?\) \[SLUICE_CLI_USAGE\]$/m, /Usage: sluice run \[options\] <job>/],
    [['check'], /^sluice check: missing required argument 'job' \[SLUICE_CLI_USAGE\]$/m, /Usage: sluice check/],
    [['run', 'a.yaml', 'b.yaml'], /too many arguments.*\[SLUICE_CLI_USAGE\]/, /Usage: sluice run/],
    [['frob'], /^sluice: unknown command 'frob' \[SLUICE_CLI_USAGE\]$/m, /Usage: sluice \[options\] \[command\]/],
    [['loadgen', '--bootstrap', 'h:1', '--topic', 't', '--count', '1', '--colour', 'red'], /unknown option '--colour'.*\[SLUICE_CLI_USAGE\]/, /Usage: sluice loadgen/],
    [['loadgen', '--bootstrap', 'h:1', '--topic', 't', '--count', '1', '--rate', 'fast'], /^sluice: loadgen --rate: expected a number >= 0, got 'fast'; fix the value \[SLUICE_LOADGEN_BAD_ARG\]$/m, /Usage: sluice loadgen/],
    [['loadgen', '--bootstrap', 'h:1', '--topic', 't', '--count', '1', '--compression', 'brotli'], /'--compression <codec>' argument 'brotli' is invalid.*none, gzip, snappy, lz4, zstd/, /Usage: sluice loadgen/],
    [['loadgen', '--topic', 't', '--count', '1'], /loadgen --bootstrap: is required.*\[SLUICE_LOADGEN_BAD_ARG\]/, /Usage: sluice loadgen/],
    [['loadgen', '--bootstrap', 'h:1', '--topic', 't', '--count', '1', '--rate-profile', 'ramp:1:2'], /--rate-profile: cannot use 'ramp:1:2': expected ramp:FROM:TO:SECONDS/, /Usage: sluice loadgen/],
  ]
  for (const [args, error, usage] of cases) {
    const r = await runCli(args, {})
    assert.equal(r.code, 2, `${args.join(' ')}: exit 2\n${r.stderr}`)
    assert.match(r.stderr, error, args.join(' '))
    assert.match(r.stderr, usage, `${args.join(' ')} shows the usage`)
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  }
})

test('zstd is refused with the reason where node:zlib has no zstd, accepted where it has', () => {
  const argv = ['--bootstrap', 'h:1', '--topic', 't', '--count', '1', '--compression', 'zstd']
  if (typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function') {
    assert.equal(parseLoadgenArgs(argv).compression, 'zstd')
  } else {
    assert.throws(() => parseLoadgenArgs(argv), (e: unknown) => isSluiceError(e, 'SLUICE_LOADGEN_BAD_ARG') && /zstd needs Node\.js >= 22\.15/.test(e.message))
  }
})
