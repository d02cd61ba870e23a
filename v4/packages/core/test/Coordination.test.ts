import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
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
    acquire: Effect.andThen(Effect.sync(() => void counters.logins++), issue),
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
  it.effect("4 engines × 100 callers on an empty cache: one login for all", () =>
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

  it.effect("a forced renewal on every engine: one refresh of the single-use token, adopted by the others", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(4)
      const first = yield* engines[0]!.session
      for (const e of engines) assert.strictEqual((yield* e.session).token, first.token)
      const renewed = yield* Effect.forEach(engines, (e) => e.refresh, { concurrency: "unbounded" })
      assert.strictEqual(new Set(renewed.map((s) => s.token)).size, 1)
      assert.notStrictEqual(renewed[0]!.token, first.token)
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 1, refused: 0 })
    }))

  it.effect("proactive renewals at 80% of the lifetime: one refresh for the fleet", () =>
    Effect.gen(function*() {
      const { engines, provider } = yield* fleet(3)
      for (const e of engines) yield* e.session
      yield* TestClock.adjust("49 seconds")
      const sessions = yield* Effect.forEach(engines, (e) => e.session)
      assert.strictEqual(new Set(sessions.map((s) => s.token)).size, 1)
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 1, refused: 0 })
    }))

  it.effect("the same session rejected on two engines: the second adopts the first one's renewal", () =>
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

  it.effect("different accounts on one backend never share a session", () =>
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

  it.effect("a failing backend: every renewal runs locally, counted, never a failure", () =>
    Effect.gen(function*() {
      const down = Effect.fail(new Coordination.CoordinationError({ operation: "tryLease", reason: "Unavailable" }))
      const failing: Coordination.Backend = { ...Coordination.memoryBackend(), tryLease: () => down }
      const counter = Coordination.fallbacks.pipe(Metric.withAttributes({ provider: "test" }))
      const before = (yield* Metric.value(counter)).count
      const { engines, provider } = yield* fleet(2, failing)
      for (const e of engines) yield* e.session
      assert.strictEqual(provider.counters.logins, 2)
      assert.strictEqual((yield* Metric.value(counter)).count - before, 2)
    }))

  it.effect("a stored session that has expired is renewed from (its refresh token), not adopted, not waited on", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const stale = record("account", { token: "old", expiresAt: (yield* Clock.currentTimeMillis) - 1 })
      yield* backend.commit(Coordination.key("test", "account"), "lease", "someone", 0, stale, 1)
      const { engines, provider } = yield* fleet(2, backend)
      const sessions = yield* Effect.forEach(engines, (e) => e.session, { concurrency: "unbounded" })
      assert.deepStrictEqual(sessions.map((s) => s.token), ["t1", "t1"])
      assert.deepStrictEqual(provider.counters, { logins: 0, refreshes: 1, refused: 0 })
    }))

  it.effect("a lease whose holder never answers lapses: the next one renews after it", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      // A holder that took the lease and died: nobody extends or releases it.
      yield* backend.tryLease(Coordination.key("test", "account"), "lease", "dead", 5_000)
      const { engines, provider } = yield* fleet(1, backend)
      const fiber = yield* Effect.forkChild(engines[0]!.session)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(provider.counters.logins, 0)
      yield* TestClock.adjust("5 seconds")
      const session = yield* Fiber.join(fiber)
      assert.strictEqual(session.token, "t1")
      assert.strictEqual(provider.counters.logins, 1)
    }))
})

