/**
 * What the testkit's `GunbotFake` adds to `@authfx/fakes`' Gunbot fake: `make(options)` runs it for the life of a
 * scope with the options passed through and the `FakeServer.Cors` setting in effect, closing the scope stops it, and
 * `encryptPassword` is the docs' encryption. The protocol (the ENC: login, the tokens, the protected routes, the
 * switches, the faults) is tested once, without Effect, in `packages/fakes/test/gunbot.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FakeServer from "../src/FakeServer.js"
import * as GunbotFake from "../src/GunbotFake.js"

describe("GunbotFake.make (v4)", () => {
  it.live("runs the fake for the life of the scope with the options given; closing the scope stops it", () =>
    Effect.gen(function*() {
      const page = "http://127.0.0.1:5173"
      const url = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* GunbotFake.make({ password: "pw-1", wrongPasswordStatus: 400 }).pipe(
          Effect.provideService(FakeServer.Cors, [page])
        )
        assert.isFalse("close" in fake, "the scope, not the caller, closes the fake")
        assert.strictEqual(fake.password(), "pw-1")
        // The options and the FakeServer.Cors setting reached the fake: a wrong password is a 400, the page allowed.
        const refused = yield* Effect.promise(() =>
          fetch(`${fake.url}/api/v1/auth/login`, {
            method: "POST",
            headers: { "content-type": "application/json", origin: page },
            body: JSON.stringify({ password: "ENC:d3Jvbmc=" })
          })
        )
        assert.deepStrictEqual([refused.status, refused.headers.get("access-control-allow-origin")], [400, page])
        return fake.url
      }))
      const after = yield* Effect.promise(() => fetch(url).then((r) => r.status, () => "refused"))
      assert.strictEqual(after, "refused")
    }))

  it("encryptPassword is the docs' encryption (the vector the v3 gunbot package's GunbotPassword test checks)", () => {
    assert.strictEqual(
      GunbotFake.encryptPassword("hunter2-long-password!", "0123456789abcdefXX"),
      "ENC:AGJJSTs7qs1sZ7bV55UlBBd2MIGj2/Wh5t8iXTRXLCw="
    )
  })
})
