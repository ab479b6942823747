/**
 * The monitoring HTTP server (node:http, no framework): `/metrics` (Prometheus text),
 * `/progress` (last StreamingQueryProgress), `/healthz`, `/readyz`, `/api/status` (the status
 * page's data) and `/` (the status page). Started by `sluice run` when `metrics.enabled`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SluiceError } from '../errors.js'
import { progressJson, type StreamingQueryProgress } from './progress.js'
import { statusPageHtml } from './status-page.js'

export interface MonitoringSource {
  metricsText(): Promise<string>
  metricsContentType: string
  lastProgress(): unknown
  status(): unknown
  readiness(): { ready: boolean; reason: string }
}

export class MonitoringServer {
  #server: Server
  #source: MonitoringSource
  #page: string | null = null

  constructor(source: MonitoringSource) {
    this.#source = source
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`)
      })
    })
    this.#server.keepAliveTimeout = 5_000
  }

  /** Listens; resolves with the URL. A port in use is a clear start-up error. */
  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new SluiceError(
            'SLUICE_METRICS_LISTEN',
            `The metrics server cannot listen on ${host}:${port} (${err.code ?? err.message}): ` +
              (err.code === 'EADDRINUSE' ? 'another process (another sluice?) already uses that port. ' : '') +
              'Set metrics.port to a free port, metrics.port: 0 for any free port, or metrics.enabled: false.',
            { cause: err, details: { host, port } },
          ),
        )
      }
      this.#server.once('error', onError)
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError)
        const addr = this.#server.address() as AddressInfo
        const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
        resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${addr.port}/`)
      })
    })
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    switch (path) {
      case '/metrics': {
        const text = await this.#source.metricsText()
        res.writeHead(200, { 'content-type': this.#source.metricsContentType }).end(text)
        return
      }
      case '/progress': {
        const p = this.#source.lastProgress()
        if (p === null) {
          json(res, 404, { error: 'no batch has completed yet' })
          return
        }
        // Spark's own text of the progress (number formats, field order), not JSON.stringify's.
        res.writeHead(200, { 'content-type': 'application/json' }).end(progressJson(p as StreamingQueryProgress))
        return
      }
      case '/api/status':
        json(res, 200, this.#source.status())
        return
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
        return
      case '/readyz': {
        const r = this.#source.readiness()
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.reason}\n`)
        return
      }
      case '/':
      case '/index.html':
        this.#page ??= statusPageHtml()
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(this.#page)
        return
      default:
        json(res, 404, { error: `no such path: ${path}`, paths: ['/', '/metrics', '/progress', '/api/status', '/healthz', '/readyz'] })
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
