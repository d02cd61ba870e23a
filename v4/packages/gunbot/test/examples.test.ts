import { GunbotFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { program } from "../examples/status.js"

describe("README example", () => {
  it("is examples/status.ts as it is (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const example = readFileSync(new URL("../examples/status.ts", import.meta.url), "utf8")
    assert.include(readme, example.trim())
  })

  it.live("runs against the fake with the environment `authfx fakes` prints", () =>
    Effect.gen(function*() {
      const fake = yield* GunbotFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      assert.strictEqual(
        yield* program,
        "Authenticated; assets: 1000.00000000 USDT on binance, 0.01000000 BTC on binance"
      )
      assert.deepStrictEqual([fake.counters.logins, fake.counters.authorized], [1, 2])
      // effect 4's default ConfigProvider copies the environment once: this test's provider reads it at each load.
      process.env["GUNBOT_WALLET"] = "too-short"
      assert.strictEqual(
        yield* program,
        "fix GUNBOT_WALLET: gunbot: GUNBOT_WALLET is invalid: the gunthy wallet key must be at least 16 bytes long"
      )
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))
})
