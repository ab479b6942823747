/**
 * Fencing for stores that do not enforce conditional writes (s3rver, older S3-compatibles):
 * each run writes `sluice/owner` in the checkpoint at start (before it reads the logs), and checks
 * it still names this run before writing `offsets/N` and before `_spark_metadata/N`. A second
 * process started on the same checkpoint takes the lease; the first one stops at its next check
 * with SLUICE_CHECKPOINT_TAKEN_OVER instead of writing. Writer tasks check it too, before they make
 * files visible (see commit-protocol.ts: data fencing). A
 * short race between the check and the write remains on such stores; where conditional writes
 * are enforced, `If-None-Match` on `offsets/N` and `_spark_metadata/N` closes it.
 */
import { hostname } from 'node:os'
import { SluiceError } from '../errors.js'
import type { Store } from '../storage/types.js'

export const OWNER_KEY = 'sluice/owner'

export interface Owner {
  runId: string
  pid: number
  host: string
  startedAt: string
}

/** Parses `sluice/owner`; SLUICE_CHECKPOINT_CORRUPT naming the file when it is damaged. */
export function parseOwner(body: Buffer, where: string): Owner {
  const text = body.toString('utf8')
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw corruptOwner(where, text, `it is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
  }
  const o = v as Partial<Owner> | null
  if (o === null || typeof o !== 'object' || typeof o.runId !== 'string') throw corruptOwner(where, text, 'it has no "runId" string')
  return { runId: o.runId, pid: Number(o.pid), host: String(o.host), startedAt: String(o.startedAt) }
}

function corruptOwner(where: string, text: string, why: string): SluiceError {
  return new SluiceError(
    'SLUICE_CHECKPOINT_CORRUPT',
    `The owner lease ${where} cannot be parsed: ${why}. It names the sluice run that owns the checkpoint; it was truncated or edited by hand. ` +
      'Make sure no other sluice process runs on this checkpoint, delete the file, and restart (a new run writes it again).',
    { details: { where, text: text.slice(0, 200) } },
  )
}

export class OwnerLease {
  #store: Store
  #runId: string

  constructor(store: Store, runId: string) {
    this.#store = store
    this.#runId = runId
  }

  async acquire(): Promise<void> {
    const owner: Owner = { runId: this.#runId, pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }
    await this.#store.put(OWNER_KEY, JSON.stringify(owner))
  }

  async check(batchId: number): Promise<void> {
    const body = await this.#store.get(OWNER_KEY)
    const owner = body === null ? null : parseOwner(body, this.#where())
    if (owner?.runId === this.#runId) return
    throw new SluiceError(
      'SLUICE_CHECKPOINT_TAKEN_OVER',
      `Another sluice process took over checkpoint ${this.#store.location.original} ` +
        (owner === null
          ? '(its owner file was removed)'
          : `(run ${owner.runId}, pid ${owner.pid} on ${owner.host}, started ${owner.startedAt})`) +
        `, so this process stops before committing batch ${batchId}. ` +
        'Two queries must never share a checkpoint: stop one of them. The batch will be re-run by the process that owns the checkpoint.',
      { details: { batchId, owner } },
    )
  }

  #where(): string {
    return `${this.#store.location.original.replace(/\/?$/, '/')}${OWNER_KEY}`
  }

  /** Gives the lease up if this run still holds it. */
  async release(): Promise<void> {
    const body = await this.#store.get(OWNER_KEY)
    if (body !== null && parseOwner(body, this.#where()).runId === this.#runId) {
      await this.#store.delete([OWNER_KEY])
    }
  }
}
