/** `sluice loadgen`: see src/loadgen. */
import { parseLoadgenArgs, runLoadgen } from '../loadgen/index.js'

export async function loadgenCommand(argv: string[]): Promise<number> {
  const options = parseLoadgenArgs(argv)
  const ac = new AbortController()
  const stop = (): void => ac.abort()
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  const report = await runLoadgen(options, ac.signal)
  process.stdout.write(`${JSON.stringify(report)}\n`)
  return 0
}
