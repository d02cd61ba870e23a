/**
 * A session belongs to one account, wherever it is stored (the shared record
 * of `Coordination`, the `SessionStore`), and a lease nobody keeps alive holds
 * a replica whose session has expired for a bounded time only. Memory backend
 * and store, `TestClock`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import * as Coordination from "../src/Coordination.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"
import * as SessionStore from "../src/SessionStore.js"

interface TestSession {
  readonly owner: string
  readonly token: string
  readonly expiresAt: number
}
const TestSession = Schema.Struct({ owner: Schema.String, token: Schema.String, expiresAt: Schema.Number })
interface Test extends Provider.Provider<"test", TestSession, string> {}

/** A provider that issues sessions of `owner`, counting logins and refreshes. */
const provider = (owner: string, lifetime = 60_000) => {
  const counters = { logins: 0, refreshes: 0 }
  let serial = 0
  const issue = Effect.map(Clock.currentTimeMillis, (now): TestSession => ({
    owner,
    token: `${owner}-${++serial}`,
    expiresAt: now + lifetime
  }))
  return {
    counters,
    acquire: Effect.andThen(Effect.sync(() => void counters.logins++), issue),
    refresh: (_: TestSession) => Effect.andThen(Effect.sync(() => void counters.refreshes++), issue)
  }
}

/** A cipher for the protocol's tests: it seals nothing, but opens only with the additional data it sealed with. */
const boundCipher: Coordination.Cipher = {
  seal: (plaintext, associatedData) => Effect.succeed(`sealed:${JSON.stringify([associatedData, plaintext])}`),
  open: (sealed, associatedData) =>
    Effect.suspend(() => {
      const [bound, plaintext] = JSON.parse(sealed.slice("sealed:".length)) as [string, string]
      return bound === associatedData
        ? Effect.succeed(plaintext)
        : Effect.fail(new Coordination.CoordinationError({ operation: "open", reason: "Crypto" }))
    })
}

const engine = (
  backend: Coordination.Backend,
  owner: string,
  options: {
    readonly key?: string
    readonly cipher?: Coordination.Cipher
    readonly coordination?: Coordination.Options
  } = {}
) =>
  Effect.gen(function*() {
    const p = provider(owner)
    const service = Coordination.make(backend, {
      lease: "5 seconds",
      poll: "1 second",
      ...options.coordination,
      ...(options.cipher ? { cipher: options.cipher } : {})
    })
    const auth = yield* SessionEngine.make<Test>({
      provider: "test",
      acquire: p.acquire,
      refresh: p.refresh,
      expiresAt: (s) => s.expiresAt,
      refreshJitter: 0,
      coordination: service.session({
        provider: "test",
        key: options.key ?? Coordination.key("test", owner),
        schema: TestSession,
        expiresAt: (s) => s.expiresAt,
        account: owner,
        belongsTo: (s) => s.owner === owner
      })
    })
    return { auth, counters: p.counters }
  })

const count = (metric: Metric.Counter<number>) => Effect.map(Metric.value(metric), (s) => s.count)
const unreadable = (reason: string) =>
  Metric.withAttributes(Coordination.unreadableRecords, { provider: "test", reason })
const repairs = Metric.withAttributes(Coordination.repairs, { provider: "test" })
const fallbacks = Metric.withAttributes(Coordination.fallbacks, { provider: "test" })

/** Copies the record under `from` to `to`, with a generation above anything `to`'s replicas hold. */
const copy = (backend: Coordination.Backend, from: string, to: string) =>
  Effect.gen(function*() {
    const read = yield* backend.tryLease(from, "probe", "copier", 1)
    yield* backend.release(from, "probe", "copier")
    assert.isDefined(read.record)
    const committed = yield* backend.commit(to, "lease", "copier", 0, read.record!.payload, 50)
    assert.isTrue(committed.committed)
  })

