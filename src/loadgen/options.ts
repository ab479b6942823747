/**
 * Options of the load generator (`sluice loadgen ...`) and their command-line parser.
 *
 *   sluice loadgen --bootstrap 127.0.0.1:9092 --topic events --partitions 8 \
 *     --count 1000000 --rate 0 --record-bytes 64 --time-span-hours 6 --key-mode none --seed 1
 *
 * Exactly one of --count and --duration is required. Flags accept `--name value` and
 * `--name=value`.
 */
import { parseArgs } from 'node:util'
import { SluiceError } from '../errors.js'
import { profiles } from './profile.js'

export type KeyMode = 'none' | 'seq'

export interface LoadgenOptions {
  /** Broker addresses, `host:port`. */
  bootstrap: string[]
  topic: string
  /** Partition count to create the topic with when it is missing; when the topic exists it
   * must match. Undefined: use the existing topic as is, or create it with 4 partitions. */
  partitions?: number | undefined
  /** Records per second; 0 = as fast as possible. */
  rate: number
  /** Number of records to produce. Exactly one of count and durationSec is set. */
  count?: number | undefined
  /** Produce for this many seconds. */
  durationSec?: number | undefined
  /** Approximate length of the message text in bytes. */
  recordBytes: number
  /** Record timestamps spread evenly over the last H hours (0 = the send time). */
  timeSpanHours: number
  keyMode: KeyMode
  /** Seed of the filler text and of the run id; undefined = random. */
  seed?: number | undefined
  /** Record profile name, see profile.ts. */
  profile: string
  /** Records per produce request (kafkajs send). */
  batchSize: number
  /** Produce requests awaiting acknowledgement at once. */
  maxInFlight: number
  /** 8 lowercase hex digits; default derived from seed, or random. */
  runId?: string | undefined
  clientId: string
}

export const DEFAULT_PARTITIONS = 4

export const loadgenDefaults = {
  rate: 0,
  recordBytes: 64,
  timeSpanHours: 0,
  keyMode: 'none' as KeyMode,
  profile: 'message',
  batchSize: 2000,
  maxInFlight: 4,
  clientId: 'sluice-loadgen',
} as const

/** Help text for the CLI. */
export const loadgenUsage = `usage: sluice loadgen --bootstrap host:port[,host:port...] --topic NAME (--count N | --duration SECONDS)
  [--partitions N]         create the topic with N partitions when missing (default ${DEFAULT_PARTITIONS})
  [--rate R]               records per second, 0 = as fast as possible (default 0)
  [--record-bytes B]       length of the message text (default ${loadgenDefaults.recordBytes})
  [--time-span-hours H]    spread record timestamps evenly over the last H hours (default 0)
  [--key-mode none|seq]    record key: none, or the sequence number (default none)
  [--seed S]               seed for the filler text and run id (default random)
  [--profile NAME]         record shape: ${Object.keys(profiles).join(', ')} (default message)
  [--batch-size N]         records per produce request (default ${loadgenDefaults.batchSize})
  [--max-in-flight N]      produce requests in flight (default ${loadgenDefaults.maxInFlight})
  [--run-id HEX8]          id embedded in every message (default from seed, or random)`

function badArg(option: string, message: string): SluiceError {
  return new SluiceError('SLUICE_LOADGEN_BAD_ARG', `loadgen --${option}: ${message}`, {
    details: { option },
  })
}

function number(
  option: string,
  raw: string | undefined,
  { min, integer }: { min: number; integer: boolean },
): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw badArg(
      option,
      `expected ${integer ? 'an integer' : 'a number'} >= ${min}, got '${raw}'; fix the value`,
    )
  }
  return n
}

