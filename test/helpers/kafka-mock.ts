/**
 * Starts librdkafka's mock Kafka cluster (tools/kafka-mock) as a child process for a test.
 *
 *   const kafka = await startKafkaMock({ brokers: 3, topics: [{ name: 't', partitions: 8 }] })
 *   // kafka.bootstrap = '127.0.0.1:41234,127.0.0.1:40021,127.0.0.1:39877'
 *   await kafka.command('broker-down 2')   // rejects when the launcher answers ERR
 *   await kafka.stop()
 *
 * The launcher is built on first use (tools/kafka-mock/build.sh) when the binary is missing or
 * older than its source. Set KAFKA_MOCK_BIN to use another binary. The child never outlives the
 * test process: its stdin is a pipe from us, and EOF on stdin (our exit or crash) makes it exit;
 * a process 'exit' hook also kills any child still running. The child and its pipes are
 * unref'd, so a test that forgets stop() does not hang the runner.
 *
 * Commands (see tools/kafka-mock/kafka-mock.c): ping, topic <name> <n>, broker-down <id>,
 * broker-up <id>, rtt <id> <ms>, leader <topic> <partition> <id>,
 * request-errors <apikey> <count> <err>, clear-request-errors <apikey>, topic-error <topic> <err>,
 * coordinator group <groupId> <id>. Broker ids run from 1 to `brokers`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface KafkaMockTopic {
  name: string
  partitions: number
}

export interface KafkaMockOptions {
  /** Number of brokers, ids 1..brokers. Default 1. */
  brokers?: number
  /** Topics created before the bootstrap line is printed. */
  topics?: KafkaMockTopic[]
  /** How long to wait for the launcher to print its bootstrap list. Default 15 s. */
  startTimeoutMs?: number
  /** How long to wait for the answer to one command. Default 10 s. */
  commandTimeoutMs?: number
}

export interface KafkaMock {
  /** `host:port,...` of all brokers, for kafkajs `brokers` (split on ',') or kcat `-b`. */
  readonly bootstrap: string
  /** The same list, split. */
  readonly brokers: string[]
  readonly pid: number
  /** Sends one command line; resolves on OK, rejects with the launcher's reason on ERR. */
  command(line: string): Promise<void>
  createTopic(name: string, partitions: number): Promise<void>
  /** Ends the launcher (stdin EOF) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>
}

interface Waiter {
  line: string
  resolve: () => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

function findToolDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'tools', 'kafka-mock')
    if (existsSync(join(candidate, 'kafka-mock.c'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) {
      throw new Error(
        `kafka-mock: tools/kafka-mock/kafka-mock.c not found above ${fileURLToPath(import.meta.url)}; run the tests from a sluice checkout or set KAFKA_MOCK_BIN`,
      )
    }
    dir = parent
  }
}

let buildOnce: Promise<string> | undefined

/** Path of a built launcher; builds it once per process when missing or stale. */
export function kafkaMockBinary(): Promise<string> {
  const override = process.env.KAFKA_MOCK_BIN
  if (override) return Promise.resolve(override)
  buildOnce ??= new Promise<string>((resolve, reject) => {
    const dir = findToolDir()
    const bin = join(dir, 'kafka-mock')
    const src = join(dir, 'kafka-mock.c')
    if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) {
      resolve(bin)
      return
    }
    execFile(join(dir, 'build.sh'), [], (err, _stdout, stderr) => {
      if (err) {
        reject(new Error(`kafka-mock: building ${bin} failed: ${stderr.trim() || err.message}`))
      } else {
        resolve(bin)
      }
    })
  })
  return buildOnce
}

class KafkaMockProcess implements KafkaMock {
  readonly bootstrap: string
  readonly brokers: string[]
  readonly pid: number
  #child: ChildProcess
  #waiters: Waiter[] = []
  #stderrTail: string[]
  #commandTimeoutMs: number
  #exited: Promise<void>
  #closed = false

  constructor(
    child: ChildProcess,
    bootstrap: string,
    stderrTail: string[],
    exited: Promise<void>,
    commandTimeoutMs: number,
  ) {
    this.#child = child
    this.bootstrap = bootstrap
    this.brokers = bootstrap.split(',')
    this.pid = child.pid!
    this.#stderrTail = stderrTail
    this.#commandTimeoutMs = commandTimeoutMs
    this.#exited = exited
    exited.then(() => {
      this.#closed = true
      this.#failAll(new Error(`kafka-mock exited (pid ${this.pid})${this.#tail()}`))
    })
  }

