/**
 * Shared by the deployment tests: the tools mk/deploy.mk installs (helm, kubernetes-validate, the
 * npm validators in deploy/validate), found where it puts them; a missing one fails the test with
 * the command that installs it. Nothing here downloads anything.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { repoRoot } from '../helpers/sluice-process.js'

export { repoRoot }
export const chartDir = join(repoRoot, 'deploy', 'helm', 'sluice')
const helmPath = process.env.SLUICE_HELM ?? join(repoRoot, '.cache', 'deploy', 'bin', 'helm')
const kubeValidatePath = process.env.SLUICE_KUBE_VALIDATE ?? join(repoRoot, '.cache', 'deploy', 'venv', 'bin', 'kubernetes-validate')

function need(path: string, what: string): string {
  assert.ok(existsSync(path), `${what} is not installed at ${path}: run \`make deploy-tools\` (make test does it)`)
  return path
}

/** require() rooted in deploy/validate, where mk/deploy.mk installs the npm validators. */
export function validatorRequire(id: string): unknown {
  need(join(repoRoot, 'deploy', 'validate', 'node_modules', '.package-lock.json'), 'deploy/validate/node_modules')
  return createRequire(join(repoRoot, 'deploy', 'validate', 'package.json'))(id)
}

export interface Run {
  code: number
  stdout: string
  stderr: string
}

export function exec(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

export function helm(args: string[]): Promise<Run> {
  return exec(need(helmPath, 'helm'), args)
}

export function kubernetesValidate(args: string[]): Promise<Run> {
  return exec(need(kubeValidatePath, 'kubernetes-validate'), args)
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any }

/** `helm template` of the chart with `--set`-style values; fails the test if helm does. */
export async function render(set: string[] = [], extra: string[] = []): Promise<{ text: string; objects: K8sObject[] }> {
  const args = ['template', 'sluice', chartDir, ...extra]
  for (const s of set) args.push('--set', s)
  const r = await helm(args)
  assert.equal(r.code, 0, `helm template ${set.join(' ')} failed: ${r.stderr}`)
  return { text: r.stdout, objects: parseObjects(r.stdout) }
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null)
}
