/**
 * Record content stays out of the monitoring HTTP answers (issue 6 item 6). The endpoint has no
 * authentication and listens on all interfaces by default; under FAILFAST the error that ends a
 * query carries 200 characters of the malformed record. /api/status and /readyz show the error
 * with that excerpt replaced by a note, unless metrics.showRecordContent asks for it. The error
 * is the real one from_json throws; the query around it is a stand-in with the fields monitoring
 * reads (the server itself is real, on 127.0.0.1).
 */
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { test } from 'node:test'
import { createLogger } from '../../src/log.js'
import { attachMonitoring, exposedMessage, type MonitoredQuery } from '../../src/metrics/monitoring.js'
import { project, projection, record } from './sql-helpers.js'

const SECRET = '{"message": "card 4111-1111-1111-1111 of alice@example.com", broken'

function failFastError(): Error & { details: Record<string, unknown> } {
  const p = projection('message STRING', ['json_data.*'], { mode: 'FAILFAST' })
  try {
    project(p, record(SECRET))
  } catch (err) {
    return err as Error & { details: Record<string, unknown> }
  }
  throw new Error('FAILFAST did not throw')
}

function terminatedQuery(exception: Error & { details: Record<string, unknown> }, showRecordContent: boolean): MonitoredQuery {
  const events = new EventEmitter()
  return Object.assign(events, {
    id: 'q',
    runId: 'r',
    config: {
      name: 'content',
      sink: { trigger: { kind: 'processingTime', intervalMs: 1000 } },
      source: { kafka: { clientId: 'c', requestTimeoutMs: 1000 } },
      metrics: { showRecordContent },
    },
    recentProgress: [],
    lastProgress: null,
    exception,
    state: 'terminated' as const,
    poolStats: () => ({ utilization: 0, queueSize: 0 }),
  }) as unknown as MonitoredQuery
}

test('the FAILFAST error carries the record excerpt (precondition), and the logs keep it', () => {
  const err = failFastError()
  assert.match(err.message, /4111-1111/)
  assert.equal(exposedMessage(err, true), err.message)
})

for (const show of [false, true]) {
  test(`/api/status and /readyz ${show ? 'show' : 'hide'} record content with showRecordContent: ${show}`, async () => {
    const err = failFastError()
    const m = await attachMonitoring(terminatedQuery(err, show), { host: '127.0.0.1', port: 0, serve: true, logger: createLogger({ level: 'silent' }) })
    try {
      const status = await (await fetch(`${m.url}api/status`)).text()
      const ready = await fetch(`${m.url}readyz`)
      const readyText = await ready.text()
      assert.equal(ready.status, 503)
      for (const [what, body] of [['/api/status', status], ['/readyz', readyText]] as const) {
        assert.match(body, /SLUICE_RECORD_MALFORMED|malformed/, `${what} still says what failed`)
        assert.match(body, /offset/, `${what} still names the offset`)
        if (show) assert.match(body, /4111-1111/, `${what} shows the record when asked`)
        else {
          assert.doesNotMatch(body, /4111-1111|alice@example/, `${what} keeps record content out`)
          assert.match(body, /record content hidden/, `${what} says it hid something`)
        }
      }
    } finally {
      await m.close()
    }
  })
}
