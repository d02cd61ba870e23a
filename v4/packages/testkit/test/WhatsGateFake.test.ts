/**
 * What the testkit's `WhatsGateFake` adds to `@authfx/fakes`' WhatsGate fake: `make(options)` runs it for the life of
 * a scope with the options passed through, closing the scope stops it, and the `FakeServer.Cors` setting reaches it.
 * The protocol (the 403 bodies, validation, the Content-Type check, the faults) is tested once, without Effect, in
 * `packages/fakes/test/whatsgate.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FakeServer from "../src/FakeServer.js"
import * as WhatsGateFake from "../src/WhatsGateFake.js"

describe("WhatsGateFake (v4)", () => {
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

  it.live("the FakeServer.Cors setting reaches the fake: a browser's preflight, then the header on an answer", () =>
    Effect.gen(function*() {
      const page = "http://127.0.0.1:5173"
      const preflight = (fake: WhatsGateFake.WhatsGateFake) =>
        Effect.promise(() =>
          fetch(`${fake.url}/send/text`, {
            method: "OPTIONS",
            headers: {
              origin: page,
              "access-control-request-method": "POST",
              "access-control-request-headers": "access-token,content-type"
            }
          })
        )
      const closed = yield* WhatsGateFake.make({ token: "t" })
      assert.isNull((yield* preflight(closed)).headers.get("access-control-allow-origin"))
      const open = yield* WhatsGateFake.make({ token: "t" }).pipe(Effect.provideService(FakeServer.Cors, [page]))
      const allowed = yield* preflight(open)
      assert.deepStrictEqual([allowed.status, allowed.headers.get("access-control-allow-origin")], [204, page])
      const status = yield* Effect.promise(() =>
        fetch(`${open.url}/status/${open.device}`, { headers: { origin: page, "access-token": "t" } })
      )
      assert.deepStrictEqual([status.status, status.headers.get("access-control-allow-origin")], [200, page])
    }).pipe(Effect.scoped))
})
