/**
 * The Helm chart deploy/helm/sluice and the manifests it renders, checked without a cluster:
 * helm lint; every rendered object against the Kubernetes schemas (kubernetes-validate --strict,
 * offline, two Kubernetes versions) or the Prometheus Operator CRD models; the job ConfigMap is a
 * job `sluice check` accepts in the container's environment; no secret value in any ConfigMap;
 * the PodMonitor selects the port the container exposes; one writer per checkpoint; the stop
 * deadline fits in the grace period; shards; deploy/manifests/ is what the chart renders today.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { cliPath } from '../helpers/sluice-process.js'
import { chartDir, exec, helm, type K8sObject, kubernetesValidate, render, repoRoot, validatorRequire } from './deploy-tools.js'

const SECRET_VALUE = 'do-not-leak-8d41c7e2f0'
const FULL = [
  'shards=3',
  'podMonitor.enabled=true',
  'prometheusRule.enabled=true',
  'grafanaDashboard.enabled=true',
  'secret.create=true',
  'secret.data.AWS_ACCESS_KEY_ID=AKIAEXAMPLE',
  `secret.data.AWS_SECRET_ACCESS_KEY=${SECRET_VALUE}`,
  'job.s3.accessKeyId=${AWS_ACCESS_KEY_ID}',
  'job.s3.secretAccessKey=${AWS_SECRET_ACCESS_KEY}',
  'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/sluice',
]
const KUBERNETES_VERSIONS = ['1.29.0', '1.37.0']
const CRD_MODELS: Record<string, string> = {
  'monitoring.coreos.com/v1/PodMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
}

let dir: string
let defaults: { text: string; objects: K8sObject[] }
let full: { text: string; objects: K8sObject[] }
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-helm-'))
  defaults = await render()
  full = await render(FULL)
})
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const ofKind = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind)
const container = (d: K8sObject) => d.spec.template.spec.containers.find((c: { name: string }) => c.name === 'sluice')
const jobOf = (cm: K8sObject): Record<string, Record<string, unknown>> => parseYaml(cm.data['job.yaml'] as string)

describe('helm', () => {
  test('helm lint --strict passes, with defaults and with every option on', async () => {
    for (const set of [[], FULL]) {
      const r = await helm(['lint', '--strict', chartDir, ...set.flatMap((s) => ['--set', s])])
      assert.equal(r.code, 0, r.stdout + r.stderr)
    }
  })

  test('every rendered object passes the Kubernetes schemas (strict, offline) or its CRD model', async () => {
    for (const [name, r] of [['defaults', defaults], ['full', full]] as const) {
      const builtIn = r.objects.filter((o) => !o.apiVersion.includes('monitoring.coreos.com'))
      assert.ok(builtIn.length >= 3)
      const file = join(dir, `${name}.yaml`)
      await writeFile(file, builtIn.map((o) => JSON.stringify(o)).join('\n---\n'))
      for (const v of KUBERNETES_VERSIONS) {
        const out = await kubernetesValidate(['--strict', '-k', v, file])
        assert.equal(out.code, 0, `${name} against Kubernetes ${v}: ${out.stdout}${out.stderr}`)
        assert.doesNotMatch(out.stdout + out.stderr, /WARN|Couldn't find schema/, `every kind has a schema in ${v}`)
        const passed = (out.stdout + out.stderr).match(/passed for resource/g) ?? []
        assert.equal(passed.length, builtIn.length, `every object was checked against ${v}`)
      }
    }
    const crs = full.objects.filter((o) => o.apiVersion.includes('monitoring.coreos.com'))
    assert.deepEqual(crs.map((o) => o.kind).sort(), ['PodMonitor', 'PrometheusRule'])
    for (const o of crs) {
      const id = `${o.apiVersion}/${o.kind}`
      const mod = validatorRequire(CRD_MODELS[id]!) as Record<string, new (x: unknown) => { validate(): void; apiVersion: string }>
      const model = new mod[o.kind]!(o)
      assert.equal(model.apiVersion, o.apiVersion)
      assert.doesNotThrow(() => model.validate(), `${id} ${o.metadata.name}`)
    }
  })

  test('the schema check catches a misspelt field (the check can fail)', async () => {
    const file = join(dir, 'typo.yaml')
    const deployment = structuredClone(ofKind(defaults.objects, 'Deployment')[0]!)
    container(deployment).livenessProbee = container(deployment).livenessProbe
    await writeFile(file, JSON.stringify(deployment))
    const out = await kubernetesValidate(['--strict', '-k', KUBERNETES_VERSIONS[0]!, file])
    assert.notEqual(out.code, 0)
    assert.match(out.stdout + out.stderr, /livenessProbee/)
  })
})

describe('the workload', () => {
  test('one writer per checkpoint: each Deployment has one replica and the Recreate strategy', () => {
    for (const r of [defaults, full]) {
      for (const d of ofKind(r.objects, 'Deployment')) {
        assert.equal(d.spec.replicas, 1, d.metadata.name)
        assert.equal(d.spec.strategy.type, 'Recreate', d.metadata.name)
      }
    }
    const checkpoints = ofKind(full.objects, 'ConfigMap').filter((c) => c.data['job.yaml']).map((c) => jobOf(c).sink!.checkpointLocation)
    assert.equal(new Set(checkpoints).size, 3, 'each shard has its own checkpoint')
  })

  test('metrics port 8091 named `metrics`, liveness /healthz, readiness /readyz, resources', () => {
    const c = container(ofKind(defaults.objects, 'Deployment')[0]!)
    assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 8091, protocol: 'TCP' }])
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'metrics' })
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'metrics' })
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory)
    const job = jobOf(ofKind(defaults.objects, 'ConfigMap')[0]!)
    assert.equal(job.metrics!.port, c.ports[0].containerPort, 'the job listens where the container port is')
    assert.equal(job.metrics!.host, '0.0.0.0', 'reachable from the kubelet and Prometheus')
  })

  test('terminationGracePeriodSeconds is above the --stop-timeout sluice is given', async () => {
    for (const [set, stop] of [[[], 25], [['stopTimeoutSeconds=50'], 50]] as const) {
      const d = ofKind((await render([...set])).objects, 'Deployment')[0]!
      const args = container(d).args as string[]
      assert.deepEqual(args.slice(0, 2), ['run', '/etc/sluice/job.yaml'])
      const i = args.indexOf('--stop-timeout')
      assert.ok(i > 0, `--stop-timeout is passed: ${args.join(' ')}`)
      assert.equal(args[i + 1], `${stop}s`)
      assert.ok(d.spec.template.spec.terminationGracePeriodSeconds > stop, `grace ${d.spec.template.spec.terminationGracePeriodSeconds} > ${stop}`)
    }
  })

  test('workers follow the CPU request unless the job sets them (Node counts the node\'s cores, not the pod\'s)', async () => {
    const workers = async (set: string[]): Promise<unknown> => jobOf(ofKind((await render(set)).objects, 'ConfigMap')[0]!).workers
    assert.equal(jobOf(ofKind(defaults.objects, 'ConfigMap')[0]!).workers, 1)
    assert.equal(await workers(['resources.requests.cpu=2500m']), 3)
    assert.equal(await workers(['resources.requests.cpu=4']), 4)
    assert.equal(await workers(['job.workers=7']), 7)
  })

  test('non-root, read-only root file system, the image uid', () => {
    const d = ofKind(defaults.objects, 'Deployment')[0]!
    assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true)
    assert.equal(d.spec.template.spec.securityContext.runAsUser, 1000, 'the node user of the image')
    assert.equal(container(d).securityContext.readOnlyRootFilesystem, true)
  })
})

function checkJob(file: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    // Only the container's environment, so a ${VAR} the chart does not provide fails.
    execFile(process.execPath, [cliPath, 'check', file], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

function containerEnv(r: { objects: K8sObject[] }, d: K8sObject): Record<string, string> {
  const env: Record<string, string> = {}
  for (const e of container(d).env ?? []) if (typeof e.value === 'string') env[e.name] = e.value
  for (const from of container(d).envFrom ?? []) {
    const secret = ofKind(r.objects, 'Secret').find((s) => s.metadata.name === from.secretRef.name)
    assert.ok(secret, `envFrom Secret ${from.secretRef.name} is rendered`)
    Object.assign(env, secret.stringData)
  }
  return env
}

describe('the job ConfigMap', () => {
  test('is a job `sluice check` accepts in the container environment, per shard', async () => {
    for (const [name, r] of [['defaults', defaults], ['full', full]] as const) {
      const deployments = ofKind(r.objects, 'Deployment')
      assert.equal(deployments.length, name === 'full' ? 3 : 1)
      for (const d of deployments) {
        const cmName = d.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'job').configMap.name
        const cm = ofKind(r.objects, 'ConfigMap').find((c) => c.metadata.name === cmName)
        assert.ok(cm, `ConfigMap ${cmName}`)
        const mount = container(d).volumeMounts.find((m: { name: string }) => m.name === 'job').mountPath
        assert.equal(`${mount}/job.yaml`, container(d).args[1], 'the mounted file is the one sluice runs')
        const file = join(dir, `${d.metadata.name}.yaml`)
        await writeFile(file, cm.data['job.yaml'])
        const res = await checkJob(file, containerEnv(r, d))
        assert.equal(res.code, 0, `${d.metadata.name}: ${res.out}`)
      }
    }
  })

  test('the values hold the job as users write it: the seed job is the chart default', async () => {
    const seed = parseYaml(await readFile(join(repoRoot, 'examples', 'streaming-test.yaml'), 'utf8')) as Record<string, Record<string, unknown>>
    const job = jobOf(ofKind(defaults.objects, 'ConfigMap')[0]!)
    for (const k of ['name', 'schema', 'select', 'sink', 'conf']) assert.deepEqual(job[k], seed[k], k)
  })

  test('a job sluice rejects is caught (the check can fail)', async () => {
    const r = await render(['job.sink.coalesce=0'])
    const file = join(dir, 'bad.yaml')
    await writeFile(file, ofKind(r.objects, 'ConfigMap')[0]!.data['job.yaml'])
    const res = await checkJob(file, containerEnv(r, ofKind(r.objects, 'Deployment')[0]!))
    assert.notEqual(res.code, 0)
    assert.match(res.out, /sink\.coalesce/)
  })

  test('shards: shard i reads source.shard "i/3" into <path>/shard=<i>/ with checkpoint <checkpoint>/shard-<i>/', () => {
    const jobs = ofKind(full.objects, 'ConfigMap').filter((c) => c.data['job.yaml']).map(jobOf)
    assert.deepEqual(jobs.map((j) => j.source!.shard), ['0/3', '1/3', '2/3'])
    assert.deepEqual(jobs.map((j) => j.sink!.path), [0, 1, 2].map((i) => `s3a://sensor-test/StreamingTest/shard=${i}/`))
    assert.deepEqual(jobs.map((j) => j.sink!.checkpointLocation), [0, 1, 2].map((i) => `s3a://sensor-test/StreamingTest_checkpoint/shard-${i}/`))
  })
})

describe('secrets', () => {
  test('no secret value appears in any rendered ConfigMap; the Secret carries it to the container', () => {
    const configMaps = ofKind(full.objects, 'ConfigMap')
    assert.ok(configMaps.length >= 4)
    for (const cm of configMaps) assert.ok(!JSON.stringify(cm).includes(SECRET_VALUE), `${cm.metadata.name} leaks the secret`)
    const [secret] = ofKind(full.objects, 'Secret')
    assert.equal(secret!.stringData.AWS_SECRET_ACCESS_KEY, SECRET_VALUE, 'the value is in the Secret')
    for (const d of ofKind(full.objects, 'Deployment')) {
      assert.deepEqual(container(d).envFrom, [{ secretRef: { name: secret!.metadata.name } }])
      assert.ok(!JSON.stringify(d).includes(SECRET_VALUE), `${d.metadata.name} has the value inline`)
    }
    // Workload identity instead: the ServiceAccount carries the role, and the pods use it.
    const [sa] = ofKind(full.objects, 'ServiceAccount')
    assert.equal(sa!.metadata.annotations!['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/sluice')
    for (const d of ofKind(full.objects, 'Deployment')) assert.equal(d.spec.template.spec.serviceAccountName, sa!.metadata.name)
  })

  test('a literal credential in the job is refused, naming the fix', async () => {
    const r = await helm(['template', 'sluice', chartDir, '--set', `job.s3.secretAccessKey=${SECRET_VALUE}`])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /job\.s3\.secretAccessKey is a literal credential/)
    assert.ok(!r.stdout.includes(SECRET_VALUE))
  })
})

describe('monitoring', () => {
  test('the PodMonitor selects every sluice pod and scrapes the port its container exposes', () => {
    const [pm] = ofKind(full.objects, 'PodMonitor')
    const selector = pm!.spec.selector.matchLabels as Record<string, string>
    const deployments = ofKind(full.objects, 'Deployment')
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels as Record<string, string>
      for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v, `${d.metadata.name} pod label ${k}`)
      const names = (container(d).ports as { name: string }[]).map((p) => p.name)
      for (const ep of pm!.spec.podMetricsEndpoints) assert.ok(names.includes(ep.port), `port ${ep.port} is exposed by ${d.metadata.name}`)
    }
    assert.equal(pm!.spec.podMetricsEndpoints[0].path, '/metrics')
  })

  test('the PrometheusRule is the shipped alerts.yml; the dashboard ConfigMap is the shipped dashboard, labelled for the sidecar', async () => {
    const alerts = parseYaml(await readFile(join(repoRoot, 'docker', 'monitoring', 'alerts.yml'), 'utf8')) as { groups: unknown[] }
    const [rule] = ofKind(full.objects, 'PrometheusRule')
    assert.deepEqual(rule!.spec.groups, alerts.groups)
    const dash = ofKind(full.objects, 'ConfigMap').find((c) => c.metadata.name.endsWith('-dashboard'))!
    assert.equal(dash.metadata.labels!.grafana_dashboard, '1')
    const shipped = JSON.parse(await readFile(join(repoRoot, 'docker', 'monitoring', 'grafana-dashboard.json'), 'utf8')) as unknown
    assert.deepEqual(JSON.parse(dash.data['sluice.json'] as string), shipped)
  })
})

test('deploy/manifests/ is what the chart renders today (make manifests)', async () => {
  const out = join(dir, 'manifests')
  await exec('mkdir', ['-p', out])
  const helmBin = process.env.SLUICE_HELM ?? join(repoRoot, '.cache', 'deploy', 'bin', 'helm')
  const r = await exec('bash', [join(repoRoot, 'deploy', 'manifests', 'generate.sh'), helmBin, out])
  assert.equal(r.code, 0, r.stderr)
  for (const f of ['sluice.yaml', 'monitoring.yaml']) {
    const want = await readFile(join(out, f), 'utf8')
    const have = await readFile(join(repoRoot, 'deploy', 'manifests', f), 'utf8')
    assert.ok(have === want, `deploy/manifests/${f} is stale: run make manifests`)
  }
})
