import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Url from "../src/Url.js"

describe("Url.validate", () => {
  it.effect("keeps a valid URL, trims trailing slashes unless told not to, refuses the rest typed", () =>
    Effect.gen(function*() {
      const check = (url: string, extra: Partial<Parameters<typeof Url.validate>[0]> = {}) =>
        Url.validate({ provider: "p", key: "P_URL", url, example: "https://example.com", ...extra })
      assert.strictEqual(yield* check("https://a.example.com/api/"), "https://a.example.com/api")
      assert.strictEqual(
        yield* check("wss://w1.example.com:5020/x/", { protocols: ["wss:"], trimTrailingSlash: false }),
        "wss://w1.example.com:5020/x/"
      )
      assert.strictEqual(
        yield* check("https://www.example.com/main?x=1", { originOnly: true }),
        "https://www.example.com"
      )
      for (const bad of ["", "example.com", "ftp://example.com", "http://", "https://x/#frag"]) {
        const error = yield* Effect.flip(check(bad))
        assert.deepStrictEqual([error._tag, error.key, error.reason], ["ConfigurationError", "P_URL", "Invalid"])
      }
      assert.strictEqual((yield* Effect.flip(check("https://x", { protocols: ["wss:"] })))._tag, "ConfigurationError")
    }))
})