describe("a shared record belongs to one account", () => {
  for (const sealed of [false, true]) {
    it.effect(`a record of account B copied under A's key${sealed ? " (sealed)" : ""}: never served to A`, () =>
      Effect.gen(function*() {
        const backend = Coordination.memoryBackend()
        const cipher = sealed ? boundCipher : undefined
        const b = yield* engine(backend, "B", cipher ? { cipher } : {})
        const sessionB = yield* b.auth.session
        yield* copy(backend, Coordination.key("test", "B"), Coordination.key("test", "A"))
        const reason = sealed ? "sealed" : "account"
        const before = { unreadable: yield* count(unreadable(reason)), repairs: yield* count(repairs) }
        const a = yield* engine(backend, "A", cipher ? { cipher } : {})
        const sessionA = yield* a.auth.session
        assert.strictEqual(sessionA.owner, "A")
        assert.notStrictEqual(sessionA.token, sessionB.token)
        assert.strictEqual(a.counters.logins, 1)
        assert.strictEqual((yield* count(unreadable(reason))) - before.unreadable, 1)
        assert.strictEqual((yield* count(repairs)) - before.repairs, 1)
        // Repaired: a second replica of A adopts A's session, no login.
        const a2 = yield* engine(backend, "A", cipher ? { cipher } : {})
        assert.strictEqual((yield* a2.auth.session).token, sessionA.token)
        assert.strictEqual(a2.counters.logins, 0)
      }))
  }

  it.effect("the same account under another key (a copy between keys): not served either", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const first = yield* engine(backend, "A", { key: "test/A/one" })
      yield* first.auth.session
      yield* copy(backend, "test/A/one", "test/A/two")
      const second = yield* engine(backend, "A", { key: "test/A/two" })
      yield* second.auth.session
      assert.strictEqual(second.counters.logins, 1, "logged in rather than served the copy")
    }))

  const planted = (
    what: string,
    reason: string,
    plant: (backend: Coordination.Backend, key: string) => Effect.Effect<unknown, unknown>
  ) =>
    it.effect(`${what}: replaced by the next commit, counted, and the fleet shares again`, () =>
      Effect.gen(function*() {
        const backend = Coordination.memoryBackend()
        const key = Coordination.key("test", "A")
        yield* plant(backend, key)
        const before = {
          unreadable: yield* count(unreadable(reason)),
          repairs: yield* count(repairs),
          fallbacks: yield* count(fallbacks)
        }
        const a = yield* engine(backend, "A")
        const session = yield* a.auth.session
        assert.strictEqual(session.owner, "A")
        assert.strictEqual(a.counters.logins, 1)
        const a2 = yield* engine(backend, "A")
        assert.strictEqual((yield* a2.auth.session).token, session.token)
        // Renewals after the repair go through the fleet: one refresh, adopted by the other replica.
        const renewed = yield* a2.auth.refresh
        assert.strictEqual((yield* a.auth.refresh).token, renewed.token)
        assert.strictEqual(a.counters.refreshes + a2.counters.refreshes, 1)
        assert.strictEqual((yield* count(unreadable(reason))) - before.unreadable, 1)
        assert.strictEqual((yield* count(repairs)) - before.repairs, 1)
        assert.strictEqual((yield* count(fallbacks)) - before.fallbacks, 0)
      }))

  planted("garbage in the record", "garbage", (backend, key) => backend.commit(key, "lease", "x", 0, "{not json", 4))
  planted(
    "a record of the wrong shape",
    "garbage",
    (backend, key) =>
      backend.commit(key, "lease", "x", 0, JSON.stringify({ v: 2, key, account: "A", session: { token: 1 } }), 4)
  )
  planted(
    "a generation that is not a number",
    "backend",
    (backend, key) => backend.commit(key, "lease", "x", 0, "{}", Number.NaN)
  )
})

