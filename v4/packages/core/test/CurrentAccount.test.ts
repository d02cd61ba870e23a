import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { CurrentAccount } from "../src/CurrentAccount.js"

describe("CurrentAccount", () => {
  it.effect("is undefined outside a keyed service, and the key inside one and in the fibers it forks", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* CurrentAccount)
      const read = Effect.gen(function*() {
        return yield* CurrentAccount
      })
      const inside = yield* Effect.provideService(
        Effect.gen(function*() {
          const child = yield* Effect.forkChild(read)
          return [yield* read, yield* Fiber.join(child)]
        }),
        CurrentAccount,
        "bot-42"
      )
      assert.deepStrictEqual(inside, ["bot-42", "bot-42"])
      assert.isUndefined(yield* read)
    }))
})
