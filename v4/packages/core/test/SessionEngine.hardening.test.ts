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
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/testing/TestClock"
import type * as AuthError from "../src/AuthError.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"
import * as SessionStore from "../src/SessionStore.js"
import { makeHarness, SENTINEL, TestSessionSchema, waitUntil } from "./utils/harness.js"

interface Session {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
  readonly issuedAt: number
}
interface Issuer extends Provider.Provider<"issuer", Session, AuthError.ProtocolError> {}

/**
 * A provider whose sessions arrive unusable: `expiresAt` relative to the moment
 * of issue (negative: already expired; zero: exp equal to iat). Its `acquire` is
 * synchronous, the case that used to starve the event loop.
 */
const makeIssuer = (lifetime: () => number) =>
  Effect.gen(function*() {
    let logins = 0
    const auth = yield* SessionEngine.make<Issuer>({
      provider: "issuer",
      acquire: Effect.clockWith((clock) =>
        Effect.sync((): Session => {
          logins++
          const now = clock.currentTimeMillisUnsafe()
          return { token: Redacted.make(`${SENTINEL}-${logins}`), expiresAt: now + lifetime(), issuedAt: now }
        })
      ),
      expiresAt: (s) => s.expiresAt,
      issuedAt: (s) => s.issuedAt
    })
    return { auth, logins: () => logins }
  })

const isUnusable = (e: Result.Result<unknown, unknown>) =>
  Result.isFailure(e) && (e.failure as { reason?: string }).reason === "UnusableSession"

/** What the engine logged in the test that captures logs. */
const logs: Array<string> = []

