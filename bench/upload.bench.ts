/**
 * Upload throughput of the storage writer to s3rver, by part size × queue size, beside the peers
 * a user would otherwise write: @aws-sdk/lib-storage's Upload (its defaults: 5 MiB parts, 4 in
 * flight) and one PutObject of the whole body.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/upload.bench.js [--mib 48] [--reps 3] [--out file.json]
 *
 * s3rver runs in a child process so that it does not share this process's event loop. It stores
 * objects on the local disk, so absolute figures mostly measure s3rver and the disk; the ratios
 * between configurations are what matters. Data is written in 64 KiB chunks (a serialised batch
 * of records), the same random bytes for every run; configurations alternate order between
 * repetitions; each object is deleted after its run. Reports MB/s (10^6 bytes), median and range.
 */

import { execSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createStore, parseLocation, type Store } from '../src/storage/index.js'
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  s3SettingsFor,
  startS3rver,
} from '../test/helpers/s3rver.js'

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
const BUCKET = 'bench-upload'

interface Config {
  name: string
  run(key: string, data: Buffer): Promise<void>
}

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '48' },
    reps: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
})
const size = Number(values.mib) * MiB
const reps = Number(values.reps)

const server = await startS3rver({ buckets: [BUCKET], inChildProcess: true })
const stores: Store[] = []
const raw = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: S3RVER_SECRET_ACCESS_KEY },
})

try {
  const configs: Config[] = []
  for (const partMiB of [5, 8, 16]) {
    for (const queueSize of [1, 2, 4]) {
      const store = createStore({
        location: parseLocation(`s3://${BUCKET}/writer`),
        s3: s3SettingsFor(server.endpoint, { partSize: partMiB * MiB, queueSize }),
      })
      stores.push(store)
      configs.push({
        name: `writer part=${partMiB}MiB queue=${queueSize}`,
        async run(key, data) {
          const w = store.createWriter(key)
          for (let off = 0; off < data.length; off += CHUNK) {
            await w.write(data.subarray(off, off + CHUNK))
          }
          await w.close()
          await store.delete([key])
        },
      })
    }
  }
  configs.push({
    name: 'peer lib-storage Upload part=5MiB queue=4',
    async run(key, data) {
      await new Upload({
        client: raw,
        params: { Bucket: BUCKET, Key: `writer/${key}`, Body: data },
      }).done()
      await stores[0]!.delete([key])
    },
  })
  configs.push({
    name: 'peer single PutObject',
    async run(key, data) {
      await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `writer/${key}`, Body: data }))
      await stores[0]!.delete([key])
    },
  })

  const data = randomBytes(size)
  // Warm-up: sockets, JIT, s3rver's first-request costs.
  await configs[0]!.run('warmup', data.subarray(0, 6 * MiB))

  const samples = new Map<string, number[]>(configs.map((c) => [c.name, []]))
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? configs : [...configs].reverse()
    for (const c of order) {
      const start = process.hrtime.bigint()
      await c.run(`obj-${rep}`, data)
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      samples.get(c.name)!.push(size / 1e6 / seconds)
    }
  }

  const results = configs.map((c) => {
    const s = [...samples.get(c.name)!].sort((a, b) => a - b)
    return {
      name: c.name,
      medianMBps: round(s[Math.floor(s.length / 2)]!),
      minMBps: round(s[0]!),
      maxMBps: round(s[s.length - 1]!),
    }
  })
  const best = Math.max(...results.map((r) => r.medianMBps))
  const peer = results.find((r) => r.name.startsWith('peer lib-storage'))!.medianMBps
  const report = {
    bench: 'upload',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    commit: gitCommit(),
    objectMiB: size / MiB,
    chunkBytes: CHUNK,
    reps,
    results: results.map((r) => ({
      ...r,
      ofBest: round(r.medianMBps / best),
      vsLibStorage: round(r.medianMBps / peer),
    })),
  }
  for (const r of report.results) {
    console.log(
      `${r.name.padEnd(44)} ${String(r.medianMBps).padStart(8)} MB/s  ` +
        `[${r.minMBps}-${r.maxMBps}]  x${r.vsLibStorage} vs lib-storage`,
    )
  }
  if (values.out) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`)
  else console.log(JSON.stringify(report))
} finally {
  raw.destroy()
  for (const s of stores) await s.close()
  await server.stop()
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
