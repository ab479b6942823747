/** Runs the sluice CLI as a child process, the way a user does (`npx sluice …`). */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs to completion (or until timeoutMs, then SIGKILL). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null
        resolve({
          code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
          signal: e?.signal ?? null,
          stdout,
          stderr,
        })
      },
    )
  })
}

export function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Parsed pino lines of a run's stdout. */
export function logLines(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      out.push(JSON.parse(line) as Record<string, unknown>)
    } catch {}
  }
  return out
}

export interface ProducedRecord {
  partition: number
  offset: number
  timestamp: number
  value: string
}

/** Reads every record of a topic with kcat (librdkafka): an independent view of what was produced. */
export function readTopicWithKcat(bootstrap: string, topic: string): Promise<ProducedRecord[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%T\t%s\n'],
      { maxBuffer: 1024 * 1024 * 1024 },
      (err, stdout) => {
        if (err) {
          reject(err)
          return
        }
        const out: ProducedRecord[] = []
        for (const line of stdout.split('\n')) {
          if (line === '') continue
          const [p, o, t, ...v] = line.split('\t')
          out.push({ partition: Number(p), offset: Number(o), timestamp: Number(t), value: v.join('\t') })
        }
        resolve(out)
      },
    )
  })
}
