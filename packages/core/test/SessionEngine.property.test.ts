import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { makeHarness } from "./utils/harness.js"

type Command =
  | { readonly _tag: "Call" }
  | { readonly _tag: "Invalidate" }
  | { readonly _tag: "Refresh" }
  | { readonly _tag: "Fail"; readonly n: number }
  | { readonly _tag: "Advance"; readonly millis: number }
  | { readonly _tag: "Yield" }
  | { readonly _tag: "Interrupt"; readonly index: number }

const command: FastCheck.Arbitrary<Command> = FastCheck.oneof(
  FastCheck.constant({ _tag: "Call" } as const),
  FastCheck.constant({ _tag: "Call" } as const),
  FastCheck.constant({ _tag: "Invalidate" } as const),
  FastCheck.constant({ _tag: "Refresh" } as const),
  FastCheck.integer({ min: 0, max: 3 }).map((n) => ({ _tag: "Fail", n }) as const),
  FastCheck.integer({ min: 5, max: 50 }).map((n) => ({ _tag: "Fail", n }) as const),
  FastCheck.integer({ min: 0, max: 40_000 }).map((millis) => ({ _tag: "Advance", millis }) as const),
  FastCheck.constant({ _tag: "Yield" } as const),
  FastCheck.nat(50).map((index) => ({ _tag: "Interrupt", index }) as const)
)

describe("SessionEngine (property)", () => {
  it.effect.prop(
    "random interleavings never yield a defect, a second flight or an expired session",
    [FastCheck.array(command, { minLength: 1, maxLength: 80 }), FastCheck.boolean(), FastCheck.nat(3_000)],
    ([commands, withRefresh, latencyMillis]) =>
      Effect.scoped(Effect.gen(function*() {
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
        const callers: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
        const interrupted = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
        for (const c of commands) {
          switch (c._tag) {
            case "Call":
              callers.push(yield* Effect.fork(checked))
              break
            case "Refresh":
              callers.push(yield* Effect.fork(h.auth.refresh))
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
              yield* Effect.yieldNow()
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
        const settle = (fibers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>) =>
          Effect.gen(function*() {
            for (let i = 0; i < 600 && fibers.some((f) => f.unsafePoll() === null); i++) {
              yield* TestClock.adjust(Duration.seconds(1))
            }
          })
        yield* settle(callers)
        for (const fiber of callers) {
          const exit = yield* Fiber.await(fiber)
          if (Exit.isFailure(exit)) {
            assert.isFalse(Cause.isDie(exit.cause), "no defect")
            if (!interrupted.has(fiber)) {
              const failure = Cause.failureOption(exit.cause)
              assert.isTrue(Option.isSome(failure), "a typed failure")
            }
          }
        }
        assert.deepStrictEqual(expiredHandedOut, [])
        assert.isAtMost(h.maxInFlight(), 1)
        // And the engine recovers: a session is available once faults are gone and any floor they started (two
        // invalidations in a row count as rejected fresh sessions; at most a minute) has passed.
        yield* TestClock.adjust(Duration.seconds(61))
        const last = yield* Effect.fork(checked)
        yield* settle([last])
        const final = yield* Fiber.join(last)
        assert.isAbove(final.id, 0)
      })),
    { fastCheck: { numRuns: 150 } }
  )
})
