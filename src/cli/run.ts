/** `sluice run` and `sluice check`. */
import { parseArgs } from 'node:util'
import { loadJob } from '../config/index.js'
import { SluiceError } from '../errors.js'
import { createLogger } from '../log.js'
import { StreamingQuery } from '../query/index.js'
import { compileTaskProjection, taskProjection } from '../worker/index.js'

function parseRunArgs(argv: string[]): { file: string; trigger: string | undefined } {
  let parsed: ReturnType<typeof parseArgs<{ options: { trigger: { type: 'string' } }; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options: { trigger: { type: 'string' } }, allowPositionals: true })
  } catch (err) {
    throw new SluiceError('SLUICE_CLI_USAGE', `${(err as Error).message}. Usage: sluice run <job.yaml> [--trigger availableNow|once|'2 seconds'].`)
  }
  const file = parsed.positionals[0]
  if (file === undefined || parsed.positionals.length > 1) {
    throw new SluiceError('SLUICE_CLI_USAGE', "Expected exactly one job file. Usage: sluice run <job.yaml> [--trigger availableNow|once|'2 seconds'].")
  }
  return { file, trigger: parsed.values.trigger }
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

export async function runCommand(argv: string[]): Promise<number> {
  const { file, trigger } = parseRunArgs(argv)
  const job = await loadJob(file, trigger === undefined ? {} : { trigger })
  const logger = createLogger()
  const query = new StreamingQuery(job, { logger })
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals === 1) {
      logger.info({ signal }, 'stopping after the batch in flight commits (send the signal again to exit now; an uncommitted batch is re-run on restart)')
      void query.stop()
    } else {
      logger.warn({ signal }, 'exiting now; the batch in flight, if any, will be re-run on restart')
      process.exit(0)
    }
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  await query.start()
  try {
    await query.awaitTermination()
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
  return 0
}
