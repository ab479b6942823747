/**
 * docker/monitoring/: the Prometheus config, the alerting rules and their unit tests pass promtool
 * (Debian `prometheus`); the Grafana dashboard and the alerts use only the metric names of the
 * monitoring contract, filter every series by the `query` variable, and parse as PromQL; the
 * PodMonitor names the `metrics` port. The dashboard's PromQL returning data from a real sluice is
 * checked by the Prometheus end-to-end test (it uses test/helpers/dashboard-queries.ts).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { parse as parseYaml, parseAllDocuments } from 'yaml'
import { dashboardExpressions, dashboardPanels, loadDashboard, monitoringDir } from '../helpers/dashboard-queries.js'

/** The metric families of the monitoring contract (docs/metrics.md), names exact. */
const CONTRACT = new Set([
  'sluice_input_rows_total',
  'sluice_input_rows_per_second',
  'sluice_processed_rows_per_second',
  'sluice_batch_duration_seconds',
  'sluice_last_batch_id',
  'sluice_last_batch_timestamp_seconds',
  'sluice_batches_total',
  'sluice_trigger_interval_seconds',
  'sluice_kafka_offsets_behind_latest',
  'sluice_kafka_offsets_behind_latest_avg',
  'sluice_kafka_offsets_behind_latest_max',
  'sluice_kafka_offsets_behind_latest_min',
  'sluice_kafka_lag_seconds',
  'sluice_kafka_lost_offsets_total',
  'sluice_output_files_total',
  'sluice_output_bytes_total',
  'sluice_input_bytes_total',
  'sluice_corrupt_records_total',
  'sluice_bad_records_total',
  'sluice_s3_requests_total',
  'sluice_s3_request_duration_seconds',
  'sluice_worker_pool_utilization',
  'sluice_worker_queue_size',
  'sluice_kafka_security_info',
  // Compaction (src/metrics/compaction-metrics.ts)
  'sluice_compactions_total',
  'sluice_compaction_files_rewritten_total',
  'sluice_compaction_files_written_total',
  'sluice_compaction_bytes_rewritten_total',
  'sluice_compaction_files_removed_total',
  'sluice_compaction_directory_files',
  'sluice_compaction_directory_bytes',
  'sluice_output_directories',
  'sluice_output_directory_files_max',
])
const HISTOGRAMS = new Set(['sluice_batch_duration_seconds', 'sluice_s3_request_duration_seconds', 'sluice_compaction_directory_files', 'sluice_compaction_directory_bytes'])

/** The families the dashboard must chart (issue 3's panel list). */
const DASHBOARD_MUST_SHOW = [
  'sluice_input_rows_total',
  'sluice_input_rows_per_second',
  'sluice_processed_rows_per_second',
  'sluice_kafka_offsets_behind_latest',
  'sluice_kafka_lag_seconds',
  'sluice_kafka_offsets_behind_latest_avg',
  'sluice_kafka_offsets_behind_latest_max',
  'sluice_batch_duration_seconds_bucket',
  'sluice_trigger_interval_seconds',
  'sluice_output_files_total',
  'sluice_output_bytes_total',
  'sluice_corrupt_records_total',
  'sluice_s3_requests_total',
  'sluice_s3_request_duration_seconds_bucket',
  'sluice_worker_pool_utilization',
  'sluice_worker_queue_size',
  'sluice_process_resident_memory_bytes',
]

const REQUIRED_ALERTS = [
  'SluiceLagGrowing',
  'SluiceBatchSlowerThanTrigger',
  'SluiceNoProgress',
  'SluiceDataLoss',
  'SluiceS3Errors',
  'SluiceBatchesFailing',
]

const tmpDirs: string[] = []
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true })
})

/** A name outside the contract, or undefined when every `sluice_*` name in `expr` is in it. */
function unknownMetric(expr: string): string | undefined {
  for (const [name] of expr.matchAll(/\bsluice_[a-z0-9_]+/g)) {
    if (CONTRACT.has(name)) continue
    if (name.startsWith('sluice_process_') || name.startsWith('sluice_nodejs_')) continue
    const family = name.replace(/_(bucket|sum|count)$/, '')
    if (family !== name && HISTOGRAMS.has(family)) continue
    return name
  }
  return undefined
}

