/**
 * An HTTP proxy in front of s3rver that holds the requests a predicate picks until release():
 * one process's S3 uploads can be stopped mid-flight and let through later, deterministically
 * (the fencing test overlaps two sluice processes this way). Everything else passes straight
 * through. s3rver does not check SigV4 signatures, so forwarding the signed request unchanged to
 * another port is fine.
 *
 *   const proxy = await startHoldProxy(stack.s3.endpoint, (r) => r.method === 'PUT' && r.path.includes('/out/'))
 *   … sluice with S3_ENDPOINT=proxy.endpoint …; await eventually('held', () => proxy.held.length > 0)
 *   proxy.release(); await proxy.stop()
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HeldRequest {
  method: string
  /** Path and query as sent (`/bucket/key?uploadId=…`). */
  path: string
}

export interface HoldProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  /** Requests held right now. */
  readonly held: readonly HeldRequest[]
  /** Requests that were held and then let through. */
  readonly released: number
  /** Lets every held request through, and stops holding new ones. */
  release(): void
  stop(): Promise<void>
}

export async function startHoldProxy(target: string, shouldHold: (r: HeldRequest) => boolean): Promise<HoldProxy> {
  const to = new URL(target)
  const held: { r: HeldRequest; go: () => void }[] = []
  let holding = true
  let released = 0

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const up = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers)
        upRes.pipe(res)
      },
    )
    up.once('error', (err) => {
      if (!res.headersSent) res.writeHead(502)
      res.end(String(err))
    })
    up.end(body)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.once('end', () => {
      const body = Buffer.concat(chunks)
      const r = { method: req.method ?? 'GET', path: req.url ?? '/' }
      if (holding && shouldHold(r)) held.push({ r, go: () => forward(req, res, body) })
      else forward(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const release = (): void => {
    holding = false
    for (const h of held.splice(0)) {
      released++
      h.go()
    }
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get held() {
      return held.map((h) => h.r)
    },
    get released() {
      return released
    },
    release,
    async stop() {
      release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