  /** Called by the line reader for every stdout line after BOOTSTRAP. */
  onLine(line: string): void {
    const waiter = this.#waiters.shift()
    if (!waiter) return
    clearTimeout(waiter.timer)
    if (this.#waiters.length === 0) refStreams(this.#child, false)
    if (line === 'OK') waiter.resolve()
    else
      waiter.reject(
        new Error(`kafka-mock command '${waiter.line}' failed: ${line.replace(/^ERR /, '')}`),
      )
  }

  command(line: string): Promise<void> {
    if (/[\r\n]/.test(line)) {
      return Promise.reject(new Error(`kafka-mock command must be one line, got ${JSON.stringify(line)}`))
    }
    if (this.#closed || !this.#child.stdin?.writable) {
      return Promise.reject(new Error(`kafka-mock is stopped; cannot send '${line}'`))
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.findIndex((w) => w.timer === timer)
        if (i >= 0) this.#waiters.splice(i, 1)
        reject(
          new Error(
            `kafka-mock command '${line}' got no answer in ${this.#commandTimeoutMs} ms${this.#tail()}`,
          ),
        )
      }, this.#commandTimeoutMs)
      this.#waiters.push({ line, resolve, reject, timer })
      refStreams(this.#child, true)
      this.#child.stdin!.write(`${line}\n`)
    })
  }

  createTopic(name: string, partitions: number): Promise<void> {
    return this.command(`topic ${name} ${partitions}`)
  }

  async stop(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      refStreams(this.#child, true)
      this.#child.stdin?.end()
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000)
      await this.#exited
      clearTimeout(timer)
    }
    await this.#exited
  }

  #failAll(err: Error): void {
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer)
      w.reject(err)
    }
  }

  #tail(): string {
    const text = this.#stderrTail.join('').trim()
    return text ? `; its stderr ends with: ${text.slice(-1000)}` : ''
  }
}

function refStreams(child: ChildProcess, on: boolean): void {
  for (const s of [child.stdin, child.stdout, child.stderr]) {
    const sock = s as unknown as { ref?: () => void; unref?: () => void } | null
    if (on) sock?.ref?.()
    else sock?.unref?.()
  }
  if (on) child.ref()
  else child.unref()
}

/** Spawns a mock cluster and resolves once it prints its bootstrap list. */
export async function startKafkaMock(options: KafkaMockOptions = {}): Promise<KafkaMock> {
  const bin = await kafkaMockBinary()
  const args = ['--brokers', String(options.brokers ?? 1)]
  for (const t of options.topics ?? []) args.push('--topic', `${t.name}:${t.partitions}`)
  const startTimeoutMs = options.startTimeoutMs ?? 15_000

  installExitHook()
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  live.add(child)
  const stderrTail: string[] = []
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    stderrTail.push(chunk)
    while (stderrTail.length > 20) stderrTail.shift()
  })
  // EPIPE when the child is gone is reported through 'exit'; don't crash the test on it.
  child.stdin!.on('error', () => {})
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child)
      resolve()
    })
    child.once('error', () => {
      live.delete(child)
      resolve()
    })
  })

  // eslint-disable-next-line prefer-const -- read by the line handler below before it is assigned
  let mock: KafkaMockProcess | undefined
  const rl = createInterface({ input: child.stdout! })
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const tail = () => {
      const text = stderrTail.join('').trim()
      return text ? `; stderr: ${text.slice(-1000)}` : ''
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kafka-mock (${bin} ${args.join(' ')}) printed no BOOTSTRAP line in ${startTimeoutMs} ms${tail()}`))
    }, startTimeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`kafka-mock: cannot start ${bin}: ${err.message}`))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`kafka-mock (${args.join(' ')}) exited before BOOTSTRAP (code ${code}, signal ${signal})${tail()}`))
    })
    rl.on('line', (line) => {
      if (mock) {
        mock.onLine(line)
        return
      }
      if (line.startsWith('BOOTSTRAP ')) {
        clearTimeout(timer)
        resolve(line.slice('BOOTSTRAP '.length).trim())
      }
    })
  })
  mock = new KafkaMockProcess(child, bootstrap, stderrTail, exited, options.commandTimeoutMs ?? 10_000)
  refStreams(child, false)
  return mock
}
