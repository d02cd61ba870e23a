import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

/** A started loopback server. */
export interface Started {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** Destroys every open connection (keep-alive sockets included). */
  readonly dropConnections: () => void
}

/**
 * Serves `handler` on `127.0.0.1:0` with `node:http` for the life of the scope. The v4 testkit uses Node's server
 * directly: effect 4's HTTP server needs `@effect/platform-node`, and a fake is test infrastructure, not the code
 * under test (it makes no spans, so a test's capturing tracer sees only the client's). A handler that throws or
 * rejects answers 500.
 */
export const serve = (
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>
): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: Server; readonly started: Started }>((resume) => {
      const sockets = new Set<Socket>()
      const server = createServer((request, response) => {
        handler(request, response).catch(() => {
          if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" })
          response.end()
        })
      })
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      const dropConnections = () => {
        for (const socket of sockets) socket.destroy()
        sockets.clear()
      }
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, started: { url: `http://127.0.0.1:${port}`, port, dropConnections } }))
      })
    }),
    ({ server, started }) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        started.dropConnections()
      })
  ).pipe(Effect.map(({ started }) => started))

/** Sends a JSON answer. */
export const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {}
): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers
  })
  response.end(text)
}

/** Reads a request's body as text, at most `limit` bytes (`undefined` beyond it). */
export const readBody = (request: IncomingMessage, limit = 1024 * 1024): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
    })
    request.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })
