/**
 * Options of the load generator (`sluice loadgen ...`), their flag table (the one source of
 * `--help`, the parser and docs/cli.md) and their validation.
 *
 *   sluice loadgen --bootstrap 127.0.0.1:9092 --topic events --partitions 8 \
 *     --count 1000000 --rate 0 --record-bytes 64 --time-span-hours 6 --key-mode none --seed 1
 *
 * One of --count and --duration is required (a replay profile supplies its own duration).
 * Flags accept `--name value` and `--name=value`.
 */
import { Command, CommanderError } from 'commander'
import { addFlags, type FlagSpec } from '../cli/flags.js'
import { SluiceError } from '../errors.js'
import type { KafkaSecuritySpec } from '../kafka/sasl/types.js'
import { CODECS, type CodecName } from './codecs.js'
import { profiles } from './profile.js'

export type KeyMode = 'none' | 'seq' | 'uniform' | 'hot'
export const KEY_MODES: readonly KeyMode[] = ['none', 'seq', 'uniform', 'hot']
export type ProgressMode = 'auto' | 'line' | 'json' | 'off'

export interface LoadgenOptions {
  /** Broker addresses, `host:port`. */
  bootstrap: string[]
  /** TLS and SASL of the connections (a job's source.kafka.security, plain data); null = PLAINTEXT. */
  security?: KafkaSecuritySpec | null | undefined
  topic: string
  /** Partition count to create the topic with when it is missing; when the topic exists it
   * must match. Undefined: use the existing topic as is, or create it with 4 partitions. */
  partitions?: number | undefined
  /** Records per second of the `constant` profile; 0 = as fast as possible. */
  rate: number
  /** Number of records to produce. At most one of count and durationSec is set. */
  count?: number | undefined
  /** Produce for this many seconds. */
  durationSec?: number | undefined
  /** Approximate length of the message text in bytes (the mean for --size-dist). */
  recordBytes: number
  /** Record timestamps spread evenly over the last H hours (0 = the send time). */
  timeSpanHours: number
  keyMode: KeyMode
  /** Seed of the filler text, the run id and every random choice; undefined = random. */
  seed?: number | undefined
  /** Record shape name, see profile.ts (ignored when `template` is set). */
  profile: string
  /** Records per produce request (kafkajs send). */
  batchSize: number
  /** Produce requests awaiting acknowledgement at once (per thread). */
  maxInFlight: number
  /** 8 lowercase hex digits; default derived from seed, or random. */
  runId?: string | undefined
  clientId: string
  /** Target-rate profile, see rate-profile.ts. */
  rateProfile: string
  /** The run fails (exit 3) when it produced less than (1 - tolerance) of the records due. */
  rateTolerance: number
  /** JSON template (inline or a file), see template.ts. */
  template?: string | undefined
  /** Message-text size distribution, see records.ts. */
  sizeDist: string
  /** Key space of the uniform and hot key modes. */
  keys: number
  /** hot: the first `hotKeys` keys get `hotShare` of the records. */
  hotKeys: number
  hotShare: number
  /** Record headers `name=value`. */
  headers: string[]
  /** Record timestamps moved back by up to this many seconds at random (out of order). */
  outOfOrderSec: number
  /** IANA zone: timestamps spread over the time span centred on the last midnight there. */
  midnightZone?: string | undefined
  /** Fraction of records whose value is not valid JSON. */
  malformed: number
  compression: CodecName
  /** Worker threads, each with its own producer. */
  threads: number
  /** CLI only: progress output. */
  progress: ProgressMode
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
  rateProfile: 'constant',
  rateTolerance: 0.05,
  sizeDist: 'fixed',
  keys: 1000,
  hotKeys: 10,
  hotShare: 0.8,
  headers: [] as string[],
  outOfOrderSec: 0,
  malformed: 0,
  compression: 'none' as CodecName,
  threads: 1,
  progress: 'auto' as ProgressMode,
} as const

