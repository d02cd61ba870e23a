import type * as Timers from "@authfx/protocol/Timers"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import { isLive, liveClock } from "../src/internal/liveClock.js"
import { keptRefs, localsOf, sameOutsideContext, setPublicOnly } from "../src/internal/sharedRefs.js"
import { makeHarness, waitUntil } from "./utils/harness.js"

// The engine reaches Effect's live clock and shares its builders' fiber refs through public API only (issue 29):
// these tests fail if what that API returns stops meaning what the engine relies on.

/** The engine's position in the live clock's shared timer (`-1`: not in it). */
const timerIndexOf = (auth: unknown): number => (auth as Timers.Timed).timerIndex

/** A clock of the user's own: the live clock's time and sleeps, but another object. */
const delegatingClock = (): Clock.Clock => {
  const live = liveClock()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => live.unsafeCurrentTimeMillis(),
    unsafeCurrentTimeNanos: () => live.unsafeCurrentTimeNanos(),
    currentTimeMillis: live.currentTimeMillis,
    currentTimeNanos: live.currentTimeNanos,
    sleep: (duration) => live.sleep(duration)
  }
}

describe("internal/liveClock", () => {
  it.live("a fiber given no other clock reads the live clock, the one of DefaultServices.liveServices", () =>
    Effect.gen(function*() {
      const clock = yield* Effect.clock
      assert.isTrue(isLive(clock))
      assert.strictEqual(liveClock(), Context.get(DefaultServices.liveServices, Clock.Clock))
      // Its sleeps are real time.
      const start = Date.now()
      yield* Effect.sleep("20 millis")
      assert.isAtLeast(Date.now() - start, 15)
    }))

  it.effect("a TestClock is not the live clock", () =>
    Effect.gen(function*() {
      assert.isFalse(isLive(yield* Effect.clock))
    }))

  it.live("a user's own clock is not the live clock, even when it delegates to it", () =>
    Effect.gen(function*() {
      const own = delegatingClock()
      assert.isFalse(isLive(own))
      assert.isFalse(yield* Effect.withClock(Effect.map(Effect.clock, isLive), own))
    }))
})

describe("the engine's renewal timer on each clock", () => {
  it.live("live clock: the pending renewal joins the shared platform timer, no fiber sleeps", () =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor.track
      const unfinished = Effect.map(supervisor.value, (fibers) => fibers.filter((f) => f.unsafePoll() === null))
      const scope = yield* Scope.make()
      // 600 ms sessions, renewed half-way through: about 300 ms after each login.
      const h = yield* makeHarness({ lifetimeMillis: 600, refreshJitter: 0 }).pipe(
        Scope.extend(scope),
        Effect.supervised(supervisor)
      )
      yield* h.auth.session.pipe(Effect.supervised(supervisor))
      assert.isAtLeast(timerIndexOf(h.auth), 0)
      yield* waitUntil(() => Effect.runSync(unfinished).length === 0)
      yield* Effect.sleep("450 millis")
      assert.strictEqual(h.refreshes(), 1)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(timerIndexOf(h.auth), -1)
    }))

  it.scoped("TestClock: the engine's own fiber sleeps on that clock, outside the shared timer", () =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor.track
      const unfinished = Effect.map(supervisor.value, (fibers) => fibers.filter((f) => f.unsafePoll() === null))
      const h = yield* makeHarness({ lifetimeMillis: 100_000, refreshMargin: 0, refreshJitter: 0 }).pipe(
        Effect.supervised(supervisor)
      )
      yield* h.auth.session.pipe(Effect.supervised(supervisor))
      assert.strictEqual(timerIndexOf(h.auth), -1)
      for (let turn = 0; turn < 100; turn++) yield* Effect.yieldNow()
      assert.isAbove((yield* unfinished).length, 0)
      // Only the TestClock moves it.
      yield* TestClock.adjust(Duration.seconds(79))
      assert.strictEqual(h.refreshes(), 0)
      yield* TestClock.adjust(Duration.seconds(2))
      assert.strictEqual(h.refreshes(), 1)
    }))

  it.live("a user's own clock: the engine's own fiber sleeps on it and renews on time", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const own = delegatingClock()
      const h = yield* makeHarness({ lifetimeMillis: 600, refreshJitter: 0 }).pipe(
        Scope.extend(scope),
        Effect.withClock(own)
      )
      yield* Effect.withClock(h.auth.session, own)
      assert.strictEqual(timerIndexOf(h.auth), -1)
      yield* Effect.sleep("450 millis")
      assert.strictEqual(h.refreshes(), 1)
      yield* Scope.close(scope, Exit.void)
    }))
})

