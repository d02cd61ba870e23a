import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import * as FakeServer from "../src/FakeServer.js"
import * as GunbotFake from "../src/GunbotFake.js"
import * as NabiFake from "../src/NabiFake.js"
import * as SecretScan from "../src/SecretScan.js"
import * as TeraboxFake from "../src/TeraboxFake.js"
import * as WhatsGateFake from "../src/WhatsGateFake.js"

const page = "http://127.0.0.1:5173"
const other = "http://evil.test"

/** A plain `fetch` over loopback: status, the CORS headers and the body. */
const send = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { ...init, redirect: "manual" })
    const text = await response.text()
    const cors = Object.fromEntries(
      [...response.headers].filter(([name]) => name.startsWith("access-control-"))
    )
    return { status: response.status, text, cors }
  })

/** A browser's preflight of a JSON `POST` with a token header, from `origin`. */
const preflight = (url: string, origin: string) =>
  send(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "access-token,content-type"
    }
  })

/** An app answering `hello <path>` to any request. */
const hello = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  return HttpServerResponse.text(`hello ${request.url}`)
})

describe("FakeServer (v4)", () => {
  it.live("serve answers over loopback on 127.0.0.1, an effect 4 router too", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.serve(hello)
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.strictEqual(server.url, `http://127.0.0.1:${server.port}`)
      assert.deepStrictEqual(yield* send(`${server.url}/a?b=1`), { status: 200, text: "hello /a?b=1", cors: {} })

      const router = yield* HttpRouter.toHttpEffect(
        HttpRouter.add("GET", "/ping", HttpServerResponse.text("pong")).pipe(Layer.provideMerge(HttpRouter.layer))
      )
      const routed = yield* FakeServer.serve(router)
      assert.deepStrictEqual(
        [(yield* send(`${routed.url}/ping`)).text, (yield* send(`${routed.url}/nope`)).status],
        ["pong", 404]
      )
    }))

  it.live("the server makes no spans: a test's capturing tracer sees only its own", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      yield* Effect.gen(function*() {
        const server = yield* FakeServer.serve(hello)
        assert.strictEqual((yield* send(`${server.url}/traced`)).text, "hello /traced")
        yield* Effect.void.pipe(Effect.withSpan("the test's own"))
      }).pipe(Effect.provide(capture.layer))
      assert.deepStrictEqual(capture.spans.map((span) => span.name), ["the test's own"])
    }))

  it.live("dropConnections destroys a kept-alive socket; closing the scope stops the server", () =>
    Effect.gen(function*() {
      const url = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* FakeServer.serve(hello)
        const socket = Net.connect(server.port, "127.0.0.1")
        const closed = new Promise<boolean>((resolve) => socket.once("close", () => resolve(true)))
        // One HTTP/1.1 request: keep-alive is the default, so the server keeps the socket open after answering.
        const answer = yield* Effect.promise(() =>
          new Promise<string>((resolve) => {
            let received = ""
            socket.on("data", (chunk) => {
              received += chunk.toString()
              if (received.includes("hello /kept")) resolve(received)
            })
            socket.write("GET /kept HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          })
        )
        assert.match(answer, /^HTTP\/1\.1 200/)
        assert.isFalse(socket.destroyed)
        yield* server.dropConnections
        assert.isTrue(yield* Effect.promise(() => closed))
        // A new connection is served as before.
        assert.strictEqual((yield* send(`${server.url}/again`)).text, "hello /again")
        return server.url
      }))
      const after = yield* Effect.promise(() => fetch(url).then(() => "answered", () => "refused"))
      assert.strictEqual(after, "refused")
    }))

  it.live("default: no CORS headers, and a preflight reaches the app as any request", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.serve(hello)
      assert.deepStrictEqual(yield* preflight(`${server.url}/x`, page), { status: 200, text: "hello /x", cors: {} })
      assert.deepStrictEqual((yield* send(`${server.url}/x`, { headers: { origin: page } })).cors, {})
    }))

  it.live("Cors [page]: its preflight is answered with the allow headers; another origin is not allowed", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.serve(hello).pipe(Effect.provideService(FakeServer.Cors, [page]))
      const allowed = yield* preflight(`${server.url}/send`, page)
      assert.strictEqual(allowed.status, 204)
      assert.strictEqual(allowed.cors["access-control-allow-origin"], page)
      assert.strictEqual(allowed.cors["access-control-allow-headers"], "access-token,content-type")
      assert.strictEqual(allowed.cors["access-control-allow-methods"], "GET, HEAD, PUT, PATCH, POST, DELETE")
      assert.strictEqual(allowed.cors["access-control-max-age"], "600")
      const get = yield* send(`${server.url}/send`, { headers: { origin: page } })
      assert.deepStrictEqual([get.text, get.cors["access-control-allow-origin"]], ["hello /send", page])
      // One allowed origin is always named (as effect's `HttpMiddleware.cors` and `@authfx/fakes` do): another
      // origin's request gets no header allowing it, so a browser refuses its page the answer.
      const refused = yield* preflight(`${server.url}/send`, other)
      assert.notStrictEqual(refused.cors["access-control-allow-origin"], other)
      assert.notStrictEqual(refused.cors["access-control-allow-origin"], "*")
      // With several allowed origins, another one's request gets no allow-origin header at all.
      const several = yield* FakeServer.serve(hello, { cors: [page, "http://127.0.0.1:4173"] })
      assert.strictEqual((yield* preflight(`${several.url}/send`, page)).cors["access-control-allow-origin"], page)
      assert.isUndefined((yield* preflight(`${several.url}/send`, other)).cors["access-control-allow-origin"])
      assert.isUndefined(
        (yield* send(`${several.url}/send`, { headers: { origin: other } })).cors["access-control-allow-origin"]
      )
      // The `cors` option overrides the reference: off here, though `Cors` is provided.
      const off = yield* FakeServer.serve(hello, { cors: false }).pipe(Effect.provideService(FakeServer.Cors, [page]))
      assert.deepStrictEqual((yield* preflight(`${off.url}/send`, page)).cors, {})
    }))

  it.live("Cors \"*\": any origin's preflight is allowed", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.serve(hello).pipe(Effect.provideService(FakeServer.Cors, "*"))
      for (const origin of [page, other]) {
        const answer = yield* preflight(`${server.url}/send`, origin)
        assert.deepStrictEqual(
          [answer.status, answer.cors["access-control-allow-origin"], answer.cors["access-control-allow-headers"]],
          [204, "*", "access-token,content-type"]
        )
      }
    }))

  it.live("every HTTP fake starts with the Cors setting in effect (off by default)", () =>
    Effect.gen(function*() {
      const start = Effect.all({
        whatsgate: Effect.map(WhatsGateFake.make({ token: "t" }), (f) => [`${f.url}/send/text`]),
        gunbot: Effect.map(GunbotFake.make(), (f) => [`${f.url}/api/v1/auth/login`]),
        nabi: Effect.map(NabiFake.make(), (f) => [`${f.url}/graphql`]),
        terabox: Effect.map(TeraboxFake.make(), (f) => [`${f.url}/api/check/login`, `${f.regionOrigins.dm}/api/quota`])
      })
      const on = yield* start.pipe(Effect.provideService(FakeServer.Cors, [page]))
      const off = yield* start
      for (const [fake, urls] of Object.entries(on)) {
        for (const url of urls) {
          const answer = yield* preflight(url, page)
          assert.deepStrictEqual(
            [answer.status, answer.cors["access-control-allow-origin"], answer.cors["access-control-allow-headers"]],
            [204, page, "access-token,content-type"],
            `${fake}: ${url}`
          )
        }
      }
      for (const [fake, urls] of Object.entries(off)) {
        for (const url of urls) {
          assert.deepStrictEqual((yield* preflight(url, page)).cors, {}, `${fake}: ${url}`)
        }
      }
    }))
})