describe("Coordination records and ownership (in memory)", () => {
  it.effect("another account's record under this key is never served: counted unreadable, replaced by a login", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const key = Coordination.key("test", "account")
      const expiresAt = (yield* Clock.currentTimeMillis) + 3_600_000
      yield* backend.commit(key, "lease", "someone", 0, record("account", { token: "theirs", expiresAt }, "other"), 1)
      const unreadable = Coordination.unreadableRecords.pipe(
        Metric.withAttributes({ provider: "test", reason: "account" })
      )
      const repairs = Coordination.repairs.pipe(Metric.withAttributes({ provider: "test" }))
      const before = [(yield* Metric.value(unreadable)).count, (yield* Metric.value(repairs)).count]
      const { engines, provider } = yield* fleet(1, backend)
      const session = yield* engines[0]!.session
      assert.notStrictEqual(session.token, "theirs")
      // Not even a basis for a refresh: a login of this account's own.
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 0, refused: 0 })
      assert.deepStrictEqual(
        [(yield* Metric.value(unreadable)).count - before[0]!, (yield* Metric.value(repairs)).count - before[1]!],
        [1, 1]
      )
      const stored = yield* backend.tryLease(key, "lease", "reader", 1_000, 0)
      assert.strictEqual(stored.record?.generation, 2)
      assert.include(stored.record!.payload, `"account":"${key}"`)
    }))

  it.effect("a cipher binds the key and account: a sealed record copied under another key does not open", () =>
    Effect.gen(function*() {
      // A cipher whose seal carries the additional data it was given, and whose open refuses any other.
      const cipher: Coordination.Cipher = {
        seal: (plain, aad) => Effect.succeed(JSON.stringify([aad, plain])),
        open: (sealed, aad) => {
          const [bound, plain] = JSON.parse(sealed) as [string, string]
          return bound === aad
            ? Effect.succeed(plain)
            : Effect.fail(new Coordination.CoordinationError({ operation: "open", reason: "Crypto" }))
        }
      }
      const backend = Coordination.memoryBackend()
      const service = Coordination.make(backend, { cipher })
      const options = (account: string) => ({
        provider: "test",
        key: Coordination.key("test", account),
        schema: TestSession,
        expiresAt: (s: TestSession) => s.expiresAt
      })
      const provider = makeProvider()
      const a = yield* service.session(options("a")).renew({ basis: undefined, run: () => provider.acquire })
      assert.strictEqual(a.source, "renewed")
      const sealed = (yield* backend.tryLease(Coordination.key("test", "a"), "lease", "x", 1_000, 0)).record!
      yield* backend.commit(Coordination.key("test", "b"), "lease", "x", 0, sealed.payload, 1)
      const b = yield* service.session(options("b")).renew({ basis: undefined, run: () => provider.acquire })
      assert.strictEqual(b.source, "renewed")
      assert.notStrictEqual(b.session.token, a.session.token)
    }))

  it.effect("a backend that times out: the renewal runs locally, counted by reason; the orphan lease is released", () =>
    Effect.gen(function*() {
      const memory = Coordination.memoryBackend()
      const key = Coordination.key("test", "account")
      let released = 0
      const slow: Coordination.Backend = {
        ...memory,
        // The command runs (takes the lease) but its answer never comes in time.
        tryLease: (...args) =>
          Effect.andThen(
            memory.tryLease(...args),
            Effect.fail(new Coordination.CoordinationError({ operation: "tryLease", reason: "Timeout" }))
          ),
        release: (...args) => Effect.andThen(Effect.sync(() => void released++), memory.release(...args))
      }
      const errors = Coordination.errors.pipe(Metric.withAttributes({ provider: "test", reason: "Timeout" }))
      const before = (yield* Metric.value(errors)).count
      const { engines, provider } = yield* fleet(1, slow)
      assert.strictEqual((yield* engines[0]!.session).token, "t1")
      assert.strictEqual(provider.counters.logins, 1)
      assert.strictEqual((yield* Metric.value(errors)).count - before, 1)
      yield* TestClock.adjust("10 millis")
      assert.isAtLeast(released, 1)
      assert.isTrue((yield* memory.tryLease(key, "lease", "next", 1_000)).held)
    }))

  it.effect("ownership: one holder at a time; the standby takes over on release; a lost lease interrupts use", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const service = Coordination.make(backend, { lease: "3 seconds" })
      const first = service.ownership({ key: "test/conn" })
      const second = service.ownership({ key: "test/conn" })
      const gate = yield* Deferred.make<void>()
      const held = yield* Effect.forkChild(first.hold(Deferred.await(gate)))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(yield* first.isOwner)
      const standby = yield* Effect.forkChild(second.hold(Effect.succeed("second")))
      yield* TestClock.adjust("5 seconds")
      assert.isFalse(yield* second.isOwner)
      assert.isUndefined(standby.pollUnsafe())
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(held)
      assert.isFalse(yield* first.isOwner)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(standby), "second")

      // The lease taken from under the holder (its extension answers "not yours"): `use` is interrupted, and the
      // hold fails with LeaseLost.
      let taken = false
      const taking = Coordination.make(
        { ...backend, extend: (...args) => taken ? Effect.succeed(false) : backend.extend(...args) },
        { lease: "3 seconds" }
      ).ownership({ key: "test/other" })
      let interrupted = false
      const lost = yield* Effect.forkChild(
        Effect.result(taking.hold(Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (interrupted = true)))))
      )
      yield* TestClock.adjust("1 millis")
      assert.isTrue(yield* taking.isOwner)
      taken = true
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(lost)
      assert.isTrue(Result.isFailure(result) && result.failure instanceof Coordination.LeaseLost)
      assert.isTrue(interrupted)
      assert.isFalse(yield* taking.isOwner)
    }))
})