describe("internal/sharedRefs", () => {
  it.effect("effect 3's FiberRefs keep a Map of ref stacks named locals, which agrees with the public API", () =>
    // The one undeclared internal the engine reads: if effect changes it, this fails (the engine would fall back to
    // the public API, slower per build; see BENCHMARKS.md).
    Effect.gen(function*() {
      const refs = yield* Effect.locally(Effect.getFiberRefs, FiberRef.currentLogLevel, LogLevel.Warning)
      const locals = localsOf(refs)
      assert.isDefined(locals)
      const publicRefs = [...FiberRefs.fiberRefs(refs)]
      assert.strictEqual(locals!.size, publicRefs.length)
      assert.isAbove(publicRefs.length, 1)
      for (const ref of publicRefs) {
        const stack = locals!.get(ref)
        assert.isDefined(stack)
        assert.strictEqual(stack![0]![1], Option.getOrThrow(FiberRefs.get(refs, ref)))
      }
      assert.strictEqual(locals!.get(FiberRef.currentLogLevel as FiberRef.FiberRef<unknown>)![0]![1], LogLevel.Warning)
    }))

  it.effect("the public-API fallback gives the same answers as the read of locals", () =>
    Effect.gen(function*() {
      const base = yield* Effect.getFiberRefs
      const kept = FiberRefs.delete(base, FiberRef.currentContext)
      const size = [...FiberRefs.fiberRefs(kept)].length
      const cases = [
        base,
        // Only the context differs (a scope provided).
        yield* Effect.scoped(Effect.getFiberRefs),
        yield* Effect.locally(Effect.getFiberRefs, FiberRef.currentLogLevel, LogLevel.Error),
        yield* Effect.getFiberRefs.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.none)))
      ]
      const answers = (publicOnly: boolean) => {
        setPublicOnly(publicOnly)
        try {
          return cases.map((refs) => sameOutsideContext(kept, size, refs))
        } finally {
          setPublicOnly(false)
        }
      }
      assert.deepStrictEqual(answers(true), answers(false))
      assert.deepStrictEqual(answers(false), [true, true, false, false])
    }))

  it.effect("a fiber's refs twice in a row: one copy kept, without the context", () =>
    Effect.gen(function*() {
      const first = keptRefs(yield* Effect.getFiberRefs)
      const second = keptRefs(yield* Effect.getFiberRefs)
      assert.strictEqual(second, first)
      assert.isTrue(Option.isNone(FiberRefs.get(first, FiberRef.currentContext)))
      // The rest is kept as it was.
      assert.strictEqual(
        FiberRefs.getOrDefault(first, FiberRef.currentLogLevel),
        yield* FiberRef.get(FiberRef.currentLogLevel)
      )
    }))

  it.effect("refs that differ outside the context get a copy of their own, and that one is shared next", () =>
    Effect.gen(function*() {
      const first = keptRefs(yield* Effect.getFiberRefs)
      const other = yield* Effect.locally(Effect.getFiberRefs, FiberRef.currentLogLevel, LogLevel.Error)
      const kept = keptRefs(other)
      assert.notStrictEqual(kept, first)
      assert.strictEqual(FiberRefs.getOrDefault(kept, FiberRef.currentLogLevel), LogLevel.Error)
      assert.strictEqual(keptRefs(other), kept)
      // A ref the first did not hold at all (a logger added) is a difference too.
      const more = yield* Effect.getFiberRefs.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.none)))
      assert.notStrictEqual(keptRefs(more), kept)
    }))

  it.scoped("engines built one after the other by one fiber share one copy of its refs", () =>
    Effect.gen(function*() {
      const a = yield* makeHarness({ lifetimeMillis: 60_000 })
      const b = yield* makeHarness({ lifetimeMillis: 60_000 })
      const refsOf = (auth: unknown) => (auth as { readonly refs: FiberRefs.FiberRefs }).refs
      assert.strictEqual(refsOf(b.auth), refsOf(a.auth))
    }))
})
