/** pino, one child logger per component; credentials are redacted wherever they appear. */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.SLUICE_LOG_LEVEL ?? 'info',
      base: undefined,
      redact: {
        paths: ['*.secretAccessKey', '*.sessionToken', '*.accessKeyId', '*.*.secretAccessKey', '*.*.sessionToken'],
        censor: '[redacted]',
      },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: true }),
  )
}
