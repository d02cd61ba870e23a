import { NandboxFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { readFileSync } from "node:fs"
import { echo } from "../examples/echo.js"

describe("README example", () => {
  it("is examples/echo.ts as it is (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    assert.include(readme, readFileSync(new URL("../examples/echo.ts", import.meta.url), "utf8").trim())
  })

  it.live("echoes messages against the fake with the environment `authfx fakes` prints", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* NandboxFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      const running = yield* Effect.forkChild(echo(2))
      for (let i = 0; i < 100 && fake.counters.authentications === 0; i++) yield* Effect.sleep("5 millis")
      yield* Effect.sleep("20 millis")
      fake.broadcast({ method: "message", message: { chat: { id: "c1" }, text: "one" } })
      fake.broadcast({ method: "message", message: { chat: { id: "c1" }, text: "two" } })
      assert.strictEqual(yield* Fiber.join(running), 2)
      for (let i = 0; i < 100 && fake.received().length < 2; i++) yield* Effect.sleep("5 millis")
      assert.deepStrictEqual(fake.received().map((f) => f["text"]), ["echo: one", "echo: two"])
    })))
})
