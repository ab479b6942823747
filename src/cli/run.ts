/** `sluice run` and `sluice check`. */
import type { Command } from 'commander'
import { loadJob } from '../config/index.js'
import { createLogger } from '../log.js'
import { StreamingQuery } from '../query/index.js'
import { compileTaskProjection, taskProjection } from '../worker/index.js'
import { addFlags, examples, type FlagSpec } from './flags.js'

/** What commander hands the actions: one camelCase key per flag below. */
export interface RunFlags {
  trigger?: string
}

/** Flags of `sluice run` (and `sluice check`): add a flag here, one line, and read it in the action. */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { flags: '--trigger <trigger>', help: "override sink.trigger: availableNow, once or '<n> seconds'" },
]

function overrides(flags: RunFlags): { trigger?: string } {
  return flags.trigger === undefined ? {} : { trigger: flags.trigger }
}

export async function checkCommand(file: string, flags: RunFlags): Promise<number> {
  const job = await loadJob(file, overrides(flags))
  const projection = compileTaskProjection(taskProjection(job))
  process.stdout.write(
    `${file}: OK — query '${job.name}', columns ${projection.columns.map((c) => c.name).join(', ')}; ` +
      `partitionBy [${job.sink.partitionBy.join(', ')}]; trigger ${JSON.stringify(job.sink.trigger)}\n`,
  )
  return 0
}

export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const job = await loadJob(file, overrides(flags))
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

/** Registers `run` and `check`; `done` receives the action's exit code. */
export function registerRunCommands(program: Command, done: (code: number) => void): void {
  addFlags(
    program
      .command('run')
      .summary('run a streaming job until stopped (or until availableNow/once is done)')
      .description(
        'Run a streaming job: read its Kafka topics, land the records in S3 with Spark\'s checkpoint and ' +
          '_spark_metadata formats. Logs one JSON line per batch on stdout. SIGTERM/SIGINT stop after the ' +
          'batch in flight commits; a second signal exits at once (the batch is re-run on restart).',
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
