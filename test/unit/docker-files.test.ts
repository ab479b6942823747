/**
 * No Docker engine runs here, so docker/Dockerfile is validated by reading it: every COPY source
 * from the build context exists, the build runs the project's own build command, the runtime stage
 * is non-root with production dependencies only, `sluice` (the package bin) is the entrypoint, the
 * HEALTHCHECK command really tells a healthy /healthz from a failing one, and the OCI labels agree
 * with package.json.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; version: string; license: string }
// Instructions with their continuation lines joined.
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim().replace(/\s+/g, ' '))
  .filter((l) => l !== '' && !l.startsWith('#'))

interface Stage {
  name: string
  lines: string[]
}
const stages: Stage[] = []
for (const line of instructions) {
  const from = /^FROM \S+(?: AS (\S+))?$/i.exec(line)
  if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] })
  else stages.at(-1)?.lines.push(line)
}
const runtime = stages.at(-1)!
const jsonArgs = (stage: Stage, instr: string): string[] => JSON.parse(stage.lines.find((l) => l.startsWith(`${instr} `))!.slice(instr.length + 1)) as string[]

test('every COPY from the build context names files that exist', () => {
  const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
  assert.ok(copies.length >= 3)
  for (const line of copies) {
    const parts = line.split(/\s+/).slice(1)
    for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(root, src)), `${line}: ${src} is missing`)
  }
})

test('multi-stage: the image builds with the project tsconfig; the runtime copies only named stages', () => {
  assert.ok(stages.length >= 2, 'at least a build and a runtime stage')
  assert.ok(instructions.includes('RUN npx tsc -p tsconfig.json'))
  const names = stages.map((s) => s.name)
  for (const l of runtime.lines.filter((x) => x.includes('--from='))) {
    const from = /--from=(\S+)/.exec(l)![1]!
    assert.ok(names.slice(0, -1).includes(from), `${l}: stage ${from} is defined before the runtime`)
  }
})

test('the runtime stage has production dependencies only and no sources, and does not run as root', () => {
  const copies = runtime.lines.filter((l) => l.startsWith('COPY '))
  const nm = copies.find((l) => l.includes('node_modules'))
  assert.ok(nm, 'node_modules is copied into the runtime')
  const depsStage = stages.find((s) => s.name === /--from=(\S+)/.exec(nm)![1])!
  assert.ok(depsStage.lines.some((l) => /^RUN npm ci\b.*--omit=dev/.test(l)), `stage ${depsStage.name} installs with npm ci --omit=dev`)
  assert.ok(!runtime.lines.some((l) => /\bnpm (ci|install)\b/.test(l) && !l.includes('--omit=dev')), 'no dev install in the runtime')
  assert.ok(!copies.some((l) => /\bsrc\b(?!\/)|\btsconfig\.json\b|\btest\b/.test(l.replaceAll('dist/src', ''))), 'no TypeScript sources in the runtime')
  assert.ok(copies.some((l) => l.startsWith('COPY --from=') && l.includes('/app/dist/src')), 'the compiled output is copied')
  const user = runtime.lines.filter((l) => l.startsWith('USER ')).at(-1)
  assert.ok(user && !/^USER (root|0)(:|$)/.test(user), `runtime USER is not root (${user})`)
})

test('the entrypoint is `sluice`, linked to the package bin the build produces', () => {
  assert.deepEqual(jsonArgs(runtime, 'ENTRYPOINT'), ['sluice'])
  const link = runtime.lines.find((l) => /ln -s \S+ \/usr\/local\/bin\/sluice/.test(l))
  assert.ok(link, 'sluice is linked onto the PATH')
  const target = /ln -s (\S+) \/usr\/local\/bin\/sluice/.exec(link)![1]!
  assert.equal(target, `/app/${pkg.bin.sluice}`, 'the link points at the package bin')
  assert.ok(existsSync(join(root, pkg.bin.sluice)), `${pkg.bin.sluice} is produced by the build`)
  assert.ok(readFileSync(join(root, pkg.bin.sluice), 'utf8').startsWith('#!/usr/bin/env node'), 'the bin has a node shebang')
  assert.ok(link.includes(`chmod 0755 ${target}`), 'the bin is made executable')
  assert.deepEqual(jsonArgs(runtime, 'CMD'), ['run', '/etc/sluice/job.yaml'])
  assert.ok(runtime.lines.includes('EXPOSE 8091'), 'the metrics port is exposed')
})

test('the OCI labels name the image and agree with package.json', () => {
  const labels = new Map<string, string>()
  for (const l of runtime.lines.filter((x) => x.startsWith('LABEL '))) {
    for (const m of l.matchAll(/(org\.opencontainers\.image\.[a-z]+)="([^"]*)"/g)) labels.set(m[1]!, m[2]!)
  }
  for (const k of ['title', 'description', 'version', 'licenses', 'source']) assert.ok(labels.get(`org.opencontainers.image.${k}`), `label ${k}`)
  assert.equal(labels.get('org.opencontainers.image.licenses'), pkg.license)
  const version = /^ARG VERSION=(\S+)$/m.exec(runtime.lines.join('\n'))?.[1]
  assert.equal(version, pkg.version, 'ARG VERSION defaults to the package version')
  assert.equal(labels.get('org.opencontainers.image.version'), '${VERSION}')
})

function run(cmd: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, timeout: 20_000 }, (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0))
  })
}

test('the HEALTHCHECK command passes on a 200 from /healthz and fails on a 503 or no server', async () => {
  const hc = runtime.lines.find((l) => l.startsWith('HEALTHCHECK '))
  assert.ok(hc, 'a HEALTHCHECK is declared')
  const cmd = JSON.parse(hc.slice(hc.indexOf(' CMD ') + 5)) as string[]
  assert.ok(cmd.join(' ').includes('/healthz'))
  let healthy = true
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' && healthy ? 200 : 503
    res.end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = String((server.address() as AddressInfo).port)
  try {
    assert.equal(await run(cmd, { SLUICE_HEALTH_PORT: port }), 0, 'healthy')
    healthy = false
    assert.notEqual(await run(cmd, { SLUICE_HEALTH_PORT: port }), 0, 'unhealthy')
  } finally {
    await new Promise((r) => server.close(r))
  }
  assert.notEqual(await run(cmd, { SLUICE_HEALTH_PORT: port }), 0, 'nothing listening')
})
