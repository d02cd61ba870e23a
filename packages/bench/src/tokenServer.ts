/**
 * A loopback OAuth-style token server shared by authfx and the peers, so that
 * every contender meets the same protocol: `POST /token` issues a bearer
 * token (counted), `GET /api` answers 200 for a valid one and 401 otherwise.
 *
 * - `lenient`: every issued token stays valid until `revokeAll()`.
 * - `rotating`: issuing a token revokes every older one, as providers that
 *   keep one live token per credential do; contenders that log in more than
 *   once during a storm then spend each other's tokens.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export type Mode = "lenient" | "rotating"

export interface TokenServer {
  readonly url: string
  readonly issued: () => number
  readonly rejected: () => number
  readonly revokeAll: () => void
  readonly setMode: (mode: Mode) => void
  readonly reset: () => void
  readonly close: () => Promise<void>
}

export const start = async (options: { readonly tokenDelayMs?: number } = {}): Promise<TokenServer> => {
  let mode: Mode = "lenient"
  let issued = 0
  let rejected = 0
  let valid = new Set<string>()
  const server: Server = createServer((req, res) => {
    if (req.method === "POST" && req.url?.startsWith("/token")) {
      req.resume()
      req.on("end", () => {
        const send = () => {
          issued++
          const token = `tok-${issued}-${Math.random().toString(36).slice(2)}`
          if (mode === "rotating") valid = new Set()
          valid.add(token)
          const body = JSON.stringify({
            access_token: token,
            token: token,
            token_type: "Bearer",
            expires_in: 3600,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            refresh_token: "refresh-token"
          })
          res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
          res.end(body)
        }
        if (options.tokenDelayMs) setTimeout(send, options.tokenDelayMs)
        else send()
      })
      return
    }
    const auth = req.headers.authorization ?? ""
    const token = auth.replace(/^(Bearer|token) /i, "")
    req.resume()
    if (valid.has(token)) {
      res.writeHead(200, { "content-type": "application/json", "content-length": 11 })
      res.end("{\"ok\":true}")
    } else {
      rejected++
      res.writeHead(401, { "content-type": "application/json", "content-length": 25 })
      res.end("{\"error\":\"invalid_token\"}")
    }
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    issued: () => issued,
    rejected: () => rejected,
    revokeAll: () => {
      valid = new Set()
    },
    setMode: (m) => {
      mode = m
    },
    reset: () => {
      issued = 0
      rejected = 0
      valid = new Set()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