/** The flags of `sluice loadgen`, in --help order. */
export const LOADGEN_FLAGS: readonly FlagSpec[] = [
  { flags: '--bootstrap <hosts>', help: 'brokers, host:port[,host:port...] (required unless --job names them)' },
  { flags: '--job <file>', help: "connect as this job file's source does: its brokers (unless --bootstrap) and its TLS and SASL options (kafka.security.protocol, kafka.ssl.*, kafka.sasl.*)" },
  { flags: '--topic <name>', help: 'topic to produce to (required)' },
  { flags: '--partitions <n>', help: `create the topic with N partitions when missing; must match when it exists (default ${DEFAULT_PARTITIONS} when created)` },
  { flags: '--count <n>', help: 'produce N records, then stop' },
  { flags: '--duration <seconds>', help: 'produce for this many seconds, then stop' },
  { flags: '--rate <r>', help: 'records/s of the constant profile, 0 = as fast as possible', defaultHelp: '0' },
  { flags: '--rate-profile <spec>', help: 'constant | step:R@T,R@T... | ramp:FROM:TO:SECONDS | burst:BASE:PEAK:ON:PERIOD | replay:FILE.csv', defaultHelp: 'constant' },
  { flags: '--rate-tolerance <fraction>', help: 'exit 3 when fewer than (1 - fraction) of the records due were produced', defaultHelp: '0.05' },
  { flags: '--profile <name>', help: `record shape: ${Object.keys(profiles).join(', ')}`, defaultHelp: 'message' },
  { flags: '--template <json|file>', help: 'JSON template with generators ($seq, $int, $enum, ...), inline or a file; replaces --profile' },
  { flags: '--record-bytes <b>', help: 'length of the message text', defaultHelp: String(loadgenDefaults.recordBytes) },
  { flags: '--size-dist <spec>', help: 'message length: fixed | uniform:MIN:MAX | normal:MEAN:SD | lognormal:MEDIAN:SIGMA', defaultHelp: 'fixed' },
  { flags: '--key-mode <mode>', help: 'record key; seq = the sequence number, uniform and hot pick one of --keys keys', defaultHelp: 'none', choices: KEY_MODES },
  { flags: '--keys <n>', help: 'key space of uniform and hot keys', defaultHelp: String(loadgenDefaults.keys) },
  { flags: '--hot-keys <n>', help: 'hot: how many keys are hot', defaultHelp: String(loadgenDefaults.hotKeys) },
  { flags: '--hot-share <fraction>', help: 'hot: share of the records with a hot key', defaultHelp: String(loadgenDefaults.hotShare) },
  { flags: '--header <name=value>', help: 'record header, repeatable', repeatable: true },
  { flags: '--time-span-hours <h>', help: 'spread record timestamps evenly over the last H hours', defaultHelp: '0' },
  { flags: '--out-of-order <seconds>', help: 'move each timestamp back by a random 0..SECONDS', defaultHelp: '0' },
  { flags: '--midnight-zone <zone>', help: 'centre the time span on the last midnight in this IANA zone (span 2 h if unset)' },
  { flags: '--malformed <fraction>', help: 'fraction of records whose value is broken JSON', defaultHelp: '0' },
  { flags: '--compression <codec>', help: 'producer compression (zstd needs Node.js >= 22.15)', defaultHelp: 'none', choices: Object.keys(CODECS) },
  { flags: '--threads <n>', help: 'worker threads, each with its own producer', defaultHelp: '1' },
  { flags: '--batch-size <n>', help: 'records per produce request (with a rate: at most rate/100)', defaultHelp: String(loadgenDefaults.batchSize) },
  { flags: '--max-in-flight <n>', help: 'produce requests in flight per thread', defaultHelp: String(loadgenDefaults.maxInFlight) },
  { flags: '--seed <s>', help: 'seed of the text, keys, sizes and every random choice (default random)' },
  { flags: '--run-id <hex8>', help: 'id embedded in every message (default from --seed, or random)' },
  { flags: '--client-id <id>', help: 'Kafka client id', defaultHelp: loadgenDefaults.clientId },
  { flags: '--progress <mode>', help: 'once a second; auto = a live line on a terminal, else JSON lines', defaultHelp: 'auto', choices: ['auto', 'line', 'json', 'off'] },
]

/** What commander yields for LOADGEN_FLAGS: camelCase keys, string values. */
export type LoadgenFlags = Partial<Record<string, string | string[]>>

