/**
 * What the testkit's `WhatsGateFake` adds to `@authfx/fakes`' WhatsGate fake: `make(options)` runs it for the life of
 * a scope with the options passed through, closing the scope stops it, and the `FakeServer.Cors` setting reaches it
 * (and `GunbotFake`). The protocol (the 403 bodies, validation, the Content-Type check, the faults) is tested once,
 * without Effect, in `packages/fakes/test/whatsgate.test.ts`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FakeServer from "../src/FakeServer.js"
import * as GunbotFake from "../src/GunbotFake.js"
import * as WhatsGateFake from "../src/WhatsGateFake.js"

const call = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (text) => ({ status: response.status, text, headers: response.headers }))
      )
    ))

describe("WhatsGateFake", () => {
  it.live("make runs the fake for the life of the scope with the options given; closing the scope stops it", () =>
    Effect.gen(function*() {
      const url = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* WhatsGateFake.make({ token: "t", devices: { "8": "connected" } })
        assert.isFalse("close" in fake, "the scope, not the caller, closes the fake")
        assert.deepStrictEqual([fake.token(), fake.device], ["t", "8"])
        const status = yield* Effect.promise(() => fetch(`${fake.url}/status/8`, { headers: { "access-token": "t" } }))
        assert.strictEqual(status.status, 200)
        return fake.url
      }))
      const after = yield* Effect.promise(() => fetch(url).then((r) => r.status, () => "refused"))
      assert.strictEqual(after, "refused")
    }))

  it.scoped("FakeServer.Cors reaches the shared fakes: a browser's preflight, then headers on every answer", () =>
    Effect.gen(function*() {
      const page = "http://127.0.0.1:5173"
      const preflight = (url: string) =>
        call(
          HttpClientRequest.make("OPTIONS")(url).pipe(
            HttpClientRequest.setHeaders({
              origin: page,
              "access-control-request-method": "POST",
              "access-control-request-headers": "access-token,content-type"
            })
          )
        )
      const closed = yield* WhatsGateFake.make({ token: "t" })
      const refused = yield* preflight(`${closed.url}/send/text`)
      assert.isUndefined(refused.headers["access-control-allow-origin"])

      const [whatsgate, gunbot] = yield* Effect.all([
        WhatsGateFake.make({ token: "t" }),
        GunbotFake.make()
      ]).pipe(Effect.provideService(FakeServer.Cors, [page]))
      const allowed = yield* preflight(`${whatsgate.url}/send/text`)
      assert.deepStrictEqual(
        [
          allowed.status,
          allowed.headers["access-control-allow-origin"],
          allowed.headers["access-control-allow-headers"]
        ],
        [204, page, "access-token,content-type"]
      )
      assert.strictEqual(whatsgate.counters.requests, 0)
      const status = yield* call(
        HttpClientRequest.get(`${whatsgate.url}/status/${whatsgate.device}`).pipe(
          HttpClientRequest.setHeaders({ origin: page, "access-token": "t" })
        )
      )
      assert.deepStrictEqual([status.status, status.headers["access-control-allow-origin"]], [200, page])
      whatsgate.failNext(1, 503)
      const failed = yield* call(
        HttpClientRequest.get(`${whatsgate.url}/status/${whatsgate.device}`).pipe(
          HttpClientRequest.setHeaders({ origin: page, "access-token": "t" })
        )
      )
      assert.deepStrictEqual([failed.status, failed.headers["access-control-allow-origin"]], [503, page])
      const login = yield* preflight(`${gunbot.url}/api/v1/auth/login`)
      assert.deepStrictEqual([login.status, login.headers["access-control-allow-origin"]], [204, page])
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
