/**
 * The integration-test toolkit, one import for a test file:
 *
 * - `useStack(...)`: one embedded stack (mock Kafka + s3rver) and one temp dir per test file,
 *   started in `before` and always stopped in `after`, with every child process the file
 *   `track`s killed and every `onCleanup` run;
 * - job builders (`s3Job`, `fileJob`, `writeJob`), producing (`loadgen`, `produceLines`), the CLI
 *   child process (`CliProcess`, `runCli`) and the exactly-once check, from query-fixtures.ts;
 * - `eventually(what, check)`: poll a condition instead of sleeping a fixed time.
 *
 *   const ctx = useStack({ topics: [{ name: 't', partitions: 2 }], buckets: ['b'] })
 *   test('…', async () => {
 *     const p = ctx.track(new CliProcess(['run', await writeJob(ctx.dir, 'j', s3Job({…}))], ctx.stack.env))
 *     await eventually('a batch', () => p.committed().length > 0)
 *   })
 */
import { rm } from 'node:fs/promises'
import { after, before } from 'node:test'
import { tempDir } from './query-fixtures.js'
import { startStack, type Stack } from './stack.js'

export {
  assertExactlyOnce,
  CliProcess,
  fileJob,
  loadgen,
  messagesOfLines,
  produceLines,
  producedMessages,
  s3Job,
  writeJob,
  type Job,
} from './query-fixtures.js'
export { runCli } from './sluice-process.js'
export { eventually, until, type PollOptions } from './eventually.js'

export interface StackContext {
  /** The file's stack (after `before` ran). */
  readonly stack: Stack
  /** The file's temp dir (job files, file:// outputs), removed in `after`. */
  readonly dir: string
  /** Kills the process in `after` if it still runs; returns it. */
  track<T extends { kill(): void }>(p: T): T
  /** Runs `fn` in `after`, before the stack stops (latest first). */
  onCleanup(fn: () => unknown): void
}

export function useStack(o: Parameters<typeof startStack>[0] & { tempPrefix?: string }): StackContext {
  let stack: Stack | undefined
  let dir: string | undefined
  const live: { kill(): void }[] = []
  const cleanups: (() => unknown)[] = []
  before(async () => {
    stack = await startStack(o)
    dir = await tempDir(o.tempPrefix ?? 'sluice-it-')
  })
  after(async () => {
    for (const p of live) p.kill()
    for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch(() => {})
    await stack?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })
  return {
    get stack() {
      if (stack === undefined) throw new Error('useStack: the stack is used before `before` ran')
      return stack
    },
    get dir() {
      if (dir === undefined) throw new Error('useStack: the temp dir is used before `before` ran')
      return dir
    },
    track(p) {
      live.push(p)
      return p
    },
    onCleanup(fn) {
      cleanups.push(fn)
    },
  }
}
