/**
 * Spark itself as a test peer: one PySpark process (test/spark/spark_peer.py, one SparkSession,
 * local[2]) per test file, driven over stdin/stdout. Installed by `make spark-deps` (mk/spark.mk):
 * pyspark in .venv/, the Kafka connector jars in .cache/spark-jars/. A missing install is an error
 * that names the make target, never a skip.
 *
 *   const spark = await startSpark()
 *   const { lines } = await spark.request<{ lines: string[] }>({ op: 'read_json', path })
 *   await spark.stop()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { repoRoot } from './sluice-process.js'

export const SPARK_PYTHON = join(repoRoot, '.venv', 'bin', 'python')
export const SPARK_JARS_DIR = join(repoRoot, '.cache', 'spark-jars')
const PEER = join(repoRoot, 'test', 'spark', 'spark_peer.py')
const PREFIX = '@@peer '

export interface SparkPeer {
  readonly version: string
  /** Sends one request; resolves with its `ok` payload, rejects with Spark's traceback. */
  request<T = Record<string, unknown>>(req: Record<string, unknown>, timeoutMs?: number): Promise<T>
  /** The last lines Spark wrote to stderr (for assertion messages). */
  stderrTail(): string
  stop(): Promise<void>
}

/** The connector jars as a `spark.jars` comma list. */
export function sparkKafkaJars(): string {
  if (!existsSync(SPARK_PYTHON) || !existsSync(SPARK_JARS_DIR)) {
    throw new Error(
      `Spark is not installed for the interop tests: ${SPARK_PYTHON} or ${SPARK_JARS_DIR} is missing. ` +
        'Run `make spark-deps` (pyspark from PyPI into .venv/, the Kafka connector jars from Maven Central); `make test` does it.',
    )
  }
  return readdirSync(SPARK_JARS_DIR)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(SPARK_JARS_DIR, f))
    .join(',')
}

export async function startSpark(o: { env?: Record<string, string>; startTimeoutMs?: number } = {}): Promise<SparkPeer> {
  const jars = sparkKafkaJars()
  const child: ChildProcess = spawn(SPARK_PYTHON, [PEER], {
    cwd: repoRoot,
    env: { ...process.env, TZ: 'UTC', PYSPARK_PYTHON: SPARK_PYTHON, SPARK_KAFKA_JARS: jars, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const onExit = (): void => {
    child.kill('SIGKILL')
  }
  process.on('exit', onExit)
  let stderr = ''
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000)
  })
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = []
  let exited: Error | null = null
  child.on('exit', (code, signal) => {
    exited = new Error(`the Spark peer exited (code ${code}, signal ${signal}); its stderr ends with:\n${stderr.slice(-4000)}`)
    for (const w of waiting.splice(0)) w.reject(exited)
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith(PREFIX)) return
    const w = waiting.shift()
    if (w === undefined) return
    const msg = JSON.parse(line.slice(PREFIX.length)) as { ok?: unknown; error?: string }
    if (msg.error !== undefined) w.reject(new Error(`Spark failed:\n${msg.error}`))
    else w.resolve(msg.ok)
  })
  const next = (timeoutMs: number): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (exited) {
        reject(exited)
        return
      }
      const timer = setTimeout(() => reject(new Error(`no answer from Spark within ${timeoutMs} ms; stderr:\n${stderr.slice(-4000)}`)), timeoutMs)
      waiting.push({
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
    })
  let ready: { version: string }
  try {
    ready = (await next(o.startTimeoutMs ?? 120_000)) as { version: string }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  let chain: Promise<unknown> = Promise.resolve()
  return {
    version: ready.version,
    request<T>(req: Record<string, unknown>, timeoutMs = 180_000): Promise<T> {
      const p = chain.then(() => {
        const answer = next(timeoutMs)
        child.stdin!.write(JSON.stringify(req) + '\n')
        return answer
      })
      chain = p.catch(() => undefined)
      return p as Promise<T>
    },
    stderrTail: () => stderr.slice(-4000),
    async stop() {
      process.off('exit', onExit)
      if (child.exitCode !== null || child.signalCode !== null) return
      const done = new Promise((r) => child.once('exit', r))
      child.stdin!.end()
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await done
      clearTimeout(t)
    },
  }
}
