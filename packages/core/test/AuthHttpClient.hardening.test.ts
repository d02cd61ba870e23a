import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import type * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { gzipSync } from "node:zlib"
import type { AuthError } from "../src/AuthError.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"

const SECRET = "sentinel-access-token-4b1d"

interface Session {
  readonly token: Redacted.Redacted<string>
}
interface Static extends Provider.Provider<"static", Session, AuthError> {}

/** A raw loopback server whose every request the test answers by hand. */
const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly server: Server }>((resume) => {
      const server = createServer(handler)
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })))
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() =>
          resume(Effect.void)
        )
      })
  )

/** An authenticated client that signs with an `Access-Token` header. */
const client = (options: Partial<AuthHttpClient.Options<Static>> = {}) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const auth = yield* SessionEngine.make<Static>({
      provider: "static",
      acquire: Effect.succeed({ token: Redacted.make(SECRET) })
    })
    return AuthHttpClient.make(http, {
      auth,
      sign: (request, session) => HttpClientRequest.setHeader(request, "Access-Token", Redacted.value(session.token)),
      retry: false,
      redactedHeaders: ["access-token"],
      ...options
    })
  })

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["undici (NodeHttpClient)", NodeHttpClient.layerUndici],
  ["fetch (FetchHttpClient)", FetchHttpClient.layer]
]

const reasonOf = (e: Either.Either<unknown, unknown>) =>
  Either.isLeft(e) ? `${(e.left as { _tag: string })._tag}(${(e.left as { reason?: string }).reason})` : "success"

