import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/testing/TestClock"
import * as Timers from "../src/internal/timers.js"

// The same tests as the v3 line's test/timers.test.ts.
describe("the socket's timers", () => {
  it.live("on the live clock: the shared platform timer runs a task and its cancellation stops another", () =>
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      assert.isTrue(Timers.isLive(clock))
      const after = Timers.after(clock, yield* Effect.context<never>())
      const ran: Array<string> = []
      after(10, () => ran.push("kept"))
      const cancel = after(10, () => ran.push("cancelled"))
      cancel()
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(ran, ["kept"])
    }))

  it.effect("on a TestClock: the task waits for the clock to move, not for real time", () =>
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      assert.isFalse(Timers.isLive(clock))
      const ran: Array<number> = []
      Timers.after(clock, yield* Effect.context<never>())(1_000, () => ran.push(1))
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(ran, [])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(ran, [1])
    }))

  it.live("a clock of the user's own that delegates to the live one is not the live clock", () =>
    Effect.gen(function*() {
      const live = yield* Clock.Clock
      const own: Clock.Clock = { ...live }
      assert.isFalse(Timers.isLive(own))
    }))
})