function badArg(option: string, message: string, extra: Record<string, unknown> = {}): SluiceError {
  return new SluiceError('SLUICE_LOADGEN_BAD_ARG', `loadgen --${option}: ${message}`, { details: { option, ...extra } })
}

function number(option: string, raw: unknown, { min, max, integer }: { min: number; max?: number; integer: boolean }): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`
    throw badArg(option, `expected ${integer ? 'an integer' : 'a number'} ${range}, got '${String(raw)}'; fix the value`)
  }
  return n
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Checks a complete options object (also used for programmatic callers). */
export function validateLoadgenOptions(o: LoadgenOptions): LoadgenOptions {
  if (o.bootstrap.length === 0 || o.bootstrap.some((b) => !/^[^\s:,]+:\d+$/.test(b))) {
    throw badArg('bootstrap', `expected host:port[,host:port...], got '${o.bootstrap.join(',')}'; pass the broker list, e.g. --bootstrap 127.0.0.1:9092`)
  }
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(o.topic)) {
    throw badArg('topic', `'${o.topic}' is not a valid Kafka topic name (1-249 characters of [A-Za-z0-9._-]); rename it`)
  }
  const replay = o.rateProfile.startsWith('replay:')
  if (o.count !== undefined && o.durationSec !== undefined) throw badArg('duration', 'give exactly one of --count N and --duration SECONDS')
  if (o.count === undefined && o.durationSec === undefined && !replay) {
    throw badArg('count', 'give exactly one of --count N and --duration SECONDS (a replay profile may give neither: it lasts as long as its curve)')
  }
  if (!(o.profile in profiles)) throw badArg('profile', `unknown profile '${o.profile}'; use one of ${Object.keys(profiles).join(', ')}`)
  if (!KEY_MODES.includes(o.keyMode)) throw badArg('key-mode', `expected ${KEY_MODES.join(', ')}, got '${String(o.keyMode)}'`)
  if (o.runId !== undefined && !/^[0-9a-f]{8}$/.test(o.runId)) throw badArg('run-id', `expected 8 lowercase hex digits, got '${o.runId}'`)
  if (o.batchSize < 1 || o.maxInFlight < 1) throw badArg(o.batchSize < 1 ? 'batch-size' : 'max-in-flight', 'must be >= 1')
  if (!Number.isInteger(o.threads) || o.threads < 1) throw badArg('threads', `expected an integer >= 1, got ${o.threads}`)
  if (o.hotKeys > o.keys) throw badArg('hot-keys', `${o.hotKeys} hot keys but only --keys ${o.keys}; lower --hot-keys or raise --keys`)
  if (o.malformed < 0 || o.malformed > 1) throw badArg('malformed', `expected a fraction between 0 and 1, got ${o.malformed}`)
  if (!(o.compression in CODECS)) throw badArg('compression', `unknown codec '${o.compression}'; use one of ${Object.keys(CODECS).join(', ')}`)
  const codecProblem = CODECS[o.compression].unavailable?.()
  if (codecProblem) throw badArg('compression', codecProblem)
  if (o.midnightZone !== undefined && !validZone(o.midnightZone)) {
    throw badArg('midnight-zone', `'${o.midnightZone}' is not a time zone this Node.js knows; use an IANA name such as Europe/Berlin`)
  }
  for (const h of o.headers) {
    if (!/^[^=]+=/.test(h)) throw badArg('header', `expected name=value, got '${h}'`)
  }
  return o
}

/** What --job contributes: the job's brokers and connection security. */
export interface LoadgenJobSource {
  bootstrapServers: string[]
  security: KafkaSecuritySpec | null
}

/** Turns commander's values for LOADGEN_FLAGS into validated options (`job`: what --job loaded). */
export function loadgenOptionsFromFlags(values: LoadgenFlags, job?: LoadgenJobSource): LoadgenOptions {
  const str = (k: string): string | undefined => {
    const v = values[k]
    return Array.isArray(v) ? v[v.length - 1] : v
  }
  const bootstrap = str('bootstrap') ?? job?.bootstrapServers.join(',')
  const topic = str('topic')
  if (bootstrap === undefined) throw badArg('bootstrap', 'is required: name the brokers, e.g. --bootstrap 127.0.0.1:9092, or pass --job with a job file')
  if (topic === undefined) throw badArg('topic', 'is required: name the topic to produce to')
  const int = (k: string, flag: string, min: number): number | undefined => number(flag, str(k), { min, integer: true })
  const float = (k: string, flag: string, min: number, max?: number): number | undefined => number(flag, str(k), { min, integer: false, ...(max === undefined ? {} : { max }) })
  const d = loadgenDefaults
  const h = values.header
  return validateLoadgenOptions({
    bootstrap: bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    security: job?.security ?? null,
    topic,
    partitions: int('partitions', 'partitions', 1),
    rate: float('rate', 'rate', 0) ?? d.rate,
    count: int('count', 'count', 0),
    durationSec: float('duration', 'duration', 0),
    recordBytes: int('recordBytes', 'record-bytes', 0) ?? d.recordBytes,
    timeSpanHours: float('timeSpanHours', 'time-span-hours', 0) ?? d.timeSpanHours,
    keyMode: (str('keyMode') ?? d.keyMode) as KeyMode,
    seed: int('seed', 'seed', 0),
    profile: str('profile') ?? d.profile,
    batchSize: int('batchSize', 'batch-size', 1) ?? d.batchSize,
    maxInFlight: int('maxInFlight', 'max-in-flight', 1) ?? d.maxInFlight,
    runId: str('runId'),
    clientId: str('clientId') ?? d.clientId,
    rateProfile: str('rateProfile') ?? d.rateProfile,
    rateTolerance: float('rateTolerance', 'rate-tolerance', 0, 1) ?? d.rateTolerance,
    template: str('template'),
    sizeDist: str('sizeDist') ?? d.sizeDist,
    keys: int('keys', 'keys', 1) ?? d.keys,
    hotKeys: int('hotKeys', 'hot-keys', 1) ?? d.hotKeys,
    hotShare: float('hotShare', 'hot-share', 0, 1) ?? d.hotShare,
    headers: h === undefined ? [] : Array.isArray(h) ? h : [h],
    outOfOrderSec: float('outOfOrder', 'out-of-order', 0) ?? d.outOfOrderSec,
    midnightZone: str('midnightZone'),
    malformed: float('malformed', 'malformed', 0, 1) ?? d.malformed,
    compression: (str('compression') ?? d.compression) as CodecName,
    threads: int('threads', 'threads', 1) ?? d.threads,
    progress: (str('progress') ?? d.progress) as ProgressMode,
  })
}

/**
 * Parses `sluice loadgen` arguments (without the `loadgen` word) with the same flag table as the
 * CLI. Throws SLUICE_LOADGEN_BAD_ARG naming the option and the fix.
 */
export function parseLoadgenArgs(argv: string[]): LoadgenOptions {
  const command = addFlags(new Command('loadgen'), LOADGEN_FLAGS)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .allowExcessArguments(false)
  try {
    command.parse(argv, { from: 'user' })
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err
    const option = /'--?([\w-]+)/.exec(err.message)?.[1]
    throw new SluiceError('SLUICE_LOADGEN_BAD_ARG', `loadgen: ${err.message.replace(/^error: /, '').replace(/\n/g, ' ')}; see sluice loadgen --help`, {
      cause: err,
      details: { argv, ...(option === undefined ? {} : { option }) },
    })
  }
  return loadgenOptionsFromFlags(command.opts())
}

/** What a programmatic caller passes: the required fields, anything else defaulted. */
export type LoadgenInput = Partial<Omit<LoadgenOptions, 'bootstrap' | 'topic'>> & {
  bootstrap: string | string[]
  topic: string
}

/** Fills defaults and validates; parseLoadgenArgs output passes through unchanged. */
export function resolveLoadgenOptions(input: LoadgenInput): LoadgenOptions {
  const bootstrap = typeof input.bootstrap === 'string' ? input.bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== '') : input.bootstrap
  // Explicit undefined (e.g. `rate: undefined`) means "default", not "unset the default".
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
  return validateLoadgenOptions({ ...loadgenDefaults, headers: [], ...given, bootstrap, topic: input.topic })
}