describe("AuthHttpClient hardening", () => {
  for (const [name, layer] of clients) {
    describe(name, () => {
      it.scopedLive("a body that stalls after the headers ends with TransportError(Timeout) within the bound", () =>
        Effect.gen(function*() {
          const { url } = yield* serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
            res.write("{\"partial\":")
          })
          const authed = yield* client({ timeout: "300 millis" })
          const start = Date.now()
          const result = yield* Effect.either(Effect.flatMap(authed.get(`${url}/x`), (r) => r.json))
          const elapsed = Date.now() - start
          assert.strictEqual(reasonOf(result), "TransportError(Timeout)")
          assert.isBelow(elapsed, 2_000)
        }).pipe(Effect.provide(layer)))

      it.scopedLive("a server that never finishes its headers ends with TransportError(Timeout)", () =>
        Effect.gen(function*() {
          const { url } = yield* serve(() => {})
          const authed = yield* client({ timeout: "300 millis" })
          const result = yield* Effect.either(authed.get(`${url}/x`))
          assert.strictEqual(reasonOf(result), "TransportError(Timeout)")
        }).pipe(Effect.provide(layer)))

      it.scopedLive("a body over the bound is ProtocolError(TooLarge) and the rest is not read", () =>
        Effect.gen(function*() {
          let written = 0
          const { url } = yield* serve((_req, res) => {
            // Chunked, no length announced: the bound has to be counted while reading.
            res.writeHead(200, { "content-type": "application/octet-stream" })
            const chunk = Buffer.alloc(64 * 1024, 97)
            const pump = () => {
              while (written < 64 * 1024 * 1024) {
                written += chunk.length
                if (!res.write(chunk)) return void res.once("drain", pump)
              }
              res.end()
            }
            pump()
          })
          const authed = yield* client({ maxResponseBytes: 1024 * 1024 })
          const result = yield* Effect.either(Effect.flatMap(authed.get(`${url}/big`), (r) => r.arrayBuffer))
          assert.strictEqual(reasonOf(result), "ProtocolError(TooLarge)")
          // Far less than the 64 MiB the server would send: reading stopped at the bound (plus buffers in flight).
          assert.isBelow(written, 32 * 1024 * 1024)
        }).pipe(Effect.provide(layer)))

      it.scopedLive("a cross-origin redirect is not followed: the other origin sees no request and no credential", () =>
        Effect.gen(function*() {
          let seen = 0
          let withCredential = 0
          const other = yield* serve((req, res) => {
            seen++
            if (req.headers["access-token"] !== undefined) withCredential++
            res.end("ok")
          })
          const { url } = yield* serve((_req, res) => {
            res.writeHead(302, { location: `${other.url}/steal` })
            res.end()
          })
          const authed = yield* client()
          // Twice: what the client learns from its first response must not open the way for the second.
          for (let i = 0; i < 2; i++) {
            const response = yield* authed.get(`${url}/start`)
            assert.strictEqual(response.status, 302)
          }
          assert.strictEqual(seen, 0)
          assert.strictEqual(withCredential, 0)
        }).pipe(Effect.provide(layer)))

      it.scopedLive("a response and its request render without the credential in every way a user prints them", () =>
        Effect.gen(function*() {
          const { url } = yield* serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" })
            res.end("{\"ok\":true}")
          })
          const authed = yield* client()
          const response = yield* authed.get(`${url}/x`)
          const logs: Array<string> = []
          const capture = Logger.make(({ message }) => void logs.push(inspect(message, { depth: 10 })))
          yield* Effect.log(response).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
          yield* Effect.log(response.request).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
          const renderings = [
            String(response),
            JSON.stringify(response),
            inspect(response, { depth: 10 }),
            String(response.request),
            JSON.stringify(response.request),
            inspect(response.request, { depth: 10 }),
            ...logs
          ]
          for (const text of renderings) assert.notInclude(text, SECRET)
          // Every accessor serves the body read within the exchange, as often as asked.
          assert.deepStrictEqual(yield* response.json, { ok: true })
          assert.strictEqual(yield* response.text, "{\"ok\":true}")
          assert.strictEqual((yield* response.arrayBuffer).byteLength, 11)
        }).pipe(Effect.provide(layer)))
    })
  }

  it.scopedLive("fetch: a small gzip bomb is counted after decompression and fails fast", () =>
    Effect.gen(function*() {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024))
      const { url } = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        res.end(bomb)
      })
      const authed = yield* client({ maxResponseBytes: 1024 * 1024 })
      const result = yield* Effect.either(Effect.flatMap(authed.get(`${url}/bomb`), (r) => r.text))
      assert.isBelow(bomb.length, 200 * 1024)
      assert.strictEqual(reasonOf(result), "ProtocolError(TooLarge)")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("fetch: a gzip bomb that declares its compressed length is still counted after decompression", () =>
    Effect.gen(function*() {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024))
      const { url } = yield* serve((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": String(bomb.length)
        })
        res.end(bomb)
      })
      const authed = yield* client({ maxResponseBytes: 1024 * 1024 })
      const result = yield* Effect.either(Effect.flatMap(authed.get(`${url}/bomb`), (r) => r.text))
      // The declared length (the compressed bytes) is far under the bound; what it decompresses to is not.
      assert.isBelow(bomb.length, 1024 * 1024)
      assert.strictEqual(reasonOf(result), "ProtocolError(TooLarge)")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("fetch: the caller's own RequestInit is kept, redirects are left to the caller, and the fiber gets its context back", () =>
    Effect.gen(function*() {
      const seen: Array<string | undefined> = []
      const { url } = yield* serve((req, res) => {
        seen.push(req.headers["x-from-init"] as string | undefined)
        res.writeHead(302, { location: "/elsewhere" })
        res.end()
      })
      const authed = yield* client()
      const init = { headers: { "x-from-init": "kept" } }
      const response = yield* authed.get(`${url}/start`).pipe(Effect.provideService(FetchHttpClient.RequestInit, init))
      assert.strictEqual(response.status, 302)
      assert.deepStrictEqual(seen, ["kept"])
      // What the exchange set for the send is gone once it returns: the fiber's context and redacted names are the
      // caller's again.
      const after = yield* Effect.serviceOption(FetchHttpClient.RequestInit)
      assert.isTrue(after._tag === "None")
      const within = yield* Effect.provideService(
        Effect.zipRight(authed.get(`${url}/start`), FetchHttpClient.RequestInit),
        FetchHttpClient.RequestInit,
        init
      )
      assert.strictEqual(within, init)
      assert.isFalse((yield* FiberRef.get(Headers.currentRedactedNames)).includes("access-token"))
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  for (
    const [name, layer, overrides] of [
      ["undici (NodeHttpClient)", NodeHttpClient.layerUndici, ["manual", "none"]],
      ["fetch (FetchHttpClient)", FetchHttpClient.layer, ["manual", "manual"]]
    ] as const
  ) {
    it.scopedLive(`${name}: the redirect override is set while the client may be fetch, and only then`, () =>
      Effect.gen(function*() {
        const { url } = yield* serve((_req, res) => res.end("ok"))
        const platform = yield* HttpClient.HttpClient
        // What the platform client finds in the fiber's context when it sends.
        const seen: Array<string> = []
        const recording = HttpClient.transformResponse(platform, (send) =>
          Effect.zipRight(
            Effect.map(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
              seen.push(init._tag === "Some" ? String(init.value.redirect) : "none")),
            send
          ))
        const auth = yield* SessionEngine.make<Static>({
          provider: "static",
          acquire: Effect.succeed({ token: Redacted.make(SECRET) })
        })
        const authed = AuthHttpClient.make(recording, {
          auth,
          sign: (request, session) =>
            HttpClientRequest.setHeader(request, "Access-Token", Redacted.value(session.token))
        })
        yield* authed.get(`${url}/a`)
        yield* authed.get(`${url}/b`)
        assert.deepStrictEqual(seen, [...overrides])
      }).pipe(Effect.provide(layer)))
  }
})
