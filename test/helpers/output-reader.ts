/**
 * An independent reader of sluice's output, written against Spark's documented format rather
 * than sluice's own modules, so tests do not check sluice with sluice:
 * - viaSparkMetadata(): the files a Spark reader sees (`_spark_metadata`: latest `.compact` plus
 *   later batch files, `delete` actions applied);
 * - viaListing(): what Athena/Trino/Hive see (every object under the prefix except hidden
 *   `_`/`.` names).
 * Both return the rows (one per JSON line) with the partition directory they were found in.
 */
import { gunzipSync } from 'node:zlib'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'

export interface OutputRow {
  /** `dt=2025-07-02/dth=2025-07-02-23` */
  dir: string
  /** Object key relative to the output prefix. */
  file: string
  line: string
}

export class OutputReader {
  #s3: S3Client
  #bucket: string
  #prefix: string

  constructor(o: { endpoint: string; bucket: string; prefix: string }) {
    this.#s3 = new S3Client({
      endpoint: o.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
    this.#bucket = o.bucket
    this.#prefix = o.prefix.endsWith('/') || o.prefix === '' ? o.prefix : `${o.prefix}/`
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = []
    let token: string | undefined
    do {
      const r = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
      )
      for (const o of r.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 })
      token = r.IsTruncated ? r.NextContinuationToken : undefined
    } while (token !== undefined)
    return out
  }

  async getBytes(key: string): Promise<Buffer> {
    const r = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }))
    return Buffer.from(await r.Body!.transformToByteArray())
  }

  async getText(key: string): Promise<string> {
    const r = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }))
    const bytes = Buffer.from(await r.Body!.transformToByteArray())
    return (key.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
  }

  /** Paths (as written in the log) of the files the sink log lists as committed. */
  async committedPaths(): Promise<string[]> {
    const logPrefix = `${this.#prefix}_spark_metadata/`
    const entries = (await this.list(logPrefix))
      .map((o) => o.key.slice(logPrefix.length))
      .map((name) => ({ name, id: Number(name.replace(/\.compact$/, '')), compact: name.endsWith('.compact') }))
      .filter((e) => Number.isInteger(e.id))
    if (entries.length === 0) return []
    const latestCompact = Math.max(-1, ...entries.filter((e) => e.compact).map((e) => e.id))
    const use = entries.filter((e) => (e.compact ? e.id === latestCompact : e.id > latestCompact)).sort((a, b) => a.id - b.id)
    const files = new Map<string, boolean>()
    for (const e of use) {
      const text = await this.getText(`${logPrefix}${e.name}`)
      const lines = text.split('\n').filter((l) => l.length > 0)
      if (lines[0] !== 'v1') throw new Error(`${e.name}: unexpected version line ${lines[0]}`)
      for (const l of lines.slice(1)) {
        const s = JSON.parse(l) as { path: string; action: string }
        if (s.action === 'delete') files.delete(s.path)
        else files.set(s.path, true)
      }
    }
    return [...files.keys()]
  }

  /** Key (relative to the bucket) of a path from the sink log: `s3a://bucket/a/dt=x%252F/…`. */
  keyOfPath(path: string): string {
    const m = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(path)
    if (m === null || m[1] !== this.#bucket) throw new Error(`unexpected path in sink log: ${path}`)
    return decodeURIComponent(m[2]!)
  }

  async viaSparkMetadata(): Promise<OutputRow[]> {
    const keys = (await this.committedPaths()).map((p) => this.keyOfPath(p))
    return this.#rows(keys)
  }

  async viaListing(): Promise<OutputRow[]> {
    return this.#rows(await this.listedKeys())
  }

  /** Keys a plain listing reads: every object under the prefix except hidden `_`/`.` names. */
  async listedKeys(): Promise<string[]> {
    return (await this.list(this.#prefix))
      .map((o) => o.key)
      .filter((k) => !k.slice(this.#prefix.length).split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.')))
  }

  async #rows(keys: string[]): Promise<OutputRow[]> {
    const rows: OutputRow[] = []
    for (const key of keys) {
      const rel = key.slice(this.#prefix.length)
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : ''
      const text = await this.getText(key)
      for (const line of text.split('\n')) if (line.length > 0) rows.push({ dir, file: rel, line })
    }
    return rows
  }

  close(): void {
    this.#s3.destroy()
  }
}