function findPromtool(): string {
  // PROMTOOL, when set, is the only candidate (so a wrong value fails instead of being ignored)
  const candidates = process.env.PROMTOOL
    ? [process.env.PROMTOOL]
    : [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, 'promtool')), '/usr/bin/promtool']
  const found = candidates.find((p) => existsSync(p))
  if (found === undefined) {
    assert.fail(
      `promtool not found (looked at ${candidates.join(', ')}): it comes with the Debian package ` +
        '`prometheus`; install it with `sudo apt-get install -y prometheus` (`make test` does so when run as root)',
    )
  }
  return found
}

function promtool(...args: string[]): string {
  const bin = findPromtool()
  const r = spawnSync(bin, args, { cwd: monitoringDir, encoding: 'utf8', timeout: 60_000 })
  if (r.error !== undefined) throw r.error
  const output = `${r.stdout}${r.stderr}`
  assert.equal(r.status, 0, `promtool ${args.join(' ')} exited with ${r.status}:\n${output}`)
  return output
}

interface AlertRule {
  alert: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

function alertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(join(monitoringDir, 'alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: AlertRule[] }[]
  }
  const group = doc.groups.find((g) => g.name === 'sluice')
  assert.ok(group, 'alerts.yml has no group named sluice')
  return group.rules
}

test('promtool check config: prometheus.yml and the rule file it loads are valid', () => {
  const out = promtool('check', 'config', join(monitoringDir, 'prometheus.yml'))
  assert.match(out, /SUCCESS: 1 rule files found/)
  assert.match(out, /alerts\.yml/)
})

test('prometheus.yml scrapes sluice:8091/metrics every 5 s and loads alerts.yml', () => {
  const cfg = parseYaml(readFileSync(join(monitoringDir, 'prometheus.yml'), 'utf8')) as {
    rule_files: string[]
    scrape_configs: { job_name: string; scrape_interval: string; metrics_path?: string; static_configs: { targets: string[] }[] }[]
  }
  assert.deepEqual(cfg.rule_files, ['alerts.yml'])
  const job = cfg.scrape_configs.find((j) => j.static_configs.some((s) => s.targets.includes('sluice:8091')))
  assert.ok(job, 'no scrape job targets sluice:8091')
  assert.equal(job.scrape_interval, '5s')
  assert.equal(job.metrics_path ?? '/metrics', '/metrics')
})

test('promtool check rules: alerts.yml is valid', () => {
  const out = promtool('check', 'rules', join(monitoringDir, 'alerts.yml'))
  assert.match(out, new RegExp(`SUCCESS: ${alertRules().length} rules found`))
})

test('promtool test rules: alerts.test.yml passes', () => {
  const out = promtool('test', 'rules', join(monitoringDir, 'alerts.test.yml'))
  assert.match(out, /SUCCESS/)
})

test('every required alert exists, says what to do, and uses only contract metrics', () => {
  const rules = alertRules()
  const names = rules.map((r) => r.alert)
  for (const a of REQUIRED_ALERTS) assert.ok(names.includes(a), `alerts.yml lacks ${a}`)
  for (const r of rules) {
    assert.match(r.labels?.severity ?? '', /^(warning|critical)$/, `${r.alert}: severity label`)
    assert.ok((r.annotations?.summary ?? '').includes('{{'), `${r.alert}: summary should name the query or value`)
    assert.ok((r.annotations?.description ?? '').length > 150, `${r.alert}: description should say what to do`)
    assert.equal(unknownMetric(r.expr), undefined, `${r.alert} uses a metric outside the contract: ${r.expr}`)
  }
})

test('alerts.test.yml has a firing and a quiet case for every alert', () => {
  const tests = parseYaml(readFileSync(join(monitoringDir, 'alerts.test.yml'), 'utf8')) as {
    rule_files: string[]
    tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[]
  }
  assert.deepEqual(tests.rule_files, ['alerts.yml'])
  const fires = new Set<string>()
  const quiet = new Set<string>()
  for (const t of tests.tests) {
    for (const c of t.alert_rule_test ?? []) ((c.exp_alerts ?? []).length > 0 ? fires : quiet).add(c.alertname)
  }
  for (const { alert } of alertRules()) {
    assert.ok(fires.has(alert), `alerts.test.yml has no case where ${alert} fires`)
    assert.ok(quiet.has(alert), `alerts.test.yml has no case where ${alert} stays quiet`)
  }
})

test('the dashboard: schema 39, a Prometheus datasource variable, a query variable', () => {
  const d = loadDashboard()
  assert.equal(d.schemaVersion, 39)
  const vars = (d.templating?.list ?? []) as { name: string; type: string; query?: unknown; definition?: string }[]
  const ds = vars.find((v) => v.name === 'DS_PROMETHEUS')
  assert.ok(ds, 'no DS_PROMETHEUS variable')
  assert.equal(ds.type, 'datasource')
  assert.equal(ds.query, 'prometheus')
  const q = vars.find((v) => v.name === 'query')
  assert.ok(q, 'no query variable')
  assert.equal(q.type, 'query')
  assert.equal(q.definition, 'label_values(sluice_last_batch_id, query)')
})

test('every dashboard panel queries Prometheus for contract metrics of the selected query', () => {
  const panels = dashboardPanels(loadDashboard()).filter((p) => p.type !== 'row')
  assert.ok(panels.length >= 12, `only ${panels.length} panels`)
  const seen = new Set<string>()
  for (const p of panels as { title: string; datasource?: { uid?: string }; targets?: { expr?: string; datasource?: { uid?: string } }[] }[]) {
    assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `panel "${p.title}": datasource`)
    assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has no target`)
    for (const t of p.targets ?? []) {
      const expr = t.expr ?? ''
      assert.equal(t.datasource?.uid, '${DS_PROMETHEUS}', `panel "${p.title}": target datasource`)
      assert.equal(unknownMetric(expr), undefined, `panel "${p.title}" uses a metric outside the contract: ${expr}`)
      const selectors = [...expr.matchAll(/\b(sluice_[a-z0-9_]+)(\{[^}]*\})?/g)]
      assert.ok(selectors.length > 0, `panel "${p.title}": no sluice metric in ${expr}`)
      for (const [, name, matchers] of selectors) {
        seen.add(name as string)
        assert.match(matchers ?? '', /query=~?"\$query"/, `panel "${p.title}": ${name} is not filtered by {query="$query"} in ${expr}`)
      }
    }
  }
  for (const m of DASHBOARD_MUST_SHOW) assert.ok(seen.has(m), `no panel charts ${m}`)
})

test('dashboardExpressions() substitutes every variable and each expression parses as PromQL', () => {
  const exprs = dashboardExpressions('Stream "A"')
  const raw = dashboardPanels(loadDashboard()).flatMap((p) => p.targets ?? [])
  assert.equal(exprs.length, raw.length)
  for (const e of exprs) {
    assert.doesNotMatch(e.expr, /\$/, `${e.title}: unsubstituted variable in ${e.expr}`)
    assert.match(e.expr, /query="Stream \\"A\\""/, `${e.title}: ${e.expr}`)
  }
  assert.ok(exprs.some((e) => e.expr.includes('[1m]')), '$__rate_interval became 1m')
  // promtool parses every expression of a rule file: load the dashboard's as recording rules
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-'))
  tmpDirs.push(dir)
  const file = join(dir, 'dashboard-rules.yml')
  const rules = exprs.map((e, i) => ({ record: `sluice_dashboard:check_${i}`, expr: e.expr }))
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }))
  const out = promtool('check', 'rules', file)
  assert.match(out, new RegExp(`SUCCESS: ${rules.length} rules found`))
})

test('the PodMonitor selects app.kubernetes.io/name=sluice and scrapes the port named metrics', () => {
  const text = readFileSync(join(monitoringDir, 'podmonitor.yaml'), 'utf8')
  const docs = parseAllDocuments(text)
  assert.equal(docs.length, 1)
  assert.deepEqual(docs[0]?.errors, [])
  const pm = docs[0]?.toJS() as {
    apiVersion: string
    kind: string
    metadata: { name: string }
    spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string; interval: string }[] }
  }
  assert.equal(pm.apiVersion, 'monitoring.coreos.com/v1')
  assert.equal(pm.kind, 'PodMonitor')
  assert.equal(pm.spec.selector.matchLabels['app.kubernetes.io/name'], 'sluice')
  assert.equal(pm.spec.podMetricsEndpoints.length, 1)
  assert.deepEqual(pm.spec.podMetricsEndpoints[0], { ...pm.spec.podMetricsEndpoints[0], port: 'metrics', path: '/metrics', interval: '15s' })
  // the header tells users to name the container port
  assert.match(text, /^#.*name its metrics port `metrics`.*8091/ms)
})