/** Checks a complete options object (also used for programmatic callers). */
export function validateLoadgenOptions(o: LoadgenOptions): LoadgenOptions {
  if (o.bootstrap.length === 0 || o.bootstrap.some((b) => !/^[^\s:,]+:\d+$/.test(b))) {
    throw badArg(
      'bootstrap',
      `expected host:port[,host:port...], got '${o.bootstrap.join(',')}'; pass the broker list, e.g. --bootstrap 127.0.0.1:9092`,
    )
  }
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(o.topic)) {
    throw badArg(
      'topic',
      `'${o.topic}' is not a valid Kafka topic name (1-249 characters of [A-Za-z0-9._-]); rename it`,
    )
  }
  if ((o.count === undefined) === (o.durationSec === undefined)) {
    throw badArg(
      o.count === undefined ? 'count' : 'duration',
      'give exactly one of --count N and --duration SECONDS',
    )
  }
  if (!(o.profile in profiles)) {
    throw badArg(
      'profile',
      `unknown profile '${o.profile}'; use one of ${Object.keys(profiles).join(', ')}`,
    )
  }
  if (o.keyMode !== 'none' && o.keyMode !== 'seq') {
    throw badArg('key-mode', `expected none or seq, got '${String(o.keyMode)}'`)
  }
  if (o.runId !== undefined && !/^[0-9a-f]{8}$/.test(o.runId)) {
    throw badArg('run-id', `expected 8 lowercase hex digits, got '${o.runId}'`)
  }
  if (o.batchSize < 1 || o.maxInFlight < 1) {
    throw badArg(o.batchSize < 1 ? 'batch-size' : 'max-in-flight', 'must be >= 1')
  }
  return o
}

/**
 * Parses `sluice loadgen` arguments (without the `loadgen` word). Throws SLUICE_LOADGEN_BAD_ARG
 * naming the option and the fix.
 */
export function parseLoadgenArgs(argv: string[]): LoadgenOptions {
  const spec = {
    bootstrap: { type: 'string' },
    topic: { type: 'string' },
    partitions: { type: 'string' },
    rate: { type: 'string' },
    count: { type: 'string' },
    duration: { type: 'string' },
    'record-bytes': { type: 'string' },
    'time-span-hours': { type: 'string' },
    'key-mode': { type: 'string' },
    seed: { type: 'string' },
    profile: { type: 'string' },
    'batch-size': { type: 'string' },
    'max-in-flight': { type: 'string' },
    'run-id': { type: 'string' },
    'client-id': { type: 'string' },
  } as const
  let values: { [K in keyof typeof spec]?: string | undefined }
  try {
    ;({ values } = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }))
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new SluiceError(
      'SLUICE_LOADGEN_BAD_ARG',
      `loadgen: ${message}\n${loadgenUsage}`,
      { cause: err, details: { argv } },
    )
  }
  if (values.bootstrap === undefined) throw badArg('bootstrap', `is required\n${loadgenUsage}`)
  if (values.topic === undefined) throw badArg('topic', `is required\n${loadgenUsage}`)

  const keyMode = values['key-mode'] ?? loadgenDefaults.keyMode
  if (keyMode !== 'none' && keyMode !== 'seq') {
    throw badArg('key-mode', `expected none or seq, got '${keyMode}'`)
  }
  return validateLoadgenOptions({
    bootstrap: values.bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    topic: values.topic,
    partitions: number('partitions', values.partitions, { min: 1, integer: true }),
    rate: number('rate', values.rate, { min: 0, integer: false }) ?? loadgenDefaults.rate,
    count: number('count', values.count, { min: 0, integer: true }),
    durationSec: number('duration', values.duration, { min: 0, integer: false }),
    recordBytes:
      number('record-bytes', values['record-bytes'], { min: 0, integer: true }) ??
      loadgenDefaults.recordBytes,
    timeSpanHours:
      number('time-span-hours', values['time-span-hours'], { min: 0, integer: false }) ??
      loadgenDefaults.timeSpanHours,
    keyMode,
    seed: number('seed', values.seed, { min: 0, integer: true }),
    profile: values.profile ?? loadgenDefaults.profile,
    batchSize:
      number('batch-size', values['batch-size'], { min: 1, integer: true }) ??
      loadgenDefaults.batchSize,
    maxInFlight:
      number('max-in-flight', values['max-in-flight'], { min: 1, integer: true }) ??
      loadgenDefaults.maxInFlight,
    runId: values['run-id'],
    clientId: values['client-id'] ?? loadgenDefaults.clientId,
  })
}

/** What a programmatic caller passes: the required fields, anything else defaulted. */
export type LoadgenInput = Partial<Omit<LoadgenOptions, 'bootstrap' | 'topic'>> & {
  bootstrap: string | string[]
  topic: string
}

/** Fills defaults and validates; parseLoadgenArgs output passes through unchanged. */
export function resolveLoadgenOptions(input: LoadgenInput): LoadgenOptions {
  const bootstrap =
    typeof input.bootstrap === 'string'
      ? input.bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== '')
      : input.bootstrap
  // Explicit undefined (e.g. `rate: undefined`) means "default", not "unset the default".
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
  return validateLoadgenOptions({ ...loadgenDefaults, ...given, bootstrap, topic: input.topic })
}
