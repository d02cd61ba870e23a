import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import { inspect } from "node:util"
import * as Authenticated from "../src/Authenticated.js"
import { SessionRejected } from "../src/Authenticated.js"
import { CredentialsRejected, TransportError } from "../src/AuthError.js"
import type * as AuthEvent from "../src/AuthEvent.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as AuthMetrics from "../src/AuthMetrics.js"
import * as Policy from "../src/Policy.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"

const SECRET = "sentinel-floor-secret-93c1"

interface Session {
  readonly token: Redacted.Redacted<string>
}
type Failure = CredentialsRejected | TransportError
interface Floored extends Provider.Provider<"floored", Session, Failure> {}

/**
 * A server the test drives: a login answers `login` (200 with a token, or a
 * status with a `Retry-After`), every call answers `api` (200 or 401). It
 * counts what it got. Calls reach it through `AuthHttpClient` over a fake
 * `HttpClient` (`HttpClient.make`), as in the v3 line's floors tests; the
 * withSession test below reaches it through `Authenticated.withSession`.
 */
const makeServer = () => {
  const state = {
    logins: 0,
    calls: 0,
    login: { status: 200, retryAfterMillis: undefined as number | undefined },
    api: 401
  }
  const login: Effect.Effect<Session, Failure> = Effect.suspend(() => {
    state.logins += 1
    if (state.login.status === 200) return Effect.succeed({ token: Redacted.make(`${SECRET}-${state.logins}`) })
    const retryAfterMillis = state.login.retryAfterMillis
    return Effect.fail(
      new TransportError({
        provider: "floored",
        reason: state.login.status === 429 ? "RateLimited" : "ServerError",
        status: state.login.status,
        ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
      })
    )
  })
  const api = (_session: Session) =>
    Effect.suspend(() => {
      state.calls += 1
      return state.api === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.succeed("ok")
    })
  return { state, login, api }
}

/** The provider's login, retried as the providers do (`Policy.retryTransient`). */
const setup = (options: Partial<SessionEngine.Options<Floored>> & { readonly retry?: false } = {}) =>
  Effect.gen(function*() {
    const server = makeServer()
    const acquire = options.retry === false ? server.login : server.login.pipe(Policy.retryTransient())
    const auth = yield* SessionEngine.make<Floored>({ provider: "floored", acquire, ...options })
    const client = AuthHttpClient.make(
      HttpClient.make((request) =>
        Effect.sync(() => {
          server.state.calls += 1
          return HttpClientResponse.fromWeb(request, new Response("{}", { status: server.state.api }))
        })
      ),
      {
        auth,
        sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
        classify: (response) =>
          response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void
      }
    )
    const call = Effect.result(client.get("http://fake.test/data"))
    return { server, auth, call }
  })

const isRejectedAfterReauth = (e: Result.Result<unknown, unknown>) =>
  Result.isFailure(e) && e.failure instanceof CredentialsRejected && e.failure.reason === "RejectedAfterReauth"

const counter = (metric: Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)

