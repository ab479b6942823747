/**
 * One Spark session for the modules that sql-parity.test.ts runs in one process (Spark's start-up
 * is the slowest part of these tests). Each module calls useSharedSpark() at its top level.
 */
import { after, before } from 'node:test'
import { startSpark, type SparkPeer } from '../helpers/spark-peer.js'

let started: Promise<SparkPeer> | null = null

/** Registers the hooks; the returned getter gives the session inside tests. */
export function useSharedSpark(): () => SparkPeer {
  let peer: SparkPeer | null = null
  before(async () => {
    started ??= startSpark()
    peer = await started
  })
  after(async () => {
    const s = started
    started = null
    if (s) await (await s).stop()
  })
  return () => {
    if (peer === null) throw new Error('the shared Spark session is not started')
    return peer
  }
}
