/**
 * What a hostile or broken server can do to a Terabox client, over real loopback sockets: bodies far over the size
 * bound, cut connections, redirects to another origin, region headers that name another domain. Each ends in a
 * typed error, nothing reaches another origin, and the client works again once the server does.
 */
import { TeraboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as TeraboxClient from "../src/TeraboxClient.js"

const Http = FetchHttpClient.layer

const MiB = 1024 * 1024

const setup = (fake: TeraboxFake.TeraboxFake, options: Partial<TeraboxClient.Options> = {}) =>
  Effect.map(
    Layer.build(
      TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()), retry: false, ...options }).pipe(
        Layer.provide(Http)
      )
    ),
    (context) => Context.get(context, TeraboxClient.TeraboxClient)
  )

/** The error's tag and reason, or `success`: never a defect (a defect fails the test). */
const outcome = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.match(effect, {
    onSuccess: () => "success",
    onFailure: (error) => `${error._tag}(${(error as { readonly reason?: string }).reason ?? ""})`
  })

/** A server of the test's own, on 127.0.0.1: what it answers and every request it saw (cookie included). */
const server = (
  handler: (request: IncomingMessage, response: ServerResponse) => void
): Effect.Effect<
  { readonly url: string; readonly seen: Array<{ readonly path: string; readonly cookie: string | undefined }> },
  never,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.callback<
      {
        readonly server: ReturnType<typeof createServer>
        readonly seen: Array<{ readonly path: string; readonly cookie: string | undefined }>
      }
    >((resume) => {
      const seen: Array<{ readonly path: string; readonly cookie: string | undefined }> = []
      const s = createServer((request, response) => {
        seen.push({ path: request.url ?? "", cookie: request.headers.cookie })
        request.resume()
        handler(request, response)
      })
      s.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server: s, seen })))
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(
    Effect.map(({ seen, server }) => ({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }))
  )

describe("Terabox against a hostile server", () => {
  it.live("a 64 MiB body, with or without Content-Length, on the homepage and on a call: ProtocolError(TooLarge)", () =>
    Effect.gen(function*() {
      for (const declareLength of [false, true]) {
        const fake = yield* TeraboxFake.make()
        const terabox = yield* setup(fake)
        // The homepage (the session's acquisition).
        fake.oversizeNext(1, 64 * MiB, { declareLength })
        assert.strictEqual(yield* outcome(terabox.quota), "ProtocolError(TooLarge)", `page ${declareLength}`)
        // Then an API call.
        yield* terabox.quota
        fake.oversizeNext(1, 64 * MiB, { declareLength })
        assert.strictEqual(yield* outcome(terabox.list("/docs")), "ProtocolError(TooLarge)", `call ${declareLength}`)
        yield* Effect.sleep("50 millis")
        assert.isBelow(fake.oversizeBytesWritten(), 2 * 32 * MiB, "the rest of each body was not read")
        assert.strictEqual((yield* terabox.list("/docs")).length, 2)
      }
    }).pipe(Effect.provide(Http)))

  it.live("a connection cut before the answer or in the middle of the body: typed, and the next call works", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const terabox = yield* setup(fake)
      yield* terabox.quota
      fake.dropNext(1)
      assert.match(yield* outcome(terabox.quota), /^(TransportError|ProtocolError)\(/)
      fake.truncateNext(1)
      assert.match(yield* outcome(terabox.userInfo), /^(TransportError|ProtocolError)\(/)
      fake.invalidJsonNext(1)
      assert.strictEqual(yield* outcome(terabox.rename("/docs/notes.txt", "a.txt")), "ProtocolError(Decode)")
      assert.strictEqual((yield* terabox.quota).used, 48213 + 312)
    }).pipe(Effect.provide(Http)))

  it.live("a call redirected to another origin: not followed, the other origin sees nothing", () =>
    Effect.gen(function*() {
      const other = yield* server((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{\"errno\":0,\"total\":1,\"used\":0}")
      })
      const fake = yield* TeraboxFake.make()
      const terabox = yield* setup(fake)
      yield* terabox.quota
      for (const status of [301, 302, 307, 308]) {
        fake.redirectNext(1, `${other.url}/collect?from=authfx`, status)
        assert.notStrictEqual(yield* outcome(terabox.quota), "success", String(status))
      }
      fake.redirectNext(1, `${other.url}/login`)
      assert.strictEqual(yield* outcome(terabox.quota), "CredentialsRejected(CookieExpired)")
      assert.deepStrictEqual(other.seen, [])
    }).pipe(Effect.provide(Http)))

  it.live("a region header that names another domain is not followed: the -6 is a dead cookie", () =>
    Effect.gen(function*() {
      const token = "JSTOKEN1234"
      for (const prefix of ["evil.com", "127.0.0.1:1", "dm/../x", "-x", "a".repeat(64)]) {
        const site = yield* server((request, response) => {
          const path = new URL(request.url ?? "/", "http://x").pathname
          if (path === "/main") {
            const html = `<script>var templateData = {"jsToken":"fn%28%22${token}%22%29","bdstoken":"bd"};</script>`
            response.writeHead(200, { "content-type": "text/html" })
            return void response.end(html)
          }
          response.writeHead(200, { "content-type": "application/json", "region-domain-prefix": prefix })
          response.end("{\"errno\":-6}")
        })
        const layer = TeraboxClient.layer({
          url: site.url,
          ndus: Redacted.make("ndus-value"),
          retry: false,
          // Any prefix would go to the test's own origin, never elsewhere: it is never asked for.
          regionOrigin: (p) => `${site.url}/region/${p}`,
          allowedDomains: ["127.0.0.1"]
        }).pipe(Layer.provide(Http))
        const terabox = Context.get(yield* Layer.build(layer), TeraboxClient.TeraboxClient)
        assert.strictEqual(yield* outcome(terabox.quota), "CredentialsRejected(CookieExpired)", prefix)
        assert.deepStrictEqual(site.seen.map((s) => s.path.split("?")[0]), ["/main", "/api/check/login"], prefix)
      }
    }).pipe(Effect.provide(Http)))
})
