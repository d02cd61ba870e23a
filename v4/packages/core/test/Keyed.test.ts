import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import type * as Authenticated from "../src/Authenticated.js"
import type * as AuthError from "../src/AuthError.js"
import * as AuthMetrics from "../src/AuthMetrics.js"
import * as Keyed from "../src/Keyed.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"
import { capturingTracer } from "./utils/harness.js"

interface Session {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
}
interface Test extends Provider.Provider<"test", Session, AuthError.CredentialsRejected> {}

/** A keyed map of engines whose builds, logins and closings are counted per key. */
const makeAccounts = (options: { readonly capacity?: number; readonly idleTimeToLive?: Duration.Input } = {}) =>
  Effect.gen(function*() {
    const builds = new Map<string, number>()
    const logins = new Map<string, number>()
    const closed: Array<string> = []
    const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1)
    const accounts = yield* Keyed.make({
      ...options,
      lookup: (account: string) =>
        Effect.gen(function*() {
          count(builds, account)
          yield* Effect.addFinalizer(() => Effect.sync(() => closed.push(account)))
          return yield* SessionEngine.make<Test>({
            provider: "test",
            acquire: Effect.sync(() => {
              count(logins, account)
              return { token: Redacted.make(`token-of-${account}`), expiresAt: Date.now() + 3_600_000 }
            }),
            expiresAt: (s) => s.expiresAt
          })
        })
    })
    return { accounts, builds, logins, closed }
  })

