/** `sluice run` and `sluice check`. */
import { parseArgs } from 'node:util'
import { loadJob } from '../config/index.js'
import { formatDuration, parseDuration } from '../config/units.js'
import { SluiceError } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { StreamingQuery } from '../query/index.js'
import { compileTaskProjection, taskProjection } from '../worker/index.js'

const USAGE = "Usage: sluice run <job.yaml> [--trigger availableNow|once|'2 seconds'] [--stop-timeout 25s]."

interface RunArgs {
  file: string
  trigger: string | undefined
  stopTimeoutMs: number | undefined
}

function parseRunArgs(argv: string[]): RunArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: { trigger: { type: 'string' }; 'stop-timeout': { type: 'string' } }; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options: { trigger: { type: 'string' }, 'stop-timeout': { type: 'string' } }, allowPositionals: true })
  } catch (err) {
    throw new SluiceError('SLUICE_CLI_USAGE', `${(err as Error).message}. ${USAGE}`)
  }
  const file = parsed.positionals[0]
  if (file === undefined || parsed.positionals.length > 1) {
    throw new SluiceError('SLUICE_CLI_USAGE', `Expected exactly one job file. ${USAGE}`)
  }
  const raw = parsed.values['stop-timeout']
  let stopTimeoutMs: number | undefined
  if (raw !== undefined) {
    stopTimeoutMs = parseDuration(raw)
    if (stopTimeoutMs === undefined || stopTimeoutMs <= 0) {
      throw new SluiceError('SLUICE_CLI_USAGE', `--stop-timeout "${raw}" is not a positive duration; write e.g. 25s, 10 seconds or 5000ms. ${USAGE}`)
    }
  }
  return { file, trigger: parsed.values.trigger, stopTimeoutMs }
}

export async function checkCommand(argv: string[]): Promise<number> {
  const { file, trigger } = parseRunArgs(argv)
  const job = await loadJob(file, trigger === undefined ? {} : { trigger })
  const projection = compileTaskProjection(taskProjection(job))
  process.stdout.write(
    `${file}: OK — query '${job.name}', columns ${projection.columns.map((c) => c.name).join(', ')}; ` +
      `partitionBy [${job.sink.partitionBy.join(', ')}]; trigger ${JSON.stringify(job.sink.trigger)}\n`,
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

export async function runCommand(argv: string[]): Promise<number> {
  const { file, trigger, stopTimeoutMs } = parseRunArgs(argv)
  const job = await loadJob(file, trigger === undefined ? {} : { trigger })
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
