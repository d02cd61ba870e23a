import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Coordination from "../src/Coordination.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"

interface TestSession {
  readonly token: string
  readonly expiresAt: number
}
const TestSession = Schema.Struct({ token: Schema.String, expiresAt: Schema.Number })
interface Test extends Provider.Provider<"test", TestSession, string> {}

/** A provider whose every login and refresh is counted, and whose refresh tokens are single-use. */
const makeProvider = () => {
  const counters = { logins: 0, refreshes: 0, refused: 0 }
  let serial = 0
  const spent = new Set<string>()
  const issue = Effect.map(Clock.currentTimeMillis, (now): TestSession => ({
    token: `t${++serial}`,
    expiresAt: now + 60_000
  }))
  return {
    counters,
    acquire: Effect.zipRight(Effect.sync(() => void counters.logins++), issue),
    refresh: (previous: TestSession) =>
      Effect.suspend(() => {
        if (spent.has(previous.token)) {
          counters.refused++
          return Effect.fail("refused")
        }
        spent.add(previous.token)
        counters.refreshes++
        return issue
      })
  }
}

/** A plain record under `account`'s key, as a replica of `account` writes it (bound to the key by default). */
const record = (account: string, session: TestSession, bound: string = Coordination.key("test", account)) =>
  JSON.stringify({ v: 2, key: Coordination.key("test", account), account: bound, session })

/** `n` engines of one credential, each with its own coordination handle on one shared backend. */
const fleet = (
  n: number,
  backend: Coordination.Backend = Coordination.memoryBackend(),
  account: (i: number) => string = () => "account"
) =>
  Effect.gen(function*() {
    const provider = makeProvider()
    const service = Coordination.make(backend, { lease: "5 seconds", poll: "1 second" })
    const engines = yield* Effect.forEach(Array.from({ length: n }), (_, i) =>
      SessionEngine.make<Test>({
        provider: "test",
        acquire: provider.acquire,
        refresh: provider.refresh,
        expiresAt: (s) => s.expiresAt,
        refreshJitter: 0,
        coordination: service.session({
          provider: "test",
          key: Coordination.key("test", account(i)),
          schema: TestSession,
          expiresAt: (s) => s.expiresAt
        })
      }))
    return { engines, provider }
  })

describe("Coordination (in memory)", () => {
  it.scoped("4 engines × 100 callers on an empty cache: one login for all", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(4)
      const sessions = yield* Effect.forEach(
        engines.flatMap((e) => Array.from({ length: 100 }, () => e.session)),
        (s) => s,
        { concurrency: "unbounded" }
      )
      assert.strictEqual(new Set(sessions.map((s) => s.token)).size, 1)
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 0, refused: 0 })
    }))

  it.scoped("a forced renewal on every engine: one refresh of the single-use token, adopted by the others", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(4)
      const first = yield* engines[0]!.session
      for (const e of engines) assert.strictEqual((yield* e.session).token, first.token)
      const renewed = yield* Effect.forEach(engines, (e) => e.refresh, { concurrency: "unbounded" })
      assert.strictEqual(new Set(renewed.map((s) => s.token)).size, 1)
      assert.notStrictEqual(renewed[0]!.token, first.token)
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 1, refused: 0 })
    }))

  it.scoped("proactive renewals at 80% of the lifetime: one refresh for the fleet", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(3)
      for (const e of engines) yield* e.session
      yield* TestClock.adjust("49 seconds")
      const sessions = yield* Effect.forEach(engines, (e) => e.session)
      assert.strictEqual(new Set(sessions.map((s) => s.token)).size, 1)
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 1, refused: 0 })
    }))

  it.scoped("the same session rejected on two engines: the second adopts the first one's renewal", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(2)
      const [a, b] = engines
      const first = yield* a!.session
      const firstOnB = yield* b!.session
      assert.strictEqual(firstOnB.token, first.token)
      yield* a!.invalidate(first)
      const renewed = yield* a!.session
      // B's request with the same (now rejected) session fails later: B passes its generation, finds a newer one.
      yield* b!.invalidate(firstOnB)
      assert.strictEqual((yield* b!.session).token, renewed.token)
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 1, refused: 0 })
    }))

  it.scoped("different accounts on one backend never share a session", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(4, Coordination.memoryBackend(), (i) => `account-${i % 2}`)
      const tokens = yield* Effect.forEach(engines, (e) => Effect.map(e.session, (s) => s.token), {
        concurrency: "unbounded"
      })
      assert.strictEqual(provider.counters.logins, 2)
      assert.strictEqual(tokens[0], tokens[2])
      assert.strictEqual(tokens[1], tokens[3])
      assert.notStrictEqual(tokens[0], tokens[1])
    }))

  it.scoped("a failing backend: every renewal runs locally, counted, never a failure", () =>
    Effect.gen(function*() {
      const down = Effect.fail(new Coordination.CoordinationError({ operation: "tryLease", reason: "Unavailable" }))
      const failing: Coordination.Backend = { ...Coordination.memoryBackend(), tryLease: () => down }
      const counter = Coordination.fallbacks.pipe(Metric.tagged("provider", "test"))
      const before = (yield* Metric.value(counter)).count
      const { engines, provider } = yield* fleet(2, failing)
      for (const e of engines) yield* e.session
      assert.strictEqual(provider.counters.logins, 2)
      assert.strictEqual((yield* Metric.value(counter)).count - before, 2)
    }))

  it.scoped("a stored session that has expired is renewed from (its refresh token), not adopted, not waited on", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const stale = record("account", { token: "old", expiresAt: (yield* Clock.currentTimeMillis) - 1 })
      yield* backend.commit(Coordination.key("test", "account"), "lease", "someone", 0, stale, 1)
      const { engines, provider } = yield* fleet(2, backend)
      const sessions = yield* Effect.forEach(engines, (e) => e.session, { concurrency: "unbounded" })
      assert.deepStrictEqual(sessions.map((s) => s.token), ["t1", "t1"])
      assert.deepStrictEqual(provider.counters, { logins: 0, refreshes: 1, refused: 0 })
    }))

  it.scoped("a lease whose holder never answers lapses: the next one renews after it", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      // A holder that took the lease and died: nobody extends or releases it.
      yield* backend.tryLease(Coordination.key("test", "account"), "lease", "dead", 5_000)
      const { engines, provider } = yield* fleet(1, backend)
      const fiber = yield* Effect.fork(engines[0]!.session)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(provider.counters.logins, 0)
      yield* TestClock.adjust("5 seconds")
      const session = yield* fiber
      assert.strictEqual(session.token, "t1")
      assert.strictEqual(provider.counters.logins, 1)
    }))
})
