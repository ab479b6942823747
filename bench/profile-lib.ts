/**
 * Reads V8 .cpuprofile files (one per thread, from `node --cpu-prof`) and sums self time by
 * category and by function. A category is chosen from the function name and its script URL
 * (first match in CATEGORIES wins), so the table answers "how many µs per record go to X".
 */
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** [category, test on "functionName url"]: the first that matches wins. */
const CATEGORIES: [string, RegExp][] = [
  ['idle', /^\(idle\)|^atomicsWaitLoop /],
  ['start-up (module loading, config)', /wrapSafe|compileSourceTextModule|compileForInternalLoader|cjs-module-lexer|modules\/esm|modules\/cjs|readFileUtf8|internalModuleStat|realpathSync|zod|job-schema|config\//],
  ['socket writes (S3 bodies, Fetch requests; kernel copy)', /^(writeBuffer|writev|writeLatin1String|writeString) /],
  ['buffer copies (concat, grow)', /^(_copyActual|copy|concat) /],
  ['gc', /^\(garbage collector\)/],
  ['program (native, unattributed)', /^\(program\)/],
  ['byte projection (json-scan, projection-bytes)', /json-scan|projection-bytes|^projectBytes /],
  ['JSON.parse', /^parse\s*$|JSON\.parse/],
  ['from_json fill + coercion', /from-json|json-coerce|\bfill\b/],
  ['date_format / timestamps', /time-format|time-zone|TimestampFormatter/],
  ['projection (generated) + row text', /\bproject\b|projection|json-escape|json-writer|jsonString|^RegExp: \["/],
  ['utf-8 decode (Buffer.toString)', /toString|^utf8Slice|^slice node:buffer/],
  ['utf-8 encode (Buffer.write)', /^utf8Write|^write node:buffer|partition-file|row-bytes|append/],
  ['record decode + CRC', /record-batch|crc32|record-view|fillRecord|decodeRecordSet|peekRecordSet/],
  ['decompress', /codecs|zlib|inflate|zstd|snappy|lz4/],
  ['fetch + socket', /fetch-client|fetch-protocol|broker-connection|protocol-codec|net\.js|stream_base|onStreamRead|socket/],
  ['S3 client (SDK, signing, http)', /@aws-sdk|@smithy|signature|sha256|crypto|_http_|http\.js|https/],
  ['upload (s3-writer, store)', /s3-writer|s3-store|storage\//],
  ['writer task / memory account', /writer-task|memory-account|read-task|merge-writer/],
  ['worker messaging (piscina, postMessage)', /piscina|worker_threads|messageport|postMessage|structuredClone/i],
  ['pino / logging', /pino|sonic-boom/],
  ['node internals', /^node:|internal\//],
]

export function categoryOf(fn: string, url: string): string {
  const s = `${fn} ${url}`
  for (const [name, re] of CATEGORIES) if (re.test(s)) return name
  return 'other'
}

export interface ProfileSummary {
  /** Sum over threads of profiled wall time, ms. */
  profiledMs: number
  /** Non-idle sampled time over all threads, ms. */
  busyMs: number
  threads: { file: string; busyMs: number; idleMs: number }[]
  /** Per category: ms and µs per record (non-idle only), descending. */
  categories: { category: string; ms: number; usPerRecord: number; share: number }[]
  topFunctions: { fn: string; url: string; ms: number; usPerRecord: number }[]
}

export async function summarizeProfiles(files: string[], records: number): Promise<ProfileSummary> {
  const byCat = new Map<string, number>()
  const byFn = new Map<string, { fn: string; url: string; us: number }>()
  const threads: ProfileSummary['threads'] = []
  let profiled = 0
  for (const file of files) {
    const p = JSON.parse(await readFile(file, 'utf8')) as Profile
    const nodes = new Map(p.nodes.map((n) => [n.id, n]))
    const selfUs = new Map<number, number>()
    for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0))
    let busy = 0
    let idle = 0
    for (const [id, us] of selfUs) {
      const n = nodes.get(id)!
      const fn = n.callFrame.functionName || '(anonymous)'
      const url = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')
      const cat = categoryOf(fn, url)
      if (cat === 'idle') {
        idle += us
        continue
      }
      busy += us
      byCat.set(cat, (byCat.get(cat) ?? 0) + us)
      const key = `${fn} ${url}:${n.callFrame.lineNumber}`
      const e = byFn.get(key) ?? { fn, url: `${url}:${n.callFrame.lineNumber + 1}`, us: 0 }
      e.us += us
      byFn.set(key, e)
    }
    profiled += p.endTime - p.startTime
    threads.push({ file: file.replace(/^.*\//, ''), busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000) })
  }
  const busyUs = [...byCat.values()].reduce((a, b) => a + b, 0)
  const categories = [...byCat]
    .sort((a, b) => b[1] - a[1])
    .map(([category, us]) => ({ category, ms: Math.round(us / 1000), usPerRecord: Number((us / records).toFixed(3)), share: Number((us / busyUs).toFixed(3)) }))
  const topFunctions = [...byFn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, 30)
    .map((e) => ({ fn: e.fn, url: e.url, ms: Math.round(e.us / 1000), usPerRecord: Number((e.us / records).toFixed(3)) }))
  return { profiledMs: Math.round(profiled / 1000), busyMs: Math.round(busyUs / 1000), threads, categories, topFunctions }
}
