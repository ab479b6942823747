/**
 * S3 request accounting, per thread: an S3 client middleware records the operation, its outcome
 * and its duration for every request (after the SDK's own retries); a worker hands what it
 * collected back to the coordinator with each task result (plain data), and the coordinator feeds
 * `sluice_s3_requests_total` and `sluice_s3_request_duration_seconds`. Per request, never per
 * record; bounded by the requests of one task.
 */
import type { S3Client } from '@aws-sdk/client-s3'

export interface RequestRecord {
  operation: string
  ok: boolean
  seconds: number
}

let records: RequestRecord[] = []
/** A runaway task cannot make this grow without bound: beyond it, only counts are kept. */
const MAX_RECORDS = 100_000

export function recordRequest(operation: string, ok: boolean, seconds: number): void {
  if (records.length < MAX_RECORDS) records.push({ operation, ok, seconds })
}

/** Everything recorded on this thread since the last call. */
export function takeRequestStats(): RequestRecord[] {
  const out = records
  records = []
  return out
}

/**
 * Adds the recording middleware to a client (once per client). Operation names are the S3 API's
 * (`PutObject`, not the SDK's `PutObjectCommand`). A 404 is an answer, not a failure: sluice asks
 * "does this key exist?" with Head/Get, so those count as `ok`.
 */
export function instrumentS3Client(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '')
      const t0 = performance.now()
      try {
        const out = await next(args)
        recordRequest(operation, true, (performance.now() - t0) / 1000)
        return out
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
        recordRequest(operation, status === 404, (performance.now() - t0) / 1000)
        throw err
      }
    },
    { step: 'initialize', name: 'sluiceRequestStats', priority: 'high' },
  )
}
