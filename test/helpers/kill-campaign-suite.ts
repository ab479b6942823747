/**
 * The kill campaign on three targets, one after the other: versitygw (enforces conditional
 * writes), s3rver (ignores them) and a file:// sink. `kills` is split between them. Each target
 * gets its own S3 server (or directory), topic and checkpoint; one Kafka mock is shared.
 */
import assert from 'node:assert/strict'
import { mkdir, rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { startKafkaMock } from './kafka-mock.js'
import { type CampaignOptions, campaignLeftovers, runKillCampaign } from './kill-campaign.js'
import { tempDir } from './query-fixtures.js'
import { type S3FaultProxy, startS3FaultProxy } from './s3-fault-proxy.js'
import { S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY, startS3rver } from './s3rver.js'
import type { Stack } from './stack.js'
import { startVersitygw } from './versitygw.js'

type Target = 'versitygw' | 's3rver' | 'file'

export function killCampaignSuite(o: { kills: Record<Target, number>; seed: number; label: string }): void {
  const stacks: Partial<Record<Target, Stack>> = {}
  const proxies: S3FaultProxy[] = []
  const stops: (() => Promise<void>)[] = []
  let dir: string
  const done: Partial<Record<Target, CampaignOptions>> = {}

  before(async () => {
    dir = await tempDir('sluice-kill-campaign-')
    const kafka = await startKafkaMock({ brokers: 1, topics: (['versitygw', 's3rver', 'file'] as const).map((t) => ({ name: `kc-${t}`, partitions: 4 })) })
    stops.push(() => kafka.stop())
    const vgw = await startVersitygw({ buckets: ['kc-versitygw'] })
    stops.push(() => vgw.stop())
    const s3r = await startS3rver({ buckets: ['kc-s3rver'] })
    stops.push(() => s3r.stop())
    for (const [t, s3] of [['versitygw', vgw], ['s3rver', s3r], ['file', s3r]] as const) {
      const env = {
        KAFKA_BOOTSTRAP: kafka.bootstrap,
        S3_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
        AWS_REGION: 'us-east-1',
      }
      stacks[t] = { kafka, s3, env, stop: async () => {} }
    }
  })
  after(async () => {
    for (const p of proxies) await p.close()
    for (const stop of stops.reverse()) await stop().catch(() => {})
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  for (const target of ['versitygw', 's3rver', 'file'] as const) {
    const kills = o.kills[target]
    if (kills === 0) continue
    test(`${o.label} ${target}: ${kills} SIGKILLs while records flow, then every record exactly once`, { timeout: 3_600_000 }, async (t) => {
      const stack = stacks[target]!
      let proxy: S3FaultProxy | undefined
      if (target !== 'file') {
        proxy = await startS3FaultProxy({ upstream: stack.s3.endpoint })
        proxies.push(proxy)
      }
      const targetDir = `${dir}/${target}`
      await mkdir(targetDir, { recursive: true })
      const opts: CampaignOptions = {
        target: target === 'file' ? 'file' : 's3',
        stack,
        ...(proxy ? { proxy } : {}),
        ...(target === 'file' ? {} : { bucket: `kc-${target}` }),
        dir: targetDir,
        name: `kc-${target}`,
        topic: `kc-${target}`,
        kills,
        seed: o.seed,
        log: (m) => t.diagnostic(m),
      }
      const r = await runKillCampaign(opts)
      done[target] = opts
      t.diagnostic(`${r.kills} kills, ${r.records} records, kill points: ${JSON.stringify(Object.fromEntries([...r.points].sort((a, b) => b[1] - a[1])))}`)
    })
    test(`${o.label} ${target}: no leftovers after the kills`, async () => {
      const opts = done[target]
      assert.ok(opts, 'the campaign ran')
      const left = await campaignLeftovers(opts)
      assert.deepEqual(left, Object.fromEntries(Object.keys(left).map((k) => [k, []])), 'leftovers after the kills')
    })
  }
}
