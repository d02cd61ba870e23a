/**
 * A loopback HTTP server on `node:http`: the base of every HTTP fake, for both Effect lines' testkits (each wraps
 * `start`/`close` in its own scope).
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

/**
 * A started loopback server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Started {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The port it listens on. */
  readonly port: number
  /** Destroys every open connection (keep-alive sockets included). */
  readonly dropConnections: () => void
}

/**
 * A started server and how to stop it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server extends Started {
  /** Stops listening and destroys every open connection; resolves once the server is closed. Idempotent. */
  readonly close: () => Promise<void>
}

/**
 * Which browser origins may call a fake (CORS): a page served from another origin, as in the browser test. `false`
 * (the default) sends no CORS headers, as the real services' API hosts are not documented to.
 *
 * @since 0.1.0
 * @category models
 */
export type CorsOrigins = false | "*" | ReadonlyArray<string>

/**
 * What a server answers with: it handles one request, writing the answer on `response`. A handler that throws or
 * rejects answers 500.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The port (default 0: any free one). The host is always `127.0.0.1`. */
  readonly port?: number | undefined
  /** The CORS setting (default `false`: no CORS headers). */
  readonly cors?: CorsOrigins | undefined
}

/**
 * The CORS answer headers, as `@effect/platform`'s `HttpMiddleware.cors` (0.97) writes them with
 * `allowedOrigins` and `maxAge: 600`, which the v3 testkit's fakes used: one allowed origin is always named, several
 * are named when the request's `Origin` is one of them, `"*"` allows any. A preflight also allows the usual methods
 * and the headers the browser asked for.
 */
const corsHeaders = (
  cors: "*" | ReadonlyArray<string>,
  request: IncomingMessage,
  preflight: boolean
): Record<string, string> => {
  const origin = request.headers.origin
  const headers: Record<string, string> = {}
  if (cors === "*" || cors.length === 0) {
    headers["access-control-allow-origin"] = "*"
  } else if (cors.length === 1) {
    headers["access-control-allow-origin"] = cors[0]!
    headers["vary"] = "Origin"
  } else if (origin !== undefined && cors.includes(origin)) {
    headers["access-control-allow-origin"] = origin
    headers["vary"] = "Origin"
  }
  if (preflight) {
    headers["access-control-allow-methods"] = "GET, HEAD, PUT, PATCH, POST, DELETE"
    const asked = request.headers["access-control-request-headers"]
    if (asked) {
      headers["vary"] = "Access-Control-Request-Headers"
      headers["access-control-allow-headers"] = asked
    } else {
      headers["access-control-allow-headers"] = ""
    }
    headers["access-control-max-age"] = "600"
  }
  return headers
}

/**
 * Serves `handler` on `127.0.0.1` until `close`. Node's own server: a fake is test infrastructure, not the code
 * under test, so it makes no spans and a test's capturing tracer sees only the client's. With `cors` set, a
 * preflight (`OPTIONS`) is answered 204 before the handler (a browser's `fetch` of a JSON body with an
 * `Authorization` header always preflights), and every answer carries the CORS headers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (handler: Handler, options: Options = {}): Promise<Server> =>
  new Promise((resolve, reject) => {
    const cors = options.cors ?? false
    const sockets = new Set<Socket>()
    const server = createServer((request, response) => {
      if (cors !== false) {
        if (request.method === "OPTIONS") {
          request.resume()
          response.writeHead(204, corsHeaders(cors, request, true))
          response.end()
          return
        }
        for (const [name, value] of Object.entries(corsHeaders(cors, request, false))) response.setHeader(name, value)
      }
      let answered: Promise<void>
      try {
        answered = handler(request, response)
      } catch (error) {
        answered = Promise.reject(error)
      }
      answered.catch(() => {
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
    let closed: Promise<void> | undefined
    const close = () => {
      if (closed === undefined) {
        closed = new Promise<void>((done) => server.close(() => done()))
        dropConnections()
      }
      return closed
    }
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject)
      const { port } = server.address() as AddressInfo
      resolve({ url: `http://127.0.0.1:${port}`, port, dropConnections, close })
    })
  })

/**
 * Sends a JSON answer, with its `Content-Length`.
 *
 * @since 0.1.0
 * @category answers
 */
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

/**
 * Reads a request's body as UTF-8 text, at most `limit` bytes (default 1 MiB): `undefined` beyond it (the rest is
 * read and dropped).
 *
 * @since 0.1.0
 * @category requests
 */
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

/**
 * A request header as one string (several values joined with `, `), `undefined` when absent.
 *
 * @since 0.1.0
 * @category requests
 */
export const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(", ") : value
}

/**
 * A request's headers (lower-case names), each as one string.
 *
 * @since 0.1.0
 * @category requests
 */
export const headers = (request: IncomingMessage): Readonly<Record<string, string>> =>
  Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]]
    )
  )
