/**
 * What the testkit's `TeraboxFake` adds to `@authfx/fakes`' Terabox fake: `make(options)` runs it for the life of a
 * scope with the options passed through, closing the scope stops both of its servers (the primary and the `dm`
 * region), and the `FakeServer.Cors` setting is in effect on both. The protocol itself (the independent clients'
 * request shapes, the switches, the faults) is tested once, without Effect, in `packages/fakes/test/terabox.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FakeServer from "../src/FakeServer.js"
import * as TeraboxFake from "../src/TeraboxFake.js"

const get = (url: string, headers: Record<string, string>) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers, redirect: "manual" })
    return { status: response.status, headers: response.headers, json: await response.json() as unknown }
  })

const refused = (url: string) => Effect.promise(() => fetch(url).then((r) => r.status, () => "refused"))

describe("TeraboxFake.make", () => {
  it.live("runs the fake for the life of the scope with the options given; closing the scope stops both servers", () =>
    Effect.gen(function*() {
      const { dm, url } = yield* Effect.scoped(Effect.gen(function*() {
        const fake = yield* TeraboxFake.make({ numAbove1000: "reject", regionHeader: "url-domain-prefix" })
        assert.isFalse("close" in fake, "the scope, not the caller, closes the fake")
        const cookie = { cookie: `ndus=${fake.ndus()}` }
        const dm = fake.regionOrigins["dm"]!
        assert.notStrictEqual(dm, fake.url)
        // Both options reached the fake: `num` above 1000 is rejected, the region header has the name asked for.
        assert.deepStrictEqual((yield* get(`${fake.url}/api/list?num=20000`, cookie)).json, {
          errno: 2,
          errmsg: "param error"
        })
        assert.strictEqual((yield* get(`${dm}/api/quota`, cookie)).headers.get("url-domain-prefix"), "www")
        assert.strictEqual(fake.counters.requests, 2)
        return { url: fake.url, dm }
      }))
      assert.deepStrictEqual([yield* refused(url), yield* refused(dm)], ["refused", "refused"])
    }))

  it.live("the FakeServer.Cors setting is in effect on the primary and on the region", () =>
    Effect.gen(function*() {
      const page = "http://127.0.0.1:5173"
      const allowed = (fake: TeraboxFake.TeraboxFake) =>
        Effect.forEach([fake.url, fake.regionOrigins["dm"]!], (origin) =>
          Effect.map(
            get(`${origin}/api/quota`, { cookie: `ndus=${fake.ndus()}`, origin: page }),
            (answer) => answer.headers.get("access-control-allow-origin")
          ))
      const plain = yield* TeraboxFake.make()
      assert.deepStrictEqual(yield* allowed(plain), [null, null])
      const cors = yield* TeraboxFake.make().pipe(Effect.provideService(FakeServer.Cors, [page]))
      assert.deepStrictEqual(yield* allowed(cors), [page, page])
    }).pipe(Effect.scoped))
})
