/** `sluice run` and `sluice check`. */
import type { Command } from 'commander'
import { loadJob } from '../config/index.js'
import { formatDuration, parseDuration } from '../config/units.js'
import { SluiceError } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { StreamingQuery } from '../query/index.js'
import { compileTaskProjection, taskProjection } from '../worker/index.js'
import { addFlags, examples, type FlagSpec } from './flags.js'

/** What commander hands the actions: one camelCase key per flag below. */
export interface RunFlags {
  trigger?: string
  stopTimeout?: string
}

/** Flags of `sluice run` (and `sluice check`): add a flag here, one line, and read it in the action. */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { flags: '--trigger <trigger>', help: "override sink.trigger: availableNow, once or '<n> seconds'" },
  { flags: '--stop-timeout <duration>', help: 'override stopTimeout: how long SIGTERM waits for the batch in flight (default 25s)' },
]

/** --stop-timeout as milliseconds (undefined: the job's stopTimeout). */
function stopTimeoutOf(flags: RunFlags): number | undefined {
  if (flags.stopTimeout === undefined) return undefined
  const ms = parseDuration(flags.stopTimeout)
  if (ms === undefined || ms <= 0) {
    throw new SluiceError('SLUICE_CLI_USAGE', `--stop-timeout "${flags.stopTimeout}" is not a positive duration; write e.g. 25s, 10 seconds or 5000ms.`)
  }
  return ms
}

function overrides(flags: RunFlags): { trigger?: string } {
  return flags.trigger === undefined ? {} : { trigger: flags.trigger }
}

export async function checkCommand(file: string, flags: RunFlags): Promise<number> {
  const job = await loadJob(file, overrides(flags))
  const projection = compileTaskProjection(taskProjection(job))
  process.stdout.write(
    `${file}: OK — query '${job.name}', columns ${projection.columns.map((c) => c.name).join(', ')}; ` +
      `partitionBy [${job.sink.partitionBy.join(', ')}]; trigger ${JSON.stringify(job.sink.trigger)}; ` +
      `kafka ${job.source.kafka.security.protocol}${job.source.kafka.security.sasl ? ` ${job.source.kafka.security.sasl.mechanism}` : ''}\n`,
  )
  return 0
}

/** The error a forced stop exits with: the batch in flight, if any, was abandoned. */
function abandoned(why: string, stopTimeoutMs: number): SluiceError {
  return new SluiceError(
    'SLUICE_STOP_ABANDONED',
    `sluice stopped without finishing the batch in flight: ${why}. Nothing of that batch was committed; ` +
      'the next start re-runs it with the same offsets (no data is lost or duplicated). If stops often hit the deadline, ' +
      `raise stopTimeout / --stop-timeout (now ${formatDuration(stopTimeoutMs)}, keep it below the pod's terminationGracePeriodSeconds) ` +
      'or look for what made the batch slow (S3 or Kafka not answering: see the log lines before this one).',
    { details: { stopTimeoutMs } },
  )
}

/**
 * First SIGTERM/SIGINT: stop after the batch in flight commits, within stopTimeoutMs. Past the
 * deadline, or at a second signal, the process exits at once with status 1 (SLUICE_STOP_ABANDONED):
 * a batch was interrupted, which a supervisor must be able to tell from a clean stop (status 0).
 */
function handleSignals(query: StreamingQuery, logger: Logger, stopTimeoutMs: number): () => void {
  let signals = 0
  let timer: NodeJS.Timeout | undefined
  const exitNow = (why: string): void => {
    const err = abandoned(why, stopTimeoutMs)
    logger.error({ err: { code: err.code, message: err.message } }, 'abandoning the batch in flight; it will be re-run on restart')
    process.stderr.write(`sluice: ${err.message} [${err.code}]\n`)
    process.exit(1)
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals === 1) {
      logger.info(
        { signal, stopTimeoutMs },
        `stopping after the batch in flight commits (at most ${formatDuration(stopTimeoutMs)}; send the signal again to exit now; an uncommitted batch is re-run on restart)`,
      )
      timer = setTimeout(() => exitNow(`the graceful stop deadline of ${formatDuration(stopTimeoutMs)} passed`), stopTimeoutMs)
      timer.unref()
      void query.stop()
    } else {
      exitNow(`a second ${signal} arrived during the graceful stop`)
    }
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return () => {
    clearTimeout(timer)
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
}

export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const stopTimeoutMs = stopTimeoutOf(flags)
  const job = await loadJob(file, overrides(flags))
  const logger = createLogger()
  const query = new StreamingQuery(job, { logger })
  const release = handleSignals(query, logger, stopTimeoutMs ?? job.stopTimeoutMs)
  logger.info({ file, name: job.name }, 'starting query')
  try {
    await query.start()
    await query.awaitTermination()
  } finally {
    release()
  }
  return 0
}

/** Registers `run` and `check`; `done` receives the action's exit code. */
export function registerRunCommands(program: Command, done: (code: number) => void): void {
  addFlags(
    program
      .command('run')
      .summary('run a streaming job until stopped (or until availableNow/once is done)')
      .description(
        'Run a streaming job: read its Kafka topics, land the records in S3 with Spark\'s checkpoint and ' +
          '_spark_metadata formats. Logs one JSON line per batch on stdout. SIGTERM/SIGINT stop after the ' +
          'batch in flight commits, within --stop-timeout; past it, or at a second signal, sluice exits 1 ' +
          '(SLUICE_STOP_ABANDONED; the batch is re-run on restart).',
      )
      .argument('<job>', 'job file (.yaml, .yml or .json), see docs/config.md'),
    RUN_FLAGS,
  )
    .addHelpText(
      'after',
      examples([
        'sluice run examples/streaming-test.yaml',
        'sluice run examples/streaming-test.yaml --trigger availableNow   # drain what is there, exit 0',
        "sluice run job.yaml --trigger '10 seconds'",
        'sluice run job.yaml --stop-timeout 25s   # under Kubernetes: below terminationGracePeriodSeconds',
      ]),
    )
    .action(async (file: string, flags: RunFlags) => done(await runCommand(file, flags)))

  addFlags(
    program
      .command('check')
      .summary('validate a job file without connecting to Kafka or S3')
      .description('Validate a job file (options, schema, select, partitionBy) without connecting anywhere; prints the output columns.')
      .argument('<job>', 'job file (.yaml, .yml or .json)'),
    RUN_FLAGS,
  )
    .addHelpText('after', examples(['sluice check examples/streaming-test.yaml', 'sluice check job.yaml --trigger once']))
    .action(async (file: string, flags: RunFlags) => done(await checkCommand(file, flags)))
}
