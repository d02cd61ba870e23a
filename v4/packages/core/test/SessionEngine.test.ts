import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import { inspect } from "node:util"
import * as Authenticated from "../src/Authenticated.js"
import type { AuthEvent } from "../src/AuthEvent.js"
import { isLive } from "../src/internal/liveClock.js"
import { fiberCounter, makeHarness, release, SENTINEL, waitUntil } from "./utils/harness.js"

const concurrently = <A, E, R>(n: number, effect: Effect.Effect<A, E, R>) =>
  Effect.forEach(Array.from({ length: n }), () => effect, { concurrency: "unbounded" })

describe("SessionEngine", () => {
  describe("rule 1: single flight", () => {
    it.effect("1,000 concurrent callers on a cold cache cause exactly one acquire", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        const gate = yield* h.hold
        const fiber = yield* Effect.forkChild(concurrently(1000, h.auth.session))
        yield* Effect.yieldNow
        yield* release(gate)
        const sessions = yield* Fiber.join(fiber)
        assert.strictEqual(h.acquires(), 1)
        assert.strictEqual(h.maxInFlight(), 1)
        assert.isTrue(sessions.every((s) => s === sessions[0]))
      }))
  })

  describe("rule 2: cheap hit", () => {
    it.effect("a cached session is returned synchronously, even while a renewal is held", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 100_000 })
        const first = yield* h.auth.session
        const gate = yield* h.hold
        // Past the refresh point: a renewal starts in the background and is held.
        yield* TestClock.adjust(Duration.seconds(85))
        yield* Effect.yieldNow
        assert.strictEqual(h.refreshes(), 1)
        // A cache that locked on each hit would block here; ours answers at once.
        const clock = yield* Clock.Clock
        const hit = Effect.runSyncExit(Effect.provideService(h.auth.session, Clock.Clock, clock))
        assert.isTrue(Exit.isSuccess(hit))
        if (Exit.isSuccess(hit)) assert.strictEqual(hit.value, first)
        yield* release(gate)
      }))

    it.effect("10,000 hits cause no further acquire", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        const first = yield* h.auth.session
        for (let i = 0; i < 10_000; i++) {
          assert.strictEqual(yield* h.auth.session, first)
        }
        assert.strictEqual(h.acquires(), 1)
      }))
  })

  describe("rule 3: proactive refresh", () => {
    it.effect("renews at 80% of the lifetime in the background, serving the current session meanwhile", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 100_000, refreshMargin: Duration.seconds(5) })
        const first = yield* h.auth.session
        yield* TestClock.adjust(Duration.seconds(79))
        assert.strictEqual(h.refreshes(), 0)
        const gate = yield* h.hold
        yield* TestClock.adjust(Duration.seconds(2))
        assert.strictEqual(h.refreshes(), 1)
        // The renewal is held: callers still get the current session.
        assert.strictEqual(yield* h.auth.session, first)
        yield* release(gate)
        yield* Effect.yieldNow
        const second = yield* h.auth.session
        assert.notStrictEqual(second, first)
        assert.strictEqual(second.via, "refresh")
        assert.strictEqual(h.acquires(), 1)
      }))

    it.effect("jitter spreads the refresh point within ±5% of the lifetime", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 100_000, refreshJitter: 0.05, refreshMargin: 0 })
        yield* h.auth.session
        yield* TestClock.adjust(Duration.millis(74_999))
        assert.strictEqual(h.refreshes(), 0)
        yield* TestClock.adjust(Duration.millis(10_002))
        assert.strictEqual(h.refreshes(), 1)
      }))

    it.effect("never later than the margin before expiry", () =>
      Effect.gen(function*() {
        // 80% of 100 s is 80 s, but a 40 s margin moves the refresh to 60 s.
        const h = yield* makeHarness({ lifetimeMillis: 100_000, refreshMargin: Duration.seconds(40) })
        yield* h.auth.session
        yield* TestClock.adjust(Duration.millis(59_999))
        assert.strictEqual(h.refreshes(), 0)
        yield* TestClock.adjust(Duration.millis(2))
        assert.strictEqual(h.refreshes(), 1)
      }))

    it.live("on the live clock the pending renewal is a platform timer, not a fiber, and stops with the scope", () =>
      Effect.gen(function*() {
        assert.isTrue(isLive(yield* Clock.Clock))
        const fibers = fiberCounter()
        const scope = yield* Scope.make()
        // 300 ms sessions: renewed half-way through (shorter than the 30 s margin), about 150 ms after each login.
        const h = yield* makeHarness({ lifetimeMillis: 300, refreshJitter: 0 }).pipe(
          Scope.provide(scope),
          fibers.counted
        )
        const first = yield* fibers.counted(h.auth.session)
        // The login's fiber has ended; nothing sleeps until the renewal (on a TestClock a fiber would).
        assert.isAbove(fibers.started(), 0)
        yield* waitUntil(() => fibers.running() === 0)
        yield* Effect.sleep("240 millis")
        assert.strictEqual(h.refreshes(), 1)
        assert.notStrictEqual(yield* h.auth.session, first)
        yield* Scope.close(scope, Exit.void)
        // The renewal after that one was due 150 ms later: closing the scope cancelled its timer.
        yield* Effect.sleep("300 millis")
        assert.strictEqual(h.refreshes(), 1)
      }))

    it.effect("on a TestClock the pending renewal is a fiber sleeping on that clock", () =>
      Effect.gen(function*() {
        assert.isFalse(isLive(yield* Clock.Clock))
        const fibers = fiberCounter()
        const h = yield* fibers.counted(makeHarness({ lifetimeMillis: 100_000, refreshMargin: 0 }))
        yield* fibers.counted(h.auth.session)
        // The login's fiber ends; the renewal's sleeps until 80 s on the TestClock (on the live clock, none would).
        for (let turn = 0; turn < 100; turn++) yield* Effect.yieldNow
        assert.isAbove(fibers.running(), 0)
        yield* TestClock.adjust(Duration.seconds(79))
        assert.strictEqual(h.refreshes(), 0)
        yield* TestClock.adjust(Duration.seconds(2))
        assert.strictEqual(h.refreshes(), 1)
      }))

    it.effect("a user's own clock is not the live clock", () =>
      Effect.gen(function*() {
        assert.isFalse(isLive((yield* sleeplessClock).clock))
      }))

    it.effect("a session without expiry is never renewed by time", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({})
        yield* h.auth.session
        yield* TestClock.adjust(Duration.days(365))
        yield* h.auth.session
        assert.strictEqual(h.acquires(), 1)
        assert.strictEqual(h.refreshes(), 0)
      }))
  })

  describe("rule 4: failures are never cached", () => {
    it.effect("a refresh failing 3 times while valid: callers keep the session, the 4th attempt succeeds", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({
          lifetimeMillis: 100_000,
          refreshMargin: Duration.seconds(5),
          refreshRetry: Schedule.spaced(Duration.seconds(1))
        })
        const first = yield* h.auth.session
        h.failNext(3)
        yield* TestClock.adjust(Duration.seconds(80))
        assert.strictEqual(h.refreshes(), 1)
        assert.strictEqual(yield* h.auth.session, first)
        yield* TestClock.adjust(Duration.seconds(1))
        assert.strictEqual(h.refreshes(), 2)
        assert.strictEqual(yield* h.auth.session, first)
        yield* TestClock.adjust(Duration.seconds(1))
        assert.strictEqual(h.refreshes(), 3)
        assert.strictEqual(yield* h.auth.session, first)
        yield* TestClock.adjust(Duration.seconds(1))
        assert.strictEqual(h.refreshes(), 4)
        const renewed = yield* h.auth.session
        assert.notStrictEqual(renewed, first)
        assert.strictEqual(h.acquires(), 1)
      }))

    it.effect("after expiry with renewal failing: a typed error, then recovery on the next call", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 10_000, refreshMargin: Duration.seconds(1) })
        yield* h.auth.session
        h.failNext(1_000)
        yield* TestClock.adjust(Duration.seconds(20))
        const failed = yield* Effect.result(h.auth.session)
        assert.isTrue(Result.isFailure(failed) && failed.failure._tag === "TransportError")
        h.failNext(0)
        const recovered = yield* h.auth.session
        const now = yield* Clock.currentTimeMillis
        assert.isTrue(recovered.expiresAt! > now)
      }))

    it.effect("background retries stop once the session has expired (no loop)", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({
          lifetimeMillis: 10_000,
          refreshMargin: Duration.seconds(1),
          refreshRetry: Schedule.spaced(Duration.millis(500))
        })
        yield* h.auth.session
        h.failNext(1_000_000)
        yield* TestClock.adjust(Duration.minutes(10))
        // Refresh starts at 8 s and retries every 0.5 s until the 9.5 s stale point.
        assert.isAtMost(h.refreshes(), 5)
        const before = h.refreshes()
        yield* TestClock.adjust(Duration.hours(1))
        assert.strictEqual(h.refreshes(), before)
      }))

    it.effect("a failed cold acquire is not cached: the next call tries again", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        h.failNext(1, "rejected")
        const first = yield* Effect.result(h.auth.session)
        assert.isTrue(Result.isFailure(first) && first.failure._tag === "CredentialsRejected")
        const second = yield* h.auth.session
        assert.strictEqual(second.id, 1)
        assert.strictEqual(h.acquires(), 2)
      }))
  })

  describe("rule 5: generation-checked invalidation", () => {
    it.effect("1,000 concurrent invalidations of one session cause one re-acquisition", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        const stale = yield* h.auth.session
        yield* concurrently(1000, h.auth.invalidate(stale).pipe(Effect.andThen(h.auth.session)))
        assert.strictEqual(h.acquires(), 2)
      }))

    it.effect("the service's members work detached from it, as its type allows", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        const { current, invalidate, session } = h.auth
        const stale = yield* session
        assert.deepStrictEqual(yield* current, Option.some(stale))
        yield* invalidate(stale)
        assert.isTrue(Option.isNone(yield* current))
        assert.notStrictEqual(yield* session, stale)
        assert.strictEqual(h.acquires(), 2)
      }))

    it.effect("invalidating an older session leaves the current one alone", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        const old = yield* h.auth.session
        yield* h.auth.invalidate(old)
        const current = yield* h.auth.session
        yield* h.auth.invalidate(old)
        assert.strictEqual(yield* h.auth.session, current)
        assert.strictEqual(h.acquires(), 2)
      }))

    it.effect("the renewal is told whether the session was rejected or merely dropped", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        const first = yield* h.auth.session
        yield* h.auth.invalidate(first, { rejected: false })
        const second = yield* h.auth.session
        assert.strictEqual(h.lastRefreshRejected(), false)
        yield* h.auth.invalidate(second)
        yield* h.auth.session
        assert.strictEqual(h.lastRefreshRejected(), true)
        yield* h.auth.refresh
        assert.strictEqual(h.lastRefreshRejected(), false)
      }))

    it.effect("a rejected session is renewed from its basis when the provider can refresh", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        const old = yield* h.auth.session
        yield* h.auth.invalidate(old)
        const renewed = yield* h.auth.session
        assert.strictEqual(renewed.via, "refresh")
        assert.strictEqual(h.acquires(), 1)
      }))
  })

  describe("rule 6: bounded reactive re-auth", () => {
    it.effect("a rejected call is replayed once with a new session", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        const used: Array<number> = []
        const result = yield* Authenticated.withSession(h.auth, (s) => {
          used.push(s.id)
          return s.id === 1 ? Effect.fail(new Authenticated.SessionRejected({ status: 401 })) : Effect.succeed("ok")
        })
        assert.strictEqual(result, "ok")
        assert.deepStrictEqual(used, [1, 2])
      }))

    it.effect("a new session rejected again is CredentialsRejected after exactly two sends", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        let sends = 0
        const result = yield* Effect.result(
          Authenticated.withSession(h.auth, () => {
            sends += 1
            return Effect.fail(new Authenticated.SessionRejected({ status: 401 }))
          })
        )
        assert.strictEqual(sends, 2)
        assert.isTrue(Result.isFailure(result) && result.failure._tag === "CredentialsRejected")
        if (Result.isFailure(result) && result.failure._tag === "CredentialsRejected") {
          assert.strictEqual(result.failure.reason, "RejectedAfterReauth")
          assert.strictEqual(result.failure.status, 401)
        }
        assert.strictEqual(h.acquires(), 2)
      }))

    it.effect("errors other than a rejection are not replayed", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        let sends = 0
        const result = yield* Effect.result(
          Authenticated.withSession(h.auth, () => {
            sends += 1
            return Effect.fail("boom" as const)
          })
        )
        assert.strictEqual(sends, 1)
        assert.isTrue(Result.isFailure(result) && result.failure === "boom")
      }))
  })

  describe("rule 7: interruption-safe", () => {
    it.effect("interrupting the caller that started the acquisition does not abort it", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        const gate = yield* h.hold
        const starter = yield* Effect.forkChild(h.auth.session)
        yield* waitUntil(() => h.acquires() === 1)
        const others = yield* Effect.forkChild(concurrently(10, h.auth.session))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(starter)
        yield* release(gate)
        const sessions = yield* Fiber.join(others)
        assert.strictEqual(h.acquires(), 1)
        assert.isTrue(sessions.every((s) => s.id === 1))
        // The result is cached for later callers too.
        assert.strictEqual((yield* h.auth.session).id, 1)
        assert.strictEqual(h.acquires(), 1)
      }))

    it.effect("the acquisition completes even when every waiter is interrupted", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000 })
        const gate = yield* h.hold
        const waiters = yield* Effect.forkChild(concurrently(5, h.auth.session))
        yield* waitUntil(() => h.acquires() === 1)
        yield* Fiber.interrupt(waiters)
        yield* release(gate)
        let current = Option.none<unknown>()
        for (let turn = 0; turn < 100 && Option.isNone(current); turn++) {
          yield* Effect.yieldNow
          current = yield* h.auth.current
        }
        assert.isTrue(Option.isSome(current))
        assert.strictEqual((yield* h.auth.session).id, 1)
        assert.strictEqual(h.acquires(), 1)
      }))
  })

  describe("rule 8: time from Clock", () => {
    it.effect("a clock jumped past expiry (a laptop that slept) renews on the next call", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        const first = yield* h.auth.session
        // A clock whose timers never fire: only the use-time check can notice.
        const frozen = yield* sleeplessClock
        const second = yield* Effect.provideService(
          Effect.andThen(Effect.sync(() => frozen.set(Date.UTC(2030, 0, 1))), h.auth.session),
          Clock.Clock,
          frozen.clock
        )
        assert.notStrictEqual(second, first)
        assert.strictEqual(h.acquires(), 2)
      }))

    it.effect("past the refresh point with the timer asleep: the call kicks a background renewal", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 100_000, refreshMargin: 0 })
        const first = yield* h.auth.session
        const frozen = yield* sleeplessClock
        const start = yield* Clock.currentTimeMillis
        const served = yield* Effect.provideService(
          Effect.andThen(Effect.sync(() => frozen.set(start + 90_000)), h.auth.session),
          Clock.Clock,
          frozen.clock
        )
        assert.strictEqual(served, first)
        yield* waitUntil(() => h.refreshes() === 1)
        assert.strictEqual(h.acquires(), 1)
      }))

    it.effect("the server's clock offset is learned and applied to expiry", () =>
      Effect.gen(function*() {
        // The server's clock is five minutes ahead: its `exp` is five minutes later
        // than the local clock would say. Without the offset, the session would
        // look valid for five more minutes and never be renewed in time.
        const h = yield* makeHarness({
          lifetimeMillis: 100_000,
          serverOffsetMillis: 300_000,
          refreshMargin: Duration.seconds(5)
        })
        yield* h.auth.session
        yield* TestClock.adjust(Duration.seconds(81))
        assert.strictEqual(h.refreshes(), 1)
        yield* Effect.yieldNow
        const now = yield* Clock.currentTimeMillis
        const current = yield* h.auth.session
        assert.isTrue(current.expiresAt! - 300_000 > now)
      }))

    const logs: Array<string> = []
    it.effect("an offset no clock skew explains (hours, or an iat in milliseconds) is ignored and logged once", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 100_000, serverOffsetMillis: 3 * 3_600_000 })
        const first = yield* h.auth.session
        // Not trusting it, the session's expiry reads as three hours and 100 s away: no renewal at 80% of 100 s.
        yield* TestClock.adjust(Duration.seconds(81))
        assert.strictEqual(yield* h.auth.session, first)
        assert.strictEqual(h.acquires(), 1)
        assert.strictEqual(h.refreshes(), 0)
        yield* Effect.yieldNow
        assert.strictEqual(logs.filter((l) => l.includes("not a clock skew")).length, 1)
      }).pipe(
        Effect.provide(Logger.layer([Logger.make(({ message }) => void logs.push(String(message)))]))
      ))
  })

  describe("rule 9: scoped", () => {
    it.effect("closing the scope leaves no fiber running", () =>
      Effect.gen(function*() {
        const fibers = fiberCounter()
        const scope = yield* Scope.make()
        const h = yield* makeHarness({ lifetimeMillis: 60_000 }).pipe(Scope.provide(scope), fibers.counted)
        yield* fibers.counted(h.auth.session)
        const gate = yield* h.hold
        const caller = yield* h.auth.refresh.pipe(Effect.forkChild, fibers.counted)
        yield* waitUntil(() => h.refreshes() === 1)
        // The renewal timer's fiber, the held renewal and its caller.
        assert.isAtLeast(fibers.running(), 3)
        yield* Scope.close(scope, Exit.void)
        // Nothing was left behind: no timer, no flight, not even the waiting caller; the gate was never opened.
        yield* waitUntil(() => fibers.running() === 0)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(caller)))
        yield* release(gate)
      }))

    it.effect("after close, callers are interrupted instead of hanging", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const h = yield* makeHarness({ lifetimeMillis: 60_000 }).pipe(Scope.provide(scope))
        yield* Scope.close(scope, Exit.void)
        const exit = yield* Effect.exit(h.auth.session)
        assert.isTrue(Exit.hasInterrupts(exit))
      }))
  })

  describe("rule 12: secret-safe", () => {
    it.effect("events and errors never contain the session's secret", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 10_000, refreshMargin: Duration.seconds(1) })
        const events = yield* h.auth.events.pipe(Stream.runCollect, Effect.forkChild)
        yield* Effect.yieldNow
        const s = yield* h.auth.session
        yield* h.auth.invalidate(s)
        h.failNext(1, "rejected")
        const failure = yield* Effect.flip(h.auth.session)
        yield* h.auth.session
        yield* TestClock.adjust(Duration.seconds(9))
        const seen: Array<AuthEvent> = []
        yield* Fiber.interrupt(events)
        const dump = [
          String(s),
          JSON.stringify(s),
          inspect(s, { depth: 10 }),
          String(failure),
          JSON.stringify(failure),
          inspect(failure, { depth: 10 }),
          failure.message,
          JSON.stringify(seen)
        ].join("\n")
        assert.isFalse(dump.includes(SENTINEL))
        assert.isTrue(Redacted.value(s.token).includes(SENTINEL))
      }))

    it.effect("the event stream reports acquisitions, rejections and failures", () =>
      Effect.gen(function*() {
        const h = yield* makeHarness({ lifetimeMillis: 60_000, withRefresh: false })
        const collected = yield* h.auth.events.pipe(Stream.take(5), Stream.runCollect, Effect.forkChild)
        yield* Effect.yieldNow
        const s = yield* h.auth.session
        yield* h.auth.invalidate(s)
        h.failNext(1)
        yield* Effect.result(h.auth.session)
        yield* h.auth.session
        const events = yield* Fiber.join(collected)
        assert.deepStrictEqual(events.map((e) => e._tag), ["Acquired", "Rejected", "Invalidated", "Failed", "Acquired"])
        const text = JSON.stringify(events)
        assert.isFalse(text.includes(SENTINEL))
        assert.deepStrictEqual(events.map((e) => "generation" in e ? e.generation : 0), [1, 1, 1, 0, 2])
      }))
  })
})

/** A clock whose time a test sets and whose `sleep` never wakes. */
const sleeplessClock = Effect.gen(function*() {
  let now = yield* Clock.currentTimeMillis
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => now,
    currentTimeNanosUnsafe: () => BigInt(now) * 1_000_000n,
    monotonicTimeNanosUnsafe: () => BigInt(now) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    monotonicTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: () => Effect.never
  }
  return { clock, set: (millis: number) => void (now = millis) }
})
