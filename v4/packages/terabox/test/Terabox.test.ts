import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Terabox from "../src/Terabox.js"

describe("Terabox", () => {
  it.effect("TeraboxSessionSchema keeps the tokens' values when encoded (a stored session stays usable)", () =>
    Effect.gen(function*() {
      const session: Terabox.TeraboxSession = {
        origin: "https://dm.terabox.com",
        jsToken: Redacted.make("JS-TOKEN"),
        bdstoken: Redacted.make("bd-token"),
        uk: 4398000000001
      }
      const codec = Schema.fromJsonString(Terabox.TeraboxSessionSchema)
      const text = yield* Schema.encodeEffect(codec)(session)
      assert.deepStrictEqual(JSON.parse(text), {
        origin: "https://dm.terabox.com",
        jsToken: "JS-TOKEN",
        bdstoken: "bd-token",
        uk: 4398000000001
      })
      const decoded = yield* Schema.decodeUnknownEffect(codec)(text)
      assert.strictEqual(Redacted.value(decoded.jsToken), "JS-TOKEN")
      assert.strictEqual(decoded.bdstoken !== undefined && Redacted.value(decoded.bdstoken), "bd-token")
      assert.notInclude(String(decoded.jsToken), "JS-TOKEN")
      const without = yield* Schema.decodeUnknownEffect(codec)(
        JSON.stringify({ ...JSON.parse(text), bdstoken: undefined })
      )
      assert.isUndefined(without.bdstoken)
    }))

  it("TeraboxApiError names the errno, its reason and each failed item; reasonOf is the protocol's", () => {
    const error = new Terabox.TeraboxApiError({
      provider: "terabox",
      reason: Terabox.reasonOf(12),
      errno: 12,
      items: [{ path: "/a", errno: 0 }, { path: "/b", errno: -9 }]
    })
    assert.strictEqual(error.message, "terabox: errno 12 (PartialFailure): /b (-9)")
    assert.strictEqual(Terabox.reasonOf(-8), "AlreadyExists")
    assert.strictEqual(Terabox.reasonOf(4500016), "Unknown")
    assert.strictEqual(
      new Terabox.TeraboxApiError({ provider: "terabox", reason: "NotFound", errno: -9 }).message,
      "terabox: errno -9 (NotFound)"
    )
  })
})
