import { TestEnv, WhatsGateFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { program } from "../examples/send.js"

describe("README example", () => {
  it("is examples/send.ts as it is (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const example = readFileSync(new URL("../examples/send.ts", import.meta.url), "utf8")
    assert.include(readme, example.trim())
  })

  it.live("runs against the fake with the environment `authfx fakes` prints", () =>
    Effect.gen(function*() {
      const fake = yield* WhatsGateFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      assert.strictEqual(yield* program, "Message sent successfully")
      assert.strictEqual(fake.counters.sent, 1)
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))
})
