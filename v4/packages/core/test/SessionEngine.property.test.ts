import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import { makeHarness } from "./utils/harness.js"

const between = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))

// effect 4 has no FastCheck in `effect`: the commands are a Schema, whose arbitrary `it.effect.prop` derives.
const Command = Schema.Union([
  Schema.Struct({ _tag: Schema.Literal("Call") }),
  Schema.Struct({ _tag: Schema.Literal("Call") }),
  Schema.Struct({ _tag: Schema.Literal("Invalidate") }),
  Schema.Struct({ _tag: Schema.Literal("Refresh") }),
  Schema.Struct({ _tag: Schema.Literal("Fail"), n: between(0, 3) }),
  Schema.Struct({ _tag: Schema.Literal("Fail"), n: between(5, 50) }),
  Schema.Struct({ _tag: Schema.Literal("Advance"), millis: between(0, 40_000) }),
  Schema.Struct({ _tag: Schema.Literal("Yield") }),
  Schema.Struct({ _tag: Schema.Literal("Interrupt"), index: between(0, 50) })
])

describe("SessionEngine (property)", () => {
  it.effect.prop(
    "random interleavings never yield a defect, a second flight or an expired session",
    [
      Schema.Array(Command).check(Schema.isMinLength(1), Schema.isMaxLength(80)),
      Schema.Boolean,
      between(0, 3_000)
    ],
    ([commands, withRefresh, latencyMillis]) =>
      Effect.gen(function*() {
        const h = yield* makeHarness({
          lifetimeMillis: 30_000,
          withRefresh,
          latencyMillis,
          refreshMargin: Duration.seconds(2),
          refreshRetry: Schedule.spaced(Duration.seconds(1))
        })
        const expiredHandedOut: Array<number> = []
        const checked = h.auth.session.pipe(
          Effect.tap((s) =>
            Clock.currentTimeMillis.pipe(
              Effect.map((now) => {
                if (s.expiresAt !== undefined && s.expiresAt <= now) expiredHandedOut.push(s.id)
              })
            )
          )
        )
        const callers: Array<Fiber.Fiber<unknown, unknown>> = []
        const interrupted = new Set<Fiber.Fiber<unknown, unknown>>()
        for (const c of commands) {
          switch (c._tag) {
            case "Call":
              callers.push(yield* Effect.forkChild(checked))
              break
            case "Refresh":
              callers.push(yield* Effect.forkChild(h.auth.refresh))
              break
            case "Invalidate": {
              const current = yield* h.auth.current
              if (Option.isSome(current)) yield* h.auth.invalidate(current.value)
              break
            }
            case "Fail":
              h.failNext(c.n)
              break
            case "Advance":
              yield* TestClock.adjust(Duration.millis(c.millis))
              break
            case "Yield":
              yield* Effect.yieldNow
              break
            case "Interrupt": {
              const target = callers[c.index % Math.max(1, callers.length)]
              if (target !== undefined) {
                interrupted.add(target)
                yield* Fiber.interrupt(target)
              }
              break
            }
          }
        }
        // Let everything settle: failures stop, time passes, every caller ends.
        h.failNext(0)
        const settle = (fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>) =>
          Effect.gen(function*() {
            for (let i = 0; i < 600 && fibers.some((f) => f.pollUnsafe() === undefined); i++) {
              yield* TestClock.adjust(Duration.seconds(1))
            }
          })
        yield* settle(callers)
        for (const fiber of callers) {
          const exit = yield* Fiber.await(fiber)
          if (Exit.isFailure(exit)) {
            assert.isFalse(Cause.hasDies(exit.cause), "no defect")
            if (!interrupted.has(fiber)) {
              const failure = Cause.findErrorOption(exit.cause)
              assert.isTrue(Option.isSome(failure), "a typed failure")
            }
          }
        }
        assert.deepStrictEqual(expiredHandedOut, [])
        assert.isAtMost(h.maxInFlight(), 1)
        // And the engine recovers: a session is available once faults are gone and any floor they started (two
        // invalidations in a row count as rejected fresh sessions; at most a minute) has passed.
        yield* TestClock.adjust(Duration.seconds(61))
        const last = yield* Effect.forkChild(checked)
        yield* settle([last])
        const final = yield* Fiber.join(last)
        assert.isAbove(final.id, 0)
      }),
    { arbitrary: { runs: 150 } }
  )
})
