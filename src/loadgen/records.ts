/**
 * Builds the Kafka records of a run: value (profile or template, size distribution, malformed
 * fraction), key and partition, headers, timestamp (time plan, out-of-order jitter). Every
 * choice about record `seq` depends only on (seed, seq), see random.ts.
 *
 * Partitions: without keys, and with `seq` keys, record `seq` goes to partition
 * `seq % partitions` (round-robin, set explicitly). With `uniform` and `hot` keys it goes where
 * the Java client's default partitioner puts its key: murmur2(key) % partitions, so hot keys make
 * hot partitions as in production.
 *
 * Size distributions (`--size-dist`, the message text length; --record-bytes is the default):
 *   fixed | fixed:B | uniform:MIN:MAX | normal:MEAN:SD | lognormal:MEDIAN:SIGMA
 * lengths are rounded and clamped to [0, 1 MiB].
 */
import { readFileSync } from 'node:fs'
import type { IHeaders, Message } from 'kafkajs'
import { SluiceError } from '../errors.js'
import type { LoadgenOptions } from './options.js'
import { MessageText, profiles, seededRandom, type Profile } from './profile.js'
import { normal, SALT, unit } from './random.js'
import { parseTemplate, type CompiledTemplate } from './template.js'

const MAX_BYTES = 1 << 20

export type SizeFn = (seq: number) => number

function badSize(spec: string, why: string): SluiceError {
  return new SluiceError('SLUICE_LOADGEN_BAD_ARG', `loadgen --size-dist: cannot use '${spec}': ${why}; use fixed, fixed:B, uniform:MIN:MAX, normal:MEAN:SD or lognormal:MEDIAN:SIGMA`, {
    details: { option: 'size-dist', spec },
  })
}

/** Parses --size-dist into a per-record length and the longest length it can give. */
export function parseSizeDist(spec: string, recordBytes: number, seed: number): { size: SizeFn; max: number } {
  const [kind, ...rest] = spec.split(':')
  const nums = rest.map(Number)
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw badSize(spec, 'parameters must be numbers >= 0')
  const clamp = (n: number): number => Math.max(0, Math.min(MAX_BYTES, Math.round(n)))
  switch (kind) {
    case 'fixed': {
      if (nums.length > 1) throw badSize(spec, 'expected fixed or fixed:B')
      const b = clamp(nums[0] ?? recordBytes)
      return { size: () => b, max: b }
    }
    case 'uniform': {
      if (nums.length !== 2 || nums[0]! > nums[1]!) throw badSize(spec, 'expected uniform:MIN:MAX with MIN <= MAX')
      const [min, max] = nums as [number, number]
      return { size: (seq) => clamp(min + unit(seed, seq, SALT.size) * (max - min)), max: clamp(max) }
    }
    case 'normal': {
      if (nums.length !== 2) throw badSize(spec, 'expected normal:MEAN:SD')
      const [mean, sd] = nums as [number, number]
      return { size: (seq) => clamp(mean + sd * normal(unit(seed, seq, SALT.size), unit(seed, seq, SALT.size2))), max: clamp(mean + 6 * sd) }
    }
    case 'lognormal': {
      if (nums.length !== 2 || nums[0] === 0) throw badSize(spec, 'expected lognormal:MEDIAN:SIGMA with MEDIAN > 0')
      const [median, sigma] = nums as [number, number]
      return {
        size: (seq) => clamp(median * Math.exp(sigma * normal(unit(seed, seq, SALT.size), unit(seed, seq, SALT.size2)))),
        max: clamp(median * Math.exp(5 * sigma)),
      }
    }
    default:
      throw badSize(spec, `unknown distribution '${kind}'`)
  }
}

/** Java's org.apache.kafka.common.utils.Utils.murmur2, as the default partitioner uses it. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ data.length) | 0
  const whole = data.length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = data.length & 3
  if (rest === 3) h ^= (data[whole + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (data[whole + 1]! & 0xff) << 8
  if (rest >= 1) {
    h ^= data[whole]! & 0xff
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** The partition the Java client's default partitioner picks for a key. */
export function javaPartition(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions
}

