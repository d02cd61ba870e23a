import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as Inbound from "../src/internal/inbound.js"

const hooks: Inbound.Hooks = { onOverflow: () => undefined, onDrop: () => undefined, onResume: () => undefined }

// The same tests as the v3 line's test/inbound.test.ts.
describe("inbound", () => {
  it.effect("a closing connection hands a subscriber the frames already buffered for it, then ends its stream", () =>
    Effect.gen(function*() {
      const inbound = Inbound.make<string>(10, 1_000, hooks)
      const subscribed = yield* Deferred.make<void>()
      const reader = yield* inbound.stream.pipe(
        Stream.tap(() => Deferred.await(subscribed)),
        Stream.runCollect,
        Effect.forkChild
      )
      // The subscription exists once its buffer has been registered.
      while (inbound.buffered().frames === 0) {
        inbound.publish("probe", 5)
        yield* Effect.yieldNow
      }
      inbound.publish("one", 3)
      inbound.publish("two", 3)
      yield* inbound.shutdown
      inbound.publish("after", 5)
      yield* Deferred.succeed(subscribed, undefined)
      const got = Array.from(yield* Fiber.join(reader)).filter((frame) => frame !== "probe")
      assert.deepStrictEqual(got, ["one", "two"])
      assert.deepStrictEqual(inbound.buffered(), { frames: 0, bytes: 0 })
    }))

  it.effect("a subscription made after the close is empty", () =>
    Effect.gen(function*() {
      const inbound = Inbound.make<string>(10, 1_000, hooks)
      yield* inbound.shutdown
      assert.strictEqual(Array.from(yield* Stream.runCollect(inbound.stream)).length, 0)
    }))
})