describe("SessionEngine hardening", () => {
  describe("sessions unusable on arrival", () => {
    it.effect("an always-expired issuer: handed out once, then typed errors and at most 6 logins a minute", () =>
      Effect.gen(function*() {
        const issuer = yield* makeIssuer(() => -60_000)
        const first = yield* Effect.result(issuer.auth.session)
        assert.isTrue(Result.isSuccess(first), "the first stale session goes to the caller that asked")
        // A caller every 100 ms for a minute.
        const outcomes: Array<Result.Result<unknown, unknown>> = []
        for (let i = 0; i < 600; i++) {
          outcomes.push(yield* Effect.result(issuer.auth.session))
          yield* TestClock.adjust(Duration.millis(100))
        }
        assert.isTrue(outcomes.every(isUnusable), "every later caller gets ProtocolError(UnusableSession)")
        // Logins at 0, 1, 3, 7, 15, 31 s (then 63 s): the floor doubles while sessions keep arriving unusable.
        assert.isAtMost(issuer.logins(), 6)
        const inTheNextTenMinutes = issuer.logins()
        for (let i = 0; i < 60; i++) {
          yield* Effect.result(issuer.auth.session)
          yield* TestClock.adjust(Duration.seconds(10))
        }
        assert.isAtMost(issuer.logins() - inTheNextTenMinutes, 11, "then at most one a minute")
      }))

    it.effect("exp equal to iat is unusable too, and the error names the provider and the times, not the token", () =>
      Effect.gen(function*() {
        const issuer = yield* makeIssuer(() => 0)
        yield* Effect.result(issuer.auth.session)
        const second = yield* Effect.result(issuer.auth.session)
        assert.isTrue(isUnusable(second))
        const error = (second as Result.Failure<unknown, { message: string }>).failure
        assert.include(error.message, "issuer")
        assert.include(error.message, "expiring at")
        assert.notInclude(JSON.stringify(error), SENTINEL)
        assert.notInclude(error.message, SENTINEL)
      }))

    it.effect("once the issuer is fixed, the next attempt after the floor recovers and the floor is reset", () =>
      Effect.gen(function*() {
        let lifetime = -1_000
        const issuer = yield* makeIssuer(() => lifetime)
        yield* Effect.result(issuer.auth.session)
        assert.isTrue(isUnusable(yield* Effect.result(issuer.auth.session)))
        lifetime = 3_600_000
        yield* TestClock.adjust(Duration.seconds(1))
        const recovered = yield* issuer.auth.session
        assert.isTrue(recovered.expiresAt > (yield* Clock.currentTimeMillis))
        assert.strictEqual(yield* issuer.auth.session, recovered)
        assert.strictEqual(issuer.logins(), 2)
      }))

    it.live("with a real clock and a synchronous acquire the event loop stays responsive", () =>
      Effect.gen(function*() {
        const issuer = yield* makeIssuer(() => -60_000)
        let ticks = 0
        const timer = setInterval(() => ticks++, 5)
        const start = Date.now()
        while (Date.now() - start < 300) {
          yield* Effect.result(issuer.auth.session)
          yield* Effect.sleep(Duration.millis(1))
        }
        clearInterval(timer)
        // Within the first second of the floor: the stale session and nothing more.
        assert.strictEqual(issuer.logins(), 1)
        assert.isAbove(ticks, 10, "timers kept firing while callers hammered the engine")
      }))
  })

  describe("a slow or broken SessionStore", () => {
    const key = SessionStore.key("test", "account-1")

    it.effect("a load that hangs lets the engine build and log in after the store's bound", () =>
      Effect.gen(function*() {
        const hanging: SessionStore.SessionStore = {
          load: () => Effect.never,
          save: () => Effect.void,
          remove: () => Effect.void
        }
        const building = yield* Effect.forkChild(makeHarness({
          lifetimeMillis: 60_000,
          persistence: { store: hanging, key, schema: TestSessionSchema, timeout: Duration.seconds(2) }
        }))
        yield* TestClock.adjust(Duration.seconds(2))
        const h = yield* Fiber.join(building)
        yield* h.auth.session
        assert.strictEqual(h.acquires(), 1)
      }))

    it.effect("a save that hangs blocks neither callers nor the scope's close for longer than the bound", () =>
      Effect.gen(function*() {
        const hanging: SessionStore.SessionStore = {
          load: () => Effect.succeed(Option.none()),
          save: () => Effect.never,
          remove: () => Effect.void
        }
        const scope = yield* Scope.make()
        const h = yield* makeHarness({
          lifetimeMillis: 60_000,
          persistence: { store: hanging, key, schema: TestSessionSchema, timeout: Duration.seconds(3) }
        }).pipe(Scope.provide(scope))
        const session = yield* h.auth.session
        assert.strictEqual(yield* h.auth.session, session)
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* TestClock.adjust(Duration.seconds(3))
        yield* Fiber.join(closing)
      }))

    it.effect("a stored session of another account, or with an implausible expiry, is discarded with a warning", () =>
      Effect.gen(function*() {
        const memory = SessionStore.makeMemory()
        let saves = 0
        const store: SessionStore.SessionStore = {
          ...memory,
          save: (k, v) => Effect.andThen(memory.save(k, v), Effect.sync(() => void saves++))
        }
        const now = yield* Clock.currentTimeMillis
        const stored = (id: number, expiresAt: number) =>
          Schema.encodeEffect(Schema.fromJsonString(TestSessionSchema))({
            id,
            token: Redacted.make(`${SENTINEL}-stored`),
            expiresAt,
            issuedAt: now,
            via: "acquire"
          }).pipe(Effect.flatMap((encoded) => store.save(key, encoded)))
        const open = makeHarness({
          lifetimeMillis: 60_000,
          persistence: { store, key, schema: TestSessionSchema, belongsTo: (s) => s.id !== 666 }
        })
        yield* stored(666, now + 60_000)
        const other = yield* open
        assert.notStrictEqual((yield* other.auth.session).id, 666)
        assert.strictEqual(other.acquires(), 1)
        // The new login is saved in the background: let that land before the next stored session is written.
        yield* waitUntil(() => saves === 2)
        yield* stored(7, now + 1_000 * 365 * 86_400_000)
        const implausible = yield* open
        assert.notStrictEqual((yield* implausible.auth.session).id, 7)
        assert.strictEqual(implausible.acquires(), 1)
        assert.strictEqual(logs.filter((l) => l.includes("another account")).length, 1)
        assert.strictEqual(logs.filter((l) => l.includes("implausible expiry")).length, 1)
        assert.isFalse(logs.some((l) => l.includes(SENTINEL)))
      }).pipe(
        Effect.provide(
          Logger.layer([Logger.make(({ message }) => void logs.push(String(message)))])
        )
      ))
  })
})