describe("a lease nobody keeps alive", () => {
  it.effect("a replica whose session has expired waits at most expiredWait (2 s) for it, then renews on its own", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const key = Coordination.key("test", "A")
      // What a lease command the client gave up on leaves when a stalled backend runs it later: a lease of 5 s
      // whose owner nobody knows.
      yield* backend.tryLease(key, "lease", "orphan", 5_000)
      const a = yield* engine(backend, "A")
      const before = yield* count(fallbacks)
      const fiber = yield* Effect.forkChild(a.auth.session)
      yield* TestClock.adjust("1999 millis")
      assert.isUndefined(fiber.pollUnsafe(), "still waiting before the bound")
      yield* TestClock.adjust("1 millis")
      const session = yield* Fiber.join(fiber)
      assert.strictEqual(session.owner, "A")
      assert.strictEqual(a.counters.logins, 1)
      assert.strictEqual((yield* count(fallbacks)) - before, 1)
    }))

  it.effect("the bound is configurable and never above the lease", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const key = Coordination.key("test", "A")
      yield* backend.tryLease(key, "lease", "orphan", 60_000)
      const a = yield* engine(backend, "A", { coordination: { lease: "500 millis", expiredWait: "10 seconds" } })
      const fiber = yield* Effect.forkChild(a.auth.session)
      yield* TestClock.adjust("500 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).owner, "A")
    }))

  it.effect("a live holder (its lease kept alive) is waited for past the bound, and its session adopted", () =>
    Effect.gen(function*() {
      const backend = Coordination.memoryBackend()
      const slow = provider("A")
      const service = Coordination.make(backend, { lease: "5 seconds", poll: "1 second" })
      const handle = () =>
        service.session({
          provider: "test",
          key: Coordination.key("test", "A"),
          schema: TestSession,
          expiresAt: (s) => s.expiresAt,
          account: "A"
        })
      // The holder's login takes 4 s.
      const holder = yield* SessionEngine.make<Test>({
        provider: "test",
        acquire: Effect.andThen(Effect.sleep("4 seconds"), slow.acquire),
        expiresAt: (s) => s.expiresAt,
        coordination: handle()
      })
      const other = provider("A")
      const waiter = yield* SessionEngine.make<Test>({
        provider: "test",
        acquire: other.acquire,
        expiresAt: (s) => s.expiresAt,
        coordination: handle()
      })
      const first = yield* Effect.forkChild(holder.session)
      yield* TestClock.adjust("10 millis")
      const second = yield* Effect.forkChild(waiter.session)
      for (let i = 0; i < 40; i++) yield* TestClock.adjust("100 millis")
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.strictEqual(b.token, a.token)
      assert.deepStrictEqual([slow.counters.logins, other.counters.logins], [1, 0])
    }))

  it.effect("a timed-out lease command is released once the backend answers again", () =>
    Effect.gen(function*() {
      const memory = Coordination.memoryBackend()
      const key = Coordination.key("test", "A")
      let stalled = true
      const released: Array<string> = []
      // A backend that runs the command but whose answer the client gives up on, and fails while stalled.
      const backend: Coordination.Backend = {
        ...memory,
        tryLease: (...args) =>
          Effect.andThen(
            memory.tryLease(...args),
            Effect.fail(new Coordination.CoordinationError({ operation: "tryLease", reason: "Timeout" }))
          ),
        release: (k, lock, owner) =>
          stalled
            ? Effect.fail(new Coordination.CoordinationError({ operation: "release", reason: "Timeout" }))
            : Effect.andThen(Effect.sync(() => released.push(owner)), memory.release(k, lock, owner))
      }
      const a = yield* engine(backend, "A")
      assert.strictEqual((yield* a.auth.session).owner, "A")
      const probe = yield* memory.tryLease(key, "lease", "probe", 5_000)
      assert.isFalse(probe.held, "the command took the lease")
      stalled = false
      yield* TestClock.adjust("1 second")
      assert.strictEqual(released.length, 1)
      const after = yield* memory.tryLease(key, "lease", "probe", 5_000)
      assert.isTrue(after.held, "the orphaned lease is gone")
    }))
})

describe("a stored session belongs to one account", () => {
  const persisted = (store: SessionStore.SessionStore, owner: string, key = SessionStore.key("test", owner)) =>
    Effect.gen(function*() {
      const p = provider(owner)
      const auth = yield* SessionEngine.make<Test>({
        provider: "test",
        acquire: p.acquire,
        expiresAt: (s) => s.expiresAt,
        persistence: { store, key, schema: TestSession, account: owner, belongsTo: (s) => s.owner === owner }
      })
      return { auth, counters: p.counters }
    })

  it.effect("an entry of account B copied under A's key is discarded; A's own is reused", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const b = yield* Effect.scoped(Effect.flatMap(persisted(store, "B"), (e) => e.auth.session))
      const entry = yield* store.load(SessionStore.key("test", "B"))
      assert.isTrue(Option.isSome(entry))
      assert.notInclude(Option.getOrThrow(entry), "\"A\"")
      yield* store.save(SessionStore.key("test", "A"), Option.getOrThrow(entry))
      const a = yield* persisted(store, "A")
      const session = yield* a.auth.session
      assert.strictEqual(session.owner, "A")
      assert.notStrictEqual(session.token, b.token)
      assert.strictEqual(a.counters.logins, 1)
      // A restart of A reuses A's entry.
      yield* Effect.yieldNow
      const again = yield* persisted(store, "A")
      assert.strictEqual((yield* again.auth.session).token, session.token)
      assert.strictEqual(again.counters.logins, 0)
    }))

  it.effect("an entry whose account field was rewritten, but whose session is B's, is discarded by belongsTo", () =>
    Effect.gen(function*() {
      const store = SessionStore.makeMemory()
      const now = yield* Clock.currentTimeMillis
      const key = SessionStore.key("test", "A")
      yield* store.save(
        key,
        JSON.stringify({ v: 2, key, account: "A", session: { owner: "B", token: "B-1", expiresAt: now + 60_000 } })
      )
      const a = yield* persisted(store, "A")
      assert.strictEqual((yield* a.auth.session).owner, "A")
      assert.strictEqual(a.counters.logins, 1)
    }))
})