describe("Keyed", () => {
  it.effect(
    "10,000 accounts × 10 concurrent callers each → exactly 10,000 builds and 10,000 logins",
    () =>
      Effect.gen(function*() {
        const { accounts, builds, logins } = yield* makeAccounts()
        // In ten waves of 1,000 accounts (10,000 concurrent calls each), giving the event loop a turn between waves.
        const sessions: Array<Session> = []
        for (let wave = 0; wave < 10; wave++) {
          const keys = Array.from({ length: 1_000 }, (_, i) => `account-${wave * 1_000 + i}`)
          sessions.push(
            ...yield* Effect.forEach(
              keys.flatMap((key) => Array.from({ length: 10 }, () => key)),
              (key) => accounts.use(key, (auth) => auth.session),
              { concurrency: "unbounded" }
            )
          )
          yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        }
        assert.strictEqual(sessions.length, 100_000)
        assert.strictEqual(builds.size, 10_000)
        assert.strictEqual(logins.size, 10_000)
        assert.isTrue([...builds.values()].every((n) => n === 1))
        assert.isTrue([...logins.values()].every((n) => n === 1))
        // Each account got its own session.
        assert.strictEqual(Redacted.value(sessions[10 * 42]!.token), "token-of-account-42")
      }),
    120_000
  )

  it.effect("an account idle past its time to live is closed, and logs in again on next use", () =>
    Effect.gen(function*() {
      const { accounts, closed, logins } = yield* makeAccounts({ idleTimeToLive: "10 minutes" })
      yield* accounts.use("a", (auth) => auth.session)
      yield* TestClock.adjust("9 minutes")
      assert.deepStrictEqual(closed, [])
      yield* TestClock.adjust("4 minutes")
      assert.deepStrictEqual(closed, ["a"])
      assert.deepStrictEqual(yield* accounts.keys, [])
      yield* accounts.use("a", (auth) => auth.session)
      assert.strictEqual(logins.get("a"), 2)
    }))

  it.effect("an account held by a caller is never evicted, however long it is held", () =>
    Effect.gen(function*() {
      const { accounts, closed } = yield* makeAccounts({ idleTimeToLive: "1 minute", capacity: 1 })
      const scope = yield* Scope.make()
      const auth = yield* Scope.provide(accounts.get("held"), scope)
      yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(closed, [])
      // At capacity with the only key held: a new key is a typed failure, not an eviction.
      const other = yield* Effect.result(accounts.use("other", (a) => a.session))
      assert.isTrue(Result.isFailure(other) && other.failure._tag === "CapacityExceeded")
      yield* auth.session
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust("2 minutes")
      assert.deepStrictEqual(closed, ["held"])
    }))

  it.effect("at capacity the least recently used idle account is evicted for a new one", () =>
    Effect.gen(function*() {
      const { accounts, closed } = yield* makeAccounts({ capacity: 2 })
      yield* accounts.use("a", (auth) => auth.session)
      yield* accounts.use("b", (auth) => auth.session)
      yield* accounts.use("a", (auth) => auth.session)
      yield* accounts.use("c", (auth) => auth.session)
      assert.deepStrictEqual(closed, ["b"])
      assert.deepStrictEqual(yield* accounts.keys, ["a", "c"])
    }))

  it.live("capacity is a hard bound: 1,000 keys at capacity 10, concurrent, slow closes → never more than 10 alive", () =>
    Effect.gen(function*() {
      // Alive = built (or building) and not yet fully closed.
      let alive = 0
      let maxAlive = 0
      let closes = 0
      const accounts = yield* Keyed.make({
        capacity: 10,
        lookup: (key: string) =>
          Effect.gen(function*() {
            alive++
            maxAlive = Math.max(maxAlive, alive)
            yield* Effect.addFinalizer(() =>
              // A close that takes a few turns of the event loop, as a socket's or a store's does.
              Effect.promise(() => new Promise((resolve) => setImmediate(resolve))).pipe(
                Effect.repeat({ times: 2 }),
                Effect.ensuring(Effect.sync(() => {
                  alive--
                  closes++
                }))
              )
            )
            return key
          })
      })
      const results = yield* Effect.forEach(
        Array.from({ length: 1_000 }, (_, i) => `account-${i}`),
        (key) => Effect.result(accounts.use(key, (service) => Effect.as(Effect.yieldNow, service))),
        { concurrency: 50 }
      )
      const served = results.filter(Result.isSuccess)
      const refused = results.filter(Result.isFailure)
      assert.isAtMost(maxAlive, 10)
      assert.strictEqual(maxAlive, 10)
      // Every call either got its own account or a typed refusal (all ten alive were held at that moment).
      assert.isTrue(served.every((r, i) => r.success === served[i]!.success))
      assert.isTrue(refused.every((r) => r.failure._tag === "CapacityExceeded"))
      // effect 4 starts a forked fiber at once: refused callers end at once too, and the next ones start while the
      // first ten still hold their accounts, so most of this burst is refused (effect 3 interleaved more).
      assert.isAtLeast(served.length, 10)
      assert.strictEqual(served.length + refused.length, 1_000)
      assert.isAtMost((yield* accounts.keys).length, 10)
      // Callers one after the other: each new key evicts an idle one and waits for its close, never refused.
      for (let i = 0; i < 100; i++) {
        assert.strictEqual(yield* accounts.use(`later-${i}`, Effect.succeed), `later-${i}`)
      }
      assert.strictEqual(maxAlive, 10)
      // Closes started by callers that then took another room end in the background, and leave nothing else alive.
      for (let turn = 0; turn < 100 && alive > (yield* accounts.keys).length; turn++) {
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      }
      assert.strictEqual(alive, (yield* accounts.keys).length)
      assert.isAbove(closes, 90)
    }))

  it.effect("a new key at capacity waits until the evicted account has finished closing", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const gate = yield* Deferred.make<void>()
      const accounts = yield* Keyed.make({
        capacity: 1,
        lookup: (key: string) =>
          Effect.gen(function*() {
            events.push(`build ${key}`)
            yield* Effect.addFinalizer(() =>
              Effect.gen(function*() {
                events.push(`closing ${key}`)
                if (key === "slow") yield* Deferred.await(gate)
                events.push(`closed ${key}`)
              })
            )
            return key
          })
      })
      yield* accounts.use("slow", Effect.succeed)
      const next = yield* Effect.forkChild(accounts.use("next", Effect.succeed))
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow
      // The evicted account is closing; the new one is not built while it does.
      assert.deepStrictEqual(events, ["build slow", "closing slow"])
      assert.deepStrictEqual(yield* accounts.keys, [])
      // A third key waits as well rather than exceed the bound.
      const third = yield* Effect.forkChild(Effect.result(accounts.use("third", Effect.succeed)))
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow
      assert.deepStrictEqual(events, ["build slow", "closing slow"])
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(yield* Fiber.join(next), "next")
      assert.deepStrictEqual(events.slice(0, 4), ["build slow", "closing slow", "closed slow", "build next"])
      // The room went to `next`, held by its caller when `third` looked again: refused, typed, not over the bound.
      const thirdResult = yield* Fiber.join(third)
      assert.isTrue(Result.isFailure(thirdResult) && thirdResult.failure._tag === "CapacityExceeded")
      assert.deepStrictEqual(yield* accounts.keys, ["next"])
    }))

  it.effect("a caller waiting for room can be interrupted, and leaves nothing behind", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const builds: Array<string> = []
      const accounts = yield* Keyed.make({
        capacity: 1,
        lookup: (key: string) =>
          Effect.as(
            Effect.andThen(
              Effect.sync(() => builds.push(key)),
              Effect.addFinalizer(() => key === "slow" ? Deferred.await(gate) : Effect.void)
            ),
            key
          )
      })
      yield* accounts.use("slow", Effect.succeed)
      const waiting = yield* Effect.forkChild(accounts.use("next", Effect.succeed))
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow
      yield* Fiber.interrupt(waiting)
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(yield* accounts.use("other", Effect.succeed), "other")
      assert.deepStrictEqual(builds, ["slow", "other"])
      assert.deepStrictEqual(yield* accounts.keys, ["other"])
    }))

  it.effect("use holds the account for the duration of f, through failure and interruption", () =>
    Effect.gen(function*() {
      const { accounts, closed } = yield* makeAccounts({ capacity: 1 })
      const failed = yield* Effect.result(accounts.use("a", () => Effect.fail("boom")))
      assert.deepStrictEqual(failed, Result.fail("boom"))
      const inUse = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(
        accounts.use("a", () => Effect.andThen(Deferred.succeed(inUse, undefined), Effect.never))
      )
      yield* Deferred.await(inUse)
      // Held: no room for another key, and an eviction waits for the holder.
      const refused = yield* Effect.result(accounts.use("b", (auth) => auth.session))
      assert.isTrue(Result.isFailure(refused) && refused.failure._tag === "CapacityExceeded")
      yield* accounts.evict("a")
      assert.deepStrictEqual(closed, [])
      yield* Fiber.interrupt(holder)
      assert.deepStrictEqual(closed, ["a"])
      yield* accounts.use("b", (auth) => auth.session)
    }))

  it.effect("a failed build is not kept: the next call builds again", () =>
    Effect.gen(function*() {
      let attempts = 0
      const accounts = yield* Keyed.make({
        lookup: (key: string) =>
          Effect.suspend(() => ++attempts === 1 ? Effect.fail(`no configuration for ${key}`) : Effect.succeed(key))
      })
      const first = yield* Effect.result(accounts.use("a", Effect.succeed))
      assert.isTrue(Result.isFailure(first))
      assert.strictEqual(yield* accounts.use("a", Effect.succeed), "a")
      assert.strictEqual(attempts, 2)
    }))

  it.effect("evict closes an account at once when idle, and after its last holder otherwise", () =>
    Effect.gen(function*() {
      const { accounts, closed } = yield* makeAccounts()
      yield* accounts.use("idle", (auth) => auth.session)
      yield* accounts.evict("idle")
      assert.deepStrictEqual(closed, ["idle"])
      const inUse = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(accounts.use("busy", () => Deferred.await(inUse)))
      yield* Effect.yieldNow
      yield* accounts.evict("busy")
      assert.deepStrictEqual(closed, ["idle"])
      yield* Deferred.succeed(inUse, undefined)
      yield* Fiber.join(holder)
      assert.deepStrictEqual(closed, ["idle", "busy"])
    }))

  it.effect("closing the map closes every account", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { accounts, closed } = yield* Scope.provide(makeAccounts({ idleTimeToLive: "1 minute" }), scope)
      yield* accounts.use("a", (auth) => auth.session)
      yield* accounts.use("b", (auth) => auth.session)
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual([...closed].sort(), ["a", "b"])
    }))

  it.effect("fromLayer builds each account's layer from its configuration and closes it on eviction", () =>
    Effect.gen(function*() {
      class Greeter extends Context.Service<Greeter, { readonly greet: string }>()("test/Greeter") {}
      const closed: Array<string> = []
      const configs: Record<string, string> = { alice: "hello", bob: "hi" }
      const accounts = yield* Keyed.fromLayer(
        Greeter,
        (word: string, account) =>
          Layer.effect(
            Greeter,
            Effect.as(Effect.addFinalizer(() => Effect.sync(() => closed.push(account))), {
              greet: `${word} ${account}`
            })
          ),
        {
          config: (account) =>
            account in configs ? Effect.succeed(configs[account]!) : Effect.fail(`no configuration for ${account}`),
          capacity: 1
        }
      )
      assert.strictEqual((yield* accounts.use("alice", Effect.succeed)).greet, "hello alice")
      assert.strictEqual((yield* accounts.use("bob", Effect.succeed)).greet, "hi bob")
      assert.deepStrictEqual(closed, ["alice"])
      const missing = yield* Effect.result(accounts.use("carol", Effect.succeed))
      assert.deepStrictEqual(missing, Result.fail("no configuration for carol"))
    }))

  it.effect("an account's engine names the account in its events, spans and metrics on request", () =>
    Effect.gen(function*() {
      class Auth extends Context.Service<Auth, Authenticated.Authenticated<Test>>()("test/Auth") {}
      const { spans, tracer } = capturingTracer()
      const accounts = yield* Keyed.fromLayer(
        Auth,
        (_: undefined) =>
          Layer.effect(
            Auth,
            SessionEngine.make<Test>({
              provider: "test",
              acquire: Effect.succeed({ token: Redacted.make("sentinel-account-token"), expiresAt: Infinity }),
              accountMetrics: true
            })
          ),
        { config: () => Effect.succeed(undefined) }
      )
      const events = yield* accounts.use("bot-42", (auth) =>
        Effect.gen(function*() {
          const collected = yield* auth.events.pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
          yield* Effect.yieldNow
          yield* auth.session
          return yield* Fiber.join(collected)
        })).pipe(Effect.withTracer(tracer))
      const [event] = events
      assert.strictEqual(event?._tag, "Acquired")
      assert.strictEqual(event?.account, "bot-42")
      assert.strictEqual(event?.provider, "test")
      const acquire = spans.find((span) => span.name === "test.acquire")
      assert.strictEqual(acquire?.attributes.get("authfx.account"), "bot-42")
      const counted = yield* Metric.value(
        AuthMetrics.forAccount("test", "bot-42").acquisitions
      )
      assert.strictEqual(counted.count, 1)
      assert.notInclude(JSON.stringify(events), "sentinel-account-token")
    }))
})