describe("Coordination handles", () => {
  const options = { provider: "test", key: Coordination.key("test", "account"), schema: TestSession }

  it.effect("forSession: the Coordination in context, the service given, or none (false, or no service)", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* Coordination.forSession(options))
      const service = Coordination.make(Coordination.memoryBackend())
      assert.isDefined(yield* Coordination.forSession({ ...options, service }))
      const fromContext = yield* Coordination.forSession(options).pipe(
        Effect.provide(Coordination.layerMemory())
      )
      assert.isDefined(fromContext)
      assert.strictEqual(fromContext!.generation(), 0)
      assert.isUndefined(
        yield* Coordination.forSession({ ...options, service: false }).pipe(Effect.provide(Coordination.layerMemory()))
      )
    }))

  it.effect("fingerprint: 16 hex digits of SHA-256, never the secret; key joins provider and account", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Coordination.fingerprint("abc"), "ba7816bf8f01cfea")
      assert.strictEqual(Coordination.key("nabi", "EQ1"), "nabi/EQ1")
    }))

  it.effect("a renewal's generation rises with each commit; another replica's newer record is adopted", () =>
    Effect.gen(function*() {
      const service = Coordination.make(Coordination.memoryBackend())
      const provider = makeProvider()
      const withExpiry = { ...options, expiresAt: (s: TestSession) => s.expiresAt }
      const a = service.session(withExpiry)
      const b = service.session(withExpiry)
      const first = yield* a.renew({ basis: undefined, run: () => provider.acquire })
      assert.deepStrictEqual([first.source, first.generation, a.generation()], ["renewed", 1, 1])
      const adopted = yield* b.renew({ basis: undefined, run: () => provider.acquire })
      assert.deepStrictEqual([adopted.source, adopted.generation, adopted.session.token], ["adopted", 1, "t1"])
      const second = yield* b.renew({ basis: adopted.session, run: (basis) => provider.refresh(basis!) })
      assert.deepStrictEqual([second.source, second.generation], ["renewed", 2])
      assert.deepStrictEqual(provider.counters, { logins: 1, refreshes: 1, refused: 0 })
    }))

  it.effect("a failing renewal fails with the provider's error, releases the lease, and shares nothing", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const service = Coordination.make(backend)
      const handle = service.session(options)
      const error = yield* Effect.flip(handle.renew({ basis: undefined, run: () => Effect.fail("refused" as const) }))
      assert.strictEqual(error, "refused")
      const next = yield* backend.tryLease(options.key, "lease", "next", 1_000)
      assert.deepStrictEqual([next.held, next.record], [true, undefined])
    }))
})

describe("Coordination: the lease while the provider call runs", () => {
  it.effect("kept alive while the call runs; lost mid-call: the call is interrupted, the record read again", () =>
    Effect.gen(function*() {
      const memory = Coordination.memoryBackend()
      let extensions = 0
      let lose = false
      const backend: Coordination.Backend = {
        ...memory,
        extend: (...args) =>
          Effect.suspend(() => {
            extensions++
            if (lose) {
              lose = false
              return Effect.succeed(false)
            }
            return memory.extend(...args)
          })
      }
      const service = Coordination.make(backend, { lease: "3 seconds", expiredWait: "2 seconds" })
      const handle = service.session({
        provider: "test",
        key: Coordination.key("test", "account"),
        schema: TestSession
      })
      let started = 0
      let interrupted = 0
      const provider = makeProvider()
      const run = () =>
        Effect.suspend(() => {
          started++
          return Effect.andThen(Effect.sleep("2 seconds"), provider.acquire).pipe(
            Effect.onInterrupt(() => Effect.sync(() => void interrupted++))
          )
        })
      const fiber = yield* Effect.forkChild(handle.renew({ basis: undefined, run }))
      // Kept alive every expiredWait / 4 = 500 ms while the 2-second call runs.
      yield* TestClock.adjust("1200 millis")
      assert.strictEqual(extensions, 2)
      lose = true
      yield* TestClock.adjust("500 millis")
      assert.deepStrictEqual([started, interrupted], [2, 1])
      yield* TestClock.adjust("2 seconds")
      const renewal = yield* Fiber.join(fiber)
      assert.deepStrictEqual([renewal.source, renewal.generation], ["renewed", 1])
      assert.strictEqual(provider.counters.logins, 1)
    }))
})