export interface BuiltRecord {
  message: Message
  /** The partition (also in message.partition). */
  partition: number
  valueBytes: number
  malformed: boolean
}

/** What the factory needs besides the options. */
export interface RecordContext {
  runId: string
  seed: number
  partitions: number
  /** Event time of record seq before jitter (the time plan). */
  timeAt: (seq: number) => number
  readFile?: (path: string) => string
}

export class RecordFactory {
  readonly #o: LoadgenOptions
  readonly #c: RecordContext
  readonly #size: SizeFn
  readonly #profile: Profile
  readonly #template: CompiledTemplate | undefined
  readonly #text: MessageText
  readonly #headers: IHeaders | undefined
  readonly #fixedSize: boolean

  constructor(options: LoadgenOptions, context: RecordContext) {
    this.#o = options
    this.#c = context
    const { size, max } = parseSizeDist(options.sizeDist, options.recordBytes, context.seed)
    this.#size = size
    this.#fixedSize = options.sizeDist === 'fixed'
    const profileOptions = { runId: context.runId, recordBytes: options.recordBytes, seed: context.seed, maxBytes: max }
    this.#profile = profiles[options.profile]!(profileOptions)
    this.#text = new MessageText(profileOptions)
    this.#template = options.template === undefined ? undefined : parseTemplate(options.template, context.readFile ?? ((p) => readFileSync(p, 'utf8')))
    if (options.headers.length > 0) {
      this.#headers = {}
      for (const h of options.headers) {
        const eq = h.indexOf('=')
        this.#headers[h.slice(0, eq)] = h.slice(eq + 1)
      }
    }
  }

  /** Event time of record seq, with the out-of-order jitter. */
  timestamp(seq: number): number {
    const t = this.#c.timeAt(seq)
    if (this.#o.outOfOrderSec === 0) return t
    return t - Math.floor(unit(this.#c.seed, seq, SALT.disorder) * this.#o.outOfOrderSec * 1000)
  }

  key(seq: number): string | null {
    const o = this.#o
    switch (o.keyMode) {
      case 'none':
        return null
      case 'seq':
        return String(seq)
      case 'uniform':
        return `k${Math.floor(unit(this.#c.seed, seq, SALT.key) * o.keys)}`
      case 'hot': {
        const u = unit(this.#c.seed, seq, SALT.key)
        const cold = o.keys - o.hotKeys
        if (cold === 0 || unit(this.#c.seed, seq, SALT.hot) < o.hotShare) return `k${Math.floor(u * o.hotKeys)}`
        return `k${o.hotKeys + Math.floor(u * cold)}`
      }
    }
  }

  value(seq: number, ts: number): string {
    const bytes = this.#fixedSize ? undefined : this.#size(seq)
    if (this.#template === undefined) return this.#profile.value(seq, ts, bytes)
    const random = seededRandom(unit(this.#c.seed, seq, SALT.template) * 4294967296)
    const iso = (): string => new Date(ts).toISOString()
    return this.#template({ seq, timestampMs: ts, random, message: () => this.#text.text(seq, iso(), bytes) })
  }

  isMalformed(seq: number): boolean {
    return this.#o.malformed > 0 && unit(this.#c.seed, seq, SALT.malformed) < this.#o.malformed
  }

  build(seq: number): BuiltRecord {
    const ts = this.timestamp(seq)
    let value = this.value(seq, ts)
    const malformed = this.isMalformed(seq)
    if (malformed) value = breakJson(value)
    const key = this.key(seq)
    const partition = this.#o.keyMode === 'uniform' || this.#o.keyMode === 'hot' ? javaPartition(key!, this.#c.partitions) : seq % this.#c.partitions
    const message: Message = { key, value, partition, timestamp: String(ts) }
    if (this.#headers !== undefined) message.headers = this.#headers
    return { message, partition, valueBytes: Buffer.byteLength(value), malformed }
  }
}

/** A value no JSON parser accepts: the first half of the JSON text (an unclosed object or array). */
export function breakJson(value: string): string {
  const half = value.slice(0, Math.max(1, Math.floor(value.length / 2)))
  return half.startsWith('{') || half.startsWith('[') ? half : `{"broken": ${half}`
}
