import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Balances, GunbotApiError, GunbotSessionSchema } from "../src/Gunbot.js"

describe("Gunbot schemas", () => {
  it.effect("GunbotSessionSchema encodes the token as its value (as the v3 line does) and decodes it Redacted", () =>
    Effect.gen(function*() {
      const session = { token: Redacted.make("a.b.c"), claims: { exp: 1_700_000_300, iat: 1_700_000_000 } }
      const encoded = yield* Schema.encodeEffect(Schema.fromJsonString(GunbotSessionSchema))(session)
      // Not `"<redacted>"`: a persisted session keeps its token (effect 4's `Schema.Redacted` would lose it).
      assert.deepStrictEqual(JSON.parse(encoded), {
        token: "a.b.c",
        claims: { exp: 1_700_000_300, iat: 1_700_000_000 }
      })
      const decoded = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(GunbotSessionSchema))(encoded)
      assert.isTrue(Redacted.isRedacted(decoded.token))
      assert.strictEqual(Redacted.value(decoded.token), "a.b.c")
      assert.notInclude(String(decoded.token), "a.b.c")
    }))

  it.effect("Balances: Gunbot's keys renamed; `On Order` may be missing; the quantities stay text", () =>
    Effect.gen(function*() {
      const rows = yield* Schema.decodeUnknownEffect(Balances)([
        { Asset: "BTC", Exchange: "binance", "Available Qty": "0.01000000", "On Order": "0", extra: 1 },
        { Asset: "ETH", Exchange: "bybit", "Available Qty": "2" }
      ])
      assert.deepStrictEqual(rows, [
        { asset: "BTC", exchange: "binance", availableQty: "0.01000000", onOrder: "0" },
        { asset: "ETH", exchange: "bybit", availableQty: "2" }
      ])
      const wrong = yield* Effect.flip(
        Schema.decodeUnknownEffect(Balances)([{ asset: "BTC", exchange: "binance", availableQty: "1" }])
      )
      assert.strictEqual(wrong._tag, "SchemaError")
    }))

  it("GunbotApiError names Gunbot's message, its status and the route", () => {
    const error = new GunbotApiError({
      provider: "gunbot",
      status: 400,
      description: "Invalid input",
      route: "POST /api/v1/trade/buy",
      code: null
    })
    assert.strictEqual(error.message, "gunbot: Invalid input (status 400) on POST /api/v1/trade/buy")
    assert.strictEqual(error._tag, "GunbotApiError")
  })
})
