/**
 * The PromQL of docker/monitoring/grafana-dashboard.json, ready to send to a real Prometheus:
 * every panel target's `expr` with Grafana's variables replaced the way Grafana would for one
 * query (the job's `name`) and fixed intervals.
 *
 *   for (const { title, expr } of dashboardExpressions('StreamingTest')) await promQuery(expr)
 *
 * Any `$variable` left after substitution is an error here rather than a confusing PromQL parse
 * error later: a new dashboard variable must be added below.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Repository root, from dist/test/helpers/ (compiled) — the layout every test runs from. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const monitoringDir = join(repoRoot, 'docker', 'monitoring')
export const dashboardPath = join(monitoringDir, 'grafana-dashboard.json')

export interface DashboardExpression {
  /** The panel's title (several targets of one panel share it). */
  title: string
  /** The target's refId within its panel (A, B, …). */
  refId: string
  expr: string
}

export interface DashboardIntervals {
  /** Replaces `$__rate_interval`. */
  rateInterval?: string
  /** Replaces `$__interval`. */
  interval?: string
  /** Replaces `$__range`. */
  range?: string
}

interface PanelJson {
  type?: string
  title?: string
  panels?: PanelJson[]
  targets?: { expr?: string; refId?: string }[]
}

/** Every panel (rows' nested panels included) of the dashboard JSON, in file order. */
export function dashboardPanels(dashboard: { panels?: PanelJson[] }): PanelJson[] {
  const out: PanelJson[] = []
  const walk = (panels: PanelJson[] | undefined): void => {
    for (const p of panels ?? []) {
      out.push(p)
      walk(p.panels)
    }
  }
  walk(dashboard.panels)
  return out
}

/** Loads the dashboard JSON (fresh on every call, so edits show without a rebuild). */
export function loadDashboard(): { panels?: PanelJson[]; templating?: { list?: unknown[] }; [k: string]: unknown } {
  return JSON.parse(readFileSync(dashboardPath, 'utf8'))
}

function promString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
}

function promRegex(s: string): string {
  return promString(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
}

/** Substitutes Grafana's variables in one expression; throws if an unknown one remains. */
export function substituteVariables(expr: string, queryName: string, intervals: DashboardIntervals = {}): string {
  const rateInterval = intervals.rateInterval ?? '1m'
  const interval = intervals.interval ?? '15s'
  const range = intervals.range ?? '5m'
  const out = expr
    .replace(/\$\{__rate_interval\}|\$__rate_interval\b/g, rateInterval)
    .replace(/\$\{__interval\}|\$__interval\b/g, interval)
    .replace(/\$\{__range\}|\$__range\b/g, range)
    // a regex matcher gets the name regex-escaped, an equality matcher only string-escaped
    .replace(/=~"(\$\{query\}|\$query\b|\[\[query\]\])"/g, () => `=~"${promRegex(queryName)}"`)
    .replace(/\$\{query\}|\$query\b|\[\[query\]\]/g, () => promString(queryName))
  const left = /\$\{?[A-Za-z_][A-Za-z0-9_]*|\[\[[A-Za-z_]+\]\]/.exec(out)
  if (left !== null) {
    throw new Error(
      `dashboard expression uses the variable ${left[0]} that dashboardExpressions() does not substitute: ${expr}; ` +
        'add it to test/helpers/dashboard-queries.ts or remove it from docker/monitoring/grafana-dashboard.json',
    )
  }
  return out
}

/** Every panel target's expression of the dashboard, variables substituted for `queryName`. */
export function dashboardExpressions(queryName: string, intervals: DashboardIntervals = {}): DashboardExpression[] {
  const out: DashboardExpression[] = []
  for (const panel of dashboardPanels(loadDashboard())) {
    for (const t of panel.targets ?? []) {
      if (typeof t.expr !== 'string' || t.expr.trim() === '') continue
      out.push({
        title: panel.title ?? '(untitled)',
        refId: t.refId ?? '',
        expr: substituteVariables(t.expr, queryName, intervals),
      })
    }
  }
  return out
}
