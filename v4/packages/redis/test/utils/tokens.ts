/**
 * A loopback token service for the fleet tests, on `node:http`: what the
 * Redis coordination protects, reduced to its rules. `POST /login` issues an
 * access token (valid `accessLifetimeSeconds`) and a refresh token; `POST
 * /refresh` with a refresh token issues the next pair and, with
 * `singleUseRefreshToken`, spends the one it was given (a second use is a
 * 401), as rotating OAuth refresh tokens do (RFC 9700 §4.14.2) and as Nabi's
 * do (docs/providers/nabi.md). The provider built on it (`provider`) falls
 * back to a login when its refresh token is refused, as v3's Nabi does.
 *
 * The v3 redis tests ran against the Nabi fake; these tests are about Redis,
 * not Nabi's protocol. The Nabi-specific ones (wallet addresses, two wallets)
 * are in `Nabi.test.ts`, on the v4 Nabi and its fake.
 */
import type * as Provider from "@authfx/core/Provider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export interface Counters {
  requests: number
  logins: number
  refreshes: number
  refusedRefreshes: number
}

export interface TokenServer {
  readonly url: string
  readonly counters: Counters
  /** Delays every answer by `millis`. */
  readonly setDelay: (millis: number) => void
  readonly clearFaults: () => void
}

export interface Options {
  readonly accessLifetimeSeconds?: number | undefined
  readonly singleUseRefreshToken?: boolean | undefined
}

export const make = (options: Options = {}): Effect.Effect<TokenServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<
      { readonly server: ReturnType<typeof createServer>; readonly tokens: TokenServer; readonly sockets: Set<Socket> }
    >((resume) => {
      const counters: Counters = { requests: 0, logins: 0, refreshes: 0, refusedRefreshes: 0 }
      let delay = 0
      let serial = 0
      const live = new Map<string, string>()
      const lifetime = (options.accessLifetimeSeconds ?? 60) * 1000
      const issue = (account: string) => {
        serial += 1
        const refresh = `refresh-${serial}-${globalThis.crypto.randomUUID()}`
        live.set(refresh, account)
        return {
          account,
          access_token: `access-${serial}-${globalThis.crypto.randomUUID()}`,
          refresh_token: refresh,
          expires_at: Date.now() + lifetime
        }
      }
      const sockets = new Set<Socket>()
      const server = createServer((request, response) => {
        counters.requests += 1
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const answer = () => {
            const body = Buffer.concat(chunks).toString("utf8")
            let status = 200
            let payload: unknown
            if (request.method === "POST" && request.url === "/login") {
              counters.logins += 1
              payload = issue(body)
            } else if (request.method === "POST" && request.url === "/refresh") {
              const known = live.get(body)
              if (known === undefined) {
                counters.refusedRefreshes += 1
                status = 401
                payload = { error: "invalid_grant" }
              } else {
                if (options.singleUseRefreshToken) live.delete(body)
                counters.refreshes += 1
                payload = issue(known)
              }
            } else {
              status = 404
              payload = { error: "not_found" }
            }
            const text = JSON.stringify(payload)
            response.writeHead(status, {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(text)
            })
            response.end(text)
          }
          if (delay > 0) setTimeout(answer, delay)
          else answer()
        })
      })
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          server,
          sockets,
          tokens: {
            url: `http://127.0.0.1:${port}`,
            counters,
            setDelay: (millis) => void (delay = millis),
            clearFaults: () => void (delay = 0)
          }
        }))
      })
    }),
    ({ server, sockets }) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        for (const socket of sockets) socket.destroy()
      })
  ).pipe(Effect.map(({ tokens }) => tokens))

export interface TokenSession {
  readonly account: string
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  readonly accessExpiresAt: number
}

/** Persisted and shared sessions keep their secrets in their encoding (`RedactedFromValue`, see docs/v4-notes.md). */
export const TokenSession = Schema.Struct({
  account: Schema.String,
  accessToken: Schema.RedactedFromValue(Schema.String),
  refreshToken: Schema.RedactedFromValue(Schema.String),
  accessExpiresAt: Schema.Number
})

export class TokenError extends Schema.TaggedError<TokenError>("test/TokenError")("TokenError", {
  status: Schema.Number
}) {}

export interface Tokens extends Provider.Provider<"tokens", TokenSession, TokenError> {}

const call = (url: string, body: string) =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, { method: "POST", body, signal })
      const text = await response.text()
      return { status: response.status, text }
    },
    catch: () => new TokenError({ status: 0 })
  }).pipe(
    Effect.flatMap(({ status, text }) => {
      if (status !== 200) return Effect.fail(new TokenError({ status }))
      const read = JSON.parse(text) as {
        account: string
        access_token: string
        refresh_token: string
        expires_at: number
      }
      return Effect.succeed<TokenSession>({
        account: read.account,
        accessToken: Redacted.make(read.access_token),
        refreshToken: Redacted.make(read.refresh_token),
        accessExpiresAt: read.expires_at
      })
    })
  )

/** A provider on the token service: a refused refresh token falls back to a login. */
export const provider = (url: string, account: string) => {
  const login = call(`${url}/login`, account)
  return {
    acquire: login,
    refresh: (previous: TokenSession) =>
      call(`${url}/refresh`, Redacted.value(previous.refreshToken)).pipe(
        Effect.catchIf((error) => error.status === 401, () => login)
      ),
    expiresAt: (session: TokenSession) => session.accessExpiresAt
  }
}