describe("floors", () => {
  describe("a server that accepts every login and rejects every call (issue 25 §1)", () => {
    it.effect("one caller looping on its typed error: at most 6 logins in the first minute, then one a minute", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        const outcomes: Array<Result.Result<unknown, unknown>> = []
        // A caller every 100 ms for a minute: 600 calls.
        for (let i = 0; i < 600; i++) {
          outcomes.push(yield* call)
          yield* TestClock.adjust(Duration.millis(100))
        }
        assert.isTrue(outcomes.every(isRejectedAfterReauth), "every call gets CredentialsRejected(RejectedAfterReauth)")
        // Logins at 0 s (twice: the replay), then 2, 6, 14, 30 s: the floor doubles from 2 s while fresh sessions
        // keep being rejected.
        assert.isAtMost(server.state.logins, 6)
        assert.isAtLeast(server.state.logins, 3, "the floor ends and a login is tried again")
        const afterOneMinute = server.state.logins
        for (let i = 0; i < 600; i++) {
          yield* call
          yield* TestClock.adjust(Duration.seconds(1))
        }
        assert.isAtMost(server.state.logins - afterOneMinute, 11, "then at most one a minute (ten minutes)")
      }))

    it.effect("100 concurrent callers: two logins, and the next 100 get the typed error without a login", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        const first = yield* Effect.all(Array.from({ length: 100 }, () => call), { concurrency: "unbounded" })
        assert.isTrue(first.every(isRejectedAfterReauth))
        assert.strictEqual(server.state.logins, 2)
        const second = yield* Effect.all(Array.from({ length: 100 }, () => call), { concurrency: "unbounded" })
        assert.isTrue(second.every(isRejectedAfterReauth))
        assert.strictEqual(server.state.logins, 2, "no login during the floor")
      }))

    it.effect("a rotated credential still recovers at once: the first rejection of an established session renews", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        server.state.api = 200
        assert.isTrue(Result.isSuccess(yield* call))
        assert.strictEqual(server.state.logins, 1)
        // Rotation: the server drops every session issued so far, the next login works.
        server.state.api = 401
        const rotated = call
        const fiber = yield* Effect.forkChild(rotated)
        yield* Effect.yieldNow
        server.state.api = 200
        const outcome = yield* Fiber.join(fiber)
        assert.strictEqual(server.state.logins, 2, "renewed at once")
        assert.isTrue(Result.isSuccess(outcome) || isRejectedAfterReauth(outcome))
        // Rotated again later, the first rejection renews at once again: the accepted call reset the streak.
        for (let round = 0; round < 3; round++) {
          server.state.api = 200
          assert.isTrue(Result.isSuccess(yield* call))
          const before = server.state.logins
          server.state.api = 401
          const rejected = yield* call
          assert.isTrue(isRejectedAfterReauth(rejected))
          assert.strictEqual(server.state.logins, before + 1, "renewed at once for the replay")
          // The floor after two fresh rejections: the credential works again once it passes.
          server.state.api = 200
          yield* TestClock.adjust(Duration.seconds(2))
          assert.isTrue(Result.isSuccess(yield* call), "recovered after the floor")
        }
      }))

    it.effect("the floor ends on the first accepted call (the `accepted` signal), not only on time", () =>
      Effect.gen(function*() {
        const { auth, call, server } = yield* setup({ rejectionBackoff: Duration.seconds(10) })
        assert.isTrue(isRejectedAfterReauth(yield* call))
        assert.isTrue(isRejectedAfterReauth(yield* call), "floored")
        assert.strictEqual(server.state.logins, 2)
        yield* TestClock.adjust(Duration.seconds(10))
        server.state.api = 200
        assert.isTrue(Result.isSuccess(yield* call))
        assert.strictEqual(server.state.logins, 3)
        // The streak is reset: a later rejection renews at once instead of starting a 20 s floor.
        server.state.api = 401
        yield* call
        assert.strictEqual(server.state.logins, 4, "one renewal at once for the replay, then the floor starts again")
        const state = yield* auth.state
        assert.strictEqual(state.floorReason, "rejected")
        assert.strictEqual(state.floorUntil, (yield* Clock.currentTimeMillis) + 10_000, "10 s, not 20 s")
      }))

    it.effect("the floor is visible as a Floor event, the floors metric and the state, without a secret", () =>
      Effect.gen(function*() {
        const { auth, call } = yield* setup()
        const floors = AuthMetrics.floors.pipe(Metric.withAttributes({ provider: "floored" }))
        const before = yield* counter(floors)
        // Acquired, Rejected, Invalidated (twice), then Floor.
        const events = yield* auth.events.pipe(Stream.take(7), Stream.runCollect, Effect.forkChild)
        yield* Effect.yieldNow
        const error = yield* call
        const collected = [...(yield* Fiber.join(events))] as Array<AuthEvent.AuthEvent>
        const floor = collected.find((e) => e._tag === "Floor")
        assert.isDefined(floor)
        assert.strictEqual(floor!._tag === "Floor" && floor.reason, "rejected")
        assert.strictEqual(floor!._tag === "Floor" && floor.until - floor.at, 2_000)
        assert.strictEqual((yield* counter(floors)) - before, 1)
        const state = yield* auth.state
        assert.isFalse(state.authenticated)
        assert.strictEqual(state.floorReason, "rejected")
        for (const rendered of [String(error), JSON.stringify(collected), inspect(collected, { depth: 8 })]) {
          assert.notInclude(rendered, SECRET)
        }
      }))
  })

  it.effect("sessions unusable on arrival and refused for it: the unusable floor's error, not a rejection floor", () =>
    Effect.gen(function*() {
      const server = makeServer()
      interface Expiring extends Provider.Provider<"expiring", Session & { readonly exp: number }, Failure> {}
      let lifetime = 3_600_000
      const auth = yield* SessionEngine.make<Expiring>({
        provider: "expiring",
        acquire: Effect.clockWith((clock) =>
          Effect.sync(() => {
            server.state.logins += 1
            return { token: Redacted.make(SECRET), exp: clock.currentTimeMillisUnsafe() + lifetime }
          })
        ),
        expiresAt: (session) => session.exp
      })
      const call = Effect.result(Authenticated.withSession(auth, server.api))
      // A working session first; then the server revokes it and issues only sessions expired on arrival.
      server.state.api = 200
      assert.isTrue(Result.isSuccess(yield* call))
      server.state.api = 401
      lifetime = 0
      const reasons = new Map<string, number>()
      for (let i = 0; i < 600; i++) {
        const outcome = yield* call
        const reason = Result.isFailure(outcome)
          ? `${outcome.failure._tag}(${(outcome.failure as { reason?: string }).reason})`
          : "ok"
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
        yield* TestClock.adjust(Duration.millis(100))
      }
      assert.isAtLeast(reasons.get("ProtocolError(UnusableSession)") ?? 0, 595, JSON.stringify([...reasons]))
      assert.isAtMost(server.state.logins, 8)
    }))

  describe("generation checks", () => {
    interface Same extends Provider.Provider<"same", string, never> {}
    it.effect("a late rejection of an older generation leaves the newer one alone, even with the same value", () =>
      Effect.gen(function*() {
        let logins = 0
        // A provider that hands out the same value at every login (a static token).
        const auth = yield* SessionEngine.make<Same>({
          provider: "same",
          acquire: Effect.sync(() => (logins += 1, "static-token"))
        })
        const first = yield* auth.lease
        yield* auth.invalidate(first.session, { generation: first.generation })
        const second = yield* auth.lease
        assert.strictEqual(second.generation, first.generation + 1)
        assert.strictEqual(logins, 2)
        // 100 late rejections of generation 1, which has the same value as generation 2.
        for (let i = 0; i < 100; i++) yield* auth.invalidate(first.session, { generation: first.generation })
        assert.strictEqual((yield* auth.lease).generation, second.generation)
        assert.strictEqual(logins, 2)
      }))

    it.effect("`accepted` costs a field check when no rejection is pending: the very same `Effect.void`", () =>
      Effect.gen(function*() {
        const auth = yield* SessionEngine.make<Same>({ provider: "same", acquire: Effect.succeed("static-token") })
        const lease = yield* auth.lease
        assert.strictEqual(auth.accepted(lease), Effect.void)
        assert.strictEqual(yield* auth.lease, lease, "a cached lease is the same value: no allocation per call")
        yield* auth.invalidate(lease.session, { generation: lease.generation })
        assert.notStrictEqual(auth.accepted(lease), Effect.void, "after a rejection, the next acceptance counts")
      }))

    it.effect("withSession invalidates by generation and reports the accepted call", () =>
      Effect.gen(function*() {
        let logins = 0
        const auth = yield* SessionEngine.make<Same>({
          provider: "same",
          acquire: Effect.sync(() => (logins += 1, "static-token"))
        })
        let rejectNext = 0
        const use = (session: string) =>
          rejectNext > 0
            ? (rejectNext -= 1, Effect.fail(new SessionRejected({ status: 401 })))
            : Effect.succeed(session)
        rejectNext = 2
        const failed = yield* Effect.result(Authenticated.withSession(auth, use))
        assert.isTrue(isRejectedAfterReauth(failed))
        assert.strictEqual(logins, 2)
        // Floored: no login.
        assert.isTrue(isRejectedAfterReauth(yield* Effect.result(Authenticated.withSession(auth, use))))
        assert.strictEqual(logins, 2)
        yield* TestClock.adjust(Duration.seconds(2))
        assert.strictEqual(yield* Authenticated.withSession(auth, use), "static-token")
        assert.strictEqual(logins, 3)
        // Accepted: a later rejection renews at once, and the replay succeeds.
        rejectNext = 1
        assert.strictEqual(yield* Authenticated.withSession(auth, use), "static-token")
        assert.strictEqual(logins, 4)
        assert.isUndefined((yield* auth.state).floorUntil)
      }))
  })

  describe("one retry budget per call (issue 25 §2)", () => {
    it.effect("a login answering 503: 4 login attempts per call (the login's own retries), not 16", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        server.state.login = { status: 503, retryAfterMillis: undefined }
        const fiber = yield* Effect.forkChild(call)
        yield* TestClock.adjust(Duration.minutes(1))
        const outcome = yield* Fiber.join(fiber)
        assert.isTrue(Result.isFailure(outcome) && outcome.failure instanceof TransportError)
        assert.strictEqual(server.state.logins, 4, "the login policy's 1 + 3 attempts; the request adds none")
        assert.strictEqual(server.state.calls, 0)
      }))

    it.effect("logins keep failing: from the second failed login on, callers get the failure at once", () =>
      Effect.gen(function*() {
        const { auth, server } = yield* setup({ retry: false })
        server.state.login = { status: 503, retryAfterMillis: undefined }
        const attempts: Array<number> = []
        // A caller every 100 ms for a minute.
        for (let i = 0; i < 600; i++) {
          const outcome = yield* Effect.result(auth.session)
          assert.isTrue(Result.isFailure(outcome) && outcome.failure instanceof TransportError)
          attempts.push(server.state.logins)
          yield* TestClock.adjust(Duration.millis(100))
        }
        // 0, 0.1 (second failure: floor 1 s), 1.1 (2 s), 3.1 (4 s), 7.1, 15.1, 31.1 (32 s): 7 in the first minute.
        assert.isAtMost(server.state.logins, 7)
        const afterOneMinute = server.state.logins
        for (let i = 0; i < 600; i++) {
          yield* Effect.result(auth.session)
          yield* TestClock.adjust(Duration.seconds(1))
        }
        assert.isAtMost(server.state.logins - afterOneMinute, 11, "then at most one a minute")
        server.state.login = { status: 200, retryAfterMillis: undefined }
        yield* TestClock.adjust(Duration.minutes(1))
        assert.isTrue(Result.isSuccess(yield* Effect.result(auth.session)), "recovers once the floor has passed")
        assert.isUndefined((yield* auth.state).floorUntil)
      }))

    it.effect("a login's Retry-After lengthens the floor (up to a minute)", () =>
      Effect.gen(function*() {
        const { auth, server } = yield* setup({ retry: false })
        server.state.login = { status: 503, retryAfterMillis: 30_000 }
        yield* Effect.result(auth.session)
        const state = yield* auth.state
        assert.strictEqual(state.floorReason, "failing")
        assert.strictEqual(state.floorUntil, (yield* Clock.currentTimeMillis) + 30_000)
        yield* TestClock.adjust(Duration.seconds(29))
        yield* Effect.result(auth.session)
        assert.strictEqual(server.state.logins, 1)
        yield* TestClock.adjust(Duration.seconds(1))
        yield* Effect.result(auth.session)
        assert.strictEqual(server.state.logins, 2)
        server.state.login = { status: 503, retryAfterMillis: 999_999_999_999_000 }
        yield* TestClock.adjust(Duration.minutes(1))
        yield* Effect.result(auth.session)
        const capped = yield* auth.state
        assert.strictEqual(capped.floorUntil, (yield* Clock.currentTimeMillis) + 60_000, "capped at a minute")
      }))

    it.effect("a login policy given the user's own schedule honours Retry-After too, and stops past a minute", () =>
      Effect.gen(function*() {
        let attempts = 0
        const failing = (retryAfterMillis: number) =>
          Effect.suspend(() => {
            attempts += 1
            return Effect.fail(new TransportError({ provider: "floored", reason: "ServerError", retryAfterMillis }))
          })
        const fiber = yield* Effect.forkChild(
          Effect.result(failing(5_000).pipe(Policy.retryTransient(Schedule.recurs(3))))
        )
        yield* TestClock.adjust(Duration.millis(14_999))
        assert.isUndefined(fiber.pollUnsafe(), "three waits of at least 5 s each")
        yield* TestClock.adjust(Duration.millis(1))
        yield* Fiber.join(fiber)
        assert.strictEqual(attempts, 4)
        attempts = 0
        yield* Effect.result(failing(61_000).pipe(Policy.retryTransient(Schedule.recurs(3))))
        assert.strictEqual(attempts, 1, "a wait longer than a minute ends the retries")
        // A schedule that already honours Retry-After keeps its own bound when wrapped again.
        attempts = 0
        const patient = Policy.transientSchedule({ times: 1, maxRetryAfter: Duration.minutes(5) })
        const slow = yield* Effect.forkChild(Effect.result(failing(120_000).pipe(Policy.retryTransient(patient))))
        yield* TestClock.adjust(Duration.minutes(2))
        yield* Fiber.join(slow)
        assert.strictEqual(attempts, 2)
      }))
  })

  describe("log lines (issue 27)", () => {
    it.effect("logins at Debug, rejections and floors at Info/Warning, annotated, never a secret", () =>
      Effect.gen(function*() {
        const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
        const logger = Logger.make(({ fiber, logLevel, message }) =>
          void lines.push({
            level: logLevel,
            message: String(message),
            annotations: { ...fiber.getRef(References.CurrentLogAnnotations) }
          })
        )
        yield* Effect.gen(function*() {
          const { call } = yield* setup({ account: "ops@example" })
          yield* call
        }).pipe(
          Effect.provide(Logger.layer([logger])),
          Effect.provideService(References.MinimumLogLevel, "Debug")
        )
        const acquired = lines.filter((l) => l.message.includes("acquired"))
        assert.strictEqual(acquired.length, 2)
        assert.isTrue(acquired.every((l) => l.level === "Debug"))
        assert.deepStrictEqual(
          [acquired[0]!.annotations["authfx.provider"], acquired[0]!.annotations["authfx.account"]],
          ["floored", "ops@example"]
        )
        assert.deepStrictEqual(acquired.map((l) => l.annotations["authfx.generation"]), [1, 2])
        const rejected = lines.find((l) => l.message.includes("rejected by the provider"))
        assert.strictEqual(rejected?.level, "Info")
        const floor = lines.find((l) => l.message.includes("keep being rejected"))
        assert.strictEqual(floor?.level, "Warn")
        assert.strictEqual(floor?.annotations["authfx.floor.reason"], "rejected")
        assert.notInclude(JSON.stringify(lines), SECRET)
      }))
  })
})
