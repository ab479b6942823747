/**
 * docker/compose.yaml, checked without an engine: against the Compose specification's JSON schema
 * (as dclint ships it, installed by mk/deploy.mk into deploy/validate), and for
 * what the schema cannot see: every mounted file exists, the services agree with each other (the
 * job's topic and bucket are the ones created, Prometheus scrapes the sluice service's port,
 * Grafana's data source and dashboard are where they are mounted), and the seed job is a job
 * `sluice check` accepts in the sluice service's environment.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { cliPath } from '../helpers/sluice-process.js'
import { repoRoot, validatorRequire } from './deploy-tools.js'

const dockerDir = join(repoRoot, 'docker')
const composeText = readFileSync(join(dockerDir, 'compose.yaml'), 'utf8')
// merge: true applies the `<<:` keys, as Compose does.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const compose = parseYaml(composeText, { merge: true }) as { services: Record<string, any>; volumes: Record<string, unknown> }
const services = compose.services
// Compose resolves YAML merge keys (`<<:`) while parsing, before it validates; so do we.
const raw = parseYaml(composeText, { merge: true }) as unknown

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null }
function composeValidator(): Validate {
  const Ajv = (validatorRequire('ajv') as { default: new (o: object) => { compile(s: object): Validate } }).default
  const schemaPath = join(repoRoot, 'deploy', 'validate', 'node_modules', 'dclint', 'schemas', 'compose.schema.json')
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { $schema?: string; $id?: string }
  assert.equal(schema.$id, 'compose_spec.json', 'the Compose specification schema')
  // draft-07, ajv's default; its $schema URL lacks the trailing '#' ajv registers the draft under.
  delete schema.$schema
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema)
}

test('docker/compose.yaml is valid against the Compose specification schema', () => {
  const validate = composeValidator()
  const ok = validate(raw)
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2))
  // The schema check can fail: a misspelt service key is refused.
  const bad = parseYaml(composeText, { merge: true }) as { services: Record<string, Record<string, unknown>> }
  bad.services.sluice!.portz = bad.services.sluice!.ports
  assert.equal(validate(bad), false, 'an unknown service key is refused')
})

test('every service of the original setup is there', () => {
  for (const s of ['kafka', 'kafka-init', 'minio', 'minio-init', 'sluice', 'loadgen', 'prometheus', 'grafana']) assert.ok(services[s], s)
  assert.match(services.kafka.environment.KAFKA_PROCESS_ROLES, /broker,controller/, 'Kafka in KRaft mode')
  assert.ok(!Object.keys(services).some((s) => /zookeeper/i.test(s)), 'no ZooKeeper')
})

test('every bind mount and the build context exist', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const v of (s.volumes ?? []) as string[]) {
      const src = v.split(':')[0]!
      if (!src.startsWith('.') && !src.startsWith('/')) {
        assert.ok(src in compose.volumes, `${name}: named volume ${src} is declared`)
        continue
      }
      assert.ok(existsSync(resolve(dockerDir, src)), `${name}: ${src} exists`)
    }
    if (s.build) {
      const ctx = resolve(dockerDir, s.build.context)
      assert.ok(existsSync(join(ctx, s.build.dockerfile)), `${name}: ${s.build.dockerfile} in ${s.build.context}`)
    }
  }
})

test('depends_on conditions wait for something that can happen', () => {
  for (const [name, s] of Object.entries(services)) {
    if (!s.depends_on || Array.isArray(s.depends_on)) continue
    for (const [dep, { condition }] of Object.entries(s.depends_on as Record<string, { condition: string }>)) {
      assert.ok(services[dep], `${name} depends on ${dep}`)
      if (condition === 'service_healthy') assert.ok(services[dep].healthcheck?.test, `${dep} has a healthcheck for ${name}`)
      if (condition === 'service_completed_successfully') assert.equal(services[dep].restart, 'no', `${dep} runs once`)
    }
  }
})

function mounted(service: string, target: string): string {
  const v = (services[service].volumes as string[]).find((x) => x.split(':')[1] === target)
  assert.ok(v, `${service} mounts ${target}`)
  return resolve(dockerDir, v.split(':')[0]!)
}

function check(file: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cliPath, 'check', file], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

test('sluice runs the seed job, which `sluice check` accepts in the service environment; topic and bucket are created', async () => {
  const s = services.sluice
  assert.deepEqual(s.command, ['run', '/etc/sluice/job.yaml'])
  const jobFile = mounted('sluice', '/etc/sluice/job.yaml')
  assert.equal(jobFile, join(repoRoot, 'examples', 'streaming-test.yaml'))
  const env = Object.fromEntries(Object.entries(s.environment as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
  const res = await check(jobFile, env)
  assert.equal(res.code, 0, res.out)

  const job = parseYaml(readFileSync(jobFile, 'utf8')) as { source: { subscribe: string }; sink: { path: string; checkpointLocation: string }; metrics: { port: number } }
  const init = (services['kafka-init'].command as string[])
  assert.equal(init[init.indexOf('--topic') + 1], job.source.subscribe, 'kafka-init creates the topic the job reads')
  const lg = services.loadgen.command as string[]
  assert.equal(lg[lg.indexOf('--topic') + 1], job.source.subscribe, 'the load generator writes that topic')
  assert.equal(lg[lg.indexOf('--bootstrap') + 1], env.KAFKA_BOOTSTRAP)
  const bucket = /mc mb --ignore-existing local\/(\S+)/.exec((services['minio-init'].command as string[]).join(' '))?.[1]
  for (const p of [job.sink.path, job.sink.checkpointLocation]) assert.equal(new URL(p).host, bucket, `${p} is in the created bucket`)
  assert.equal(new URL(env.S3_ENDPOINT!).hostname, 'minio')
  assert.ok((s.ports as string[]).includes(`${job.metrics.port}:${job.metrics.port}`), 'the metrics port is published')
  assert.ok(parseInt(s.stop_grace_period, 10) > 25, 'the grace period is above the default --stop-timeout')
})

test('Prometheus scrapes the sluice service with the shipped rules; Grafana has its data source and dashboard', () => {
  const promFile = mounted('prometheus', '/etc/prometheus/prometheus.yml')
  const prom = parseYaml(readFileSync(promFile, 'utf8')) as { rule_files: string[]; scrape_configs: { static_configs: { targets: string[] }[] }[] }
  for (const r of prom.rule_files) assert.ok(existsSync(mounted('prometheus', join('/etc/prometheus', r))), `rule file ${r} is mounted beside the config`)
  const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((x) => x.targets))
  const job = parseYaml(readFileSync(join(repoRoot, 'examples', 'streaming-test.yaml'), 'utf8')) as { metrics: { port: number } }
  assert.ok(targets.includes(`sluice:${job.metrics.port}`), `Prometheus scrapes sluice:${job.metrics.port}`)

  const dsDir = mounted('grafana', '/etc/grafana/provisioning/datasources')
  const ds = parseYaml(readFileSync(join(dsDir, 'prometheus.yaml'), 'utf8')) as { datasources: { type: string; url: string; isDefault: boolean }[] }
  assert.equal(ds.datasources[0]!.type, 'prometheus')
  assert.equal(ds.datasources[0]!.url, 'http://prometheus:9090')
  assert.ok(ds.datasources[0]!.isDefault, 'the dashboard DS_PROMETHEUS variable picks the default')
  const provDir = mounted('grafana', '/etc/grafana/provisioning/dashboards')
  const prov = parseYaml(readFileSync(join(provDir, 'sluice.yaml'), 'utf8')) as { providers: { options: { path: string } }[] }
  const dash = mounted('grafana', `${prov.providers[0]!.options.path}/sluice.json`)
  assert.equal(dash, join(dockerDir, 'monitoring', 'grafana-dashboard.json'))
  assert.equal(dirname(services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH), prov.providers[0]!.options.path)
})
