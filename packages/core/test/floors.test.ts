import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import * as Authenticated from "../src/Authenticated.js"
import { SessionRejected } from "../src/Authenticated.js"
import { CredentialsRejected, TransportError } from "../src/AuthError.js"
import type * as AuthEvent from "../src/AuthEvent.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as AuthMetrics from "../src/AuthMetrics.js"
import * as AuthResponse from "../src/AuthResponse.js"
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
 * A server behind a fake `HttpClient` (`HttpClient.make`): `/login` answers
 * `login` (200 with a token, or a status with headers), every other path
 * answers `api` (200 or 401). It counts what it got.
 */
const makeServer = () => {
  const state = {
    logins: 0,
    calls: 0,
    login: { status: 200, headers: {} as Record<string, string> },
    api: 401
  }
  const http = HttpClient.make((request) =>
    Effect.sync(() => {
      if (request.url.endsWith("/login")) {
        state.logins += 1
        return HttpClientResponse.fromWeb(
          request,
          state.login.status === 200
            ? new Response(JSON.stringify({ token: `${SECRET}-${state.logins}` }), { status: 200 })
            : new Response("busy", { status: state.login.status, headers: state.login.headers })
        )
      }
      state.calls += 1
      return HttpClientResponse.fromWeb(request, new Response("{}", { status: state.api }))
    })
  )
  return { state, http }
}

/** The provider's login over the fake client, retried as the providers do (`Policy.retryTransient`). */
const setup = (options: Partial<SessionEngine.Options<Floored>> & { readonly retry?: false } = {}) =>
  Effect.gen(function*() {
    const server = makeServer()
    const once: Effect.Effect<Session, Failure> = server.http.post("http://fake.test/login").pipe(
      Effect.flatMap((response): Effect.Effect<Session, unknown> =>
        AuthResponse.isTransientStatus(response.status)
          ? AuthResponse.transientAnswer("floored", response)
          : Effect.map(response.text, (token) => ({ token: Redacted.make(token) }))
      ),
      Effect.mapError((error) =>
        error instanceof TransportError ? error : new TransportError({ provider: "floored", reason: "Network" })
      )
    )
    const acquire = options.retry === false ? once : once.pipe(Policy.retryTransient())
    const auth = yield* SessionEngine.make<Floored>({ provider: "floored", acquire, ...options })
    const client = AuthHttpClient.make(server.http, {
      auth,
      sign: (request, session) => HttpClientRequest.bearerToken(request, session.token),
      classify: (response) => response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void
    })
    const call = Effect.either(client.get("http://fake.test/data"))
    return { server, auth, client, call }
  })

const isRejectedAfterReauth = (e: Either.Either<unknown, unknown>) =>
  Either.isLeft(e) && e.left instanceof CredentialsRejected && e.left.reason === "RejectedAfterReauth"

const counter = (metric: Metric.Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)

describe("floors", () => {
  describe("a server that accepts every login and rejects every call (issue 25 §1)", () => {
    it.scoped("one caller looping on its typed error: at most 6 logins in the first minute, then one a minute", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        const outcomes: Array<Either.Either<unknown, unknown>> = []
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

    it.scoped("100 concurrent callers: two logins, and the next 100 get the typed error without a login", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        const first = yield* Effect.all(Array.from({ length: 100 }, () => call), { concurrency: "unbounded" })
        assert.isTrue(first.every(isRejectedAfterReauth))
        assert.strictEqual(server.state.logins, 2)
        const second = yield* Effect.all(Array.from({ length: 100 }, () => call), { concurrency: "unbounded" })
        assert.isTrue(second.every(isRejectedAfterReauth))
        assert.strictEqual(server.state.logins, 2, "no login during the floor")
      }))

    it.scoped("a rotated credential still recovers at once: the first rejection of an established session renews", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        server.state.api = 200
        assert.isTrue(Either.isRight(yield* call))
        assert.strictEqual(server.state.logins, 1)
        // Rotation: the server drops every session issued so far, the next login works.
        server.state.api = 401
        const rotated = call
        const fiber = yield* Effect.fork(rotated)
        yield* Effect.yieldNow()
        server.state.api = 200
        const outcome = yield* Fiber.join(fiber)
        assert.strictEqual(server.state.logins, 2, "renewed at once")
        assert.isTrue(Either.isRight(outcome) || isRejectedAfterReauth(outcome))
        // Rotated again later, the first rejection renews at once again: the accepted call reset the streak.
        for (let round = 0; round < 3; round++) {
          server.state.api = 200
          assert.isTrue(Either.isRight(yield* call))
          const before = server.state.logins
          server.state.api = 401
          const rejected = yield* call
          assert.isTrue(isRejectedAfterReauth(rejected))
          assert.strictEqual(server.state.logins, before + 1, "renewed at once for the replay")
          // The floor after two fresh rejections: the credential works again once it passes.
          server.state.api = 200
          yield* TestClock.adjust(Duration.seconds(2))
          assert.isTrue(Either.isRight(yield* call), "recovered after the floor")
        }
      }))

    it.scoped("the floor ends on the first accepted call (the `accepted` signal), not only on time", () =>
      Effect.gen(function*() {
        const { auth, call, server } = yield* setup({ rejectionBackoff: Duration.seconds(10) })
        assert.isTrue(isRejectedAfterReauth(yield* call))
        assert.isTrue(isRejectedAfterReauth(yield* call), "floored")
        assert.strictEqual(server.state.logins, 2)
        yield* TestClock.adjust(Duration.seconds(10))
        server.state.api = 200
        assert.isTrue(Either.isRight(yield* call))
        assert.strictEqual(server.state.logins, 3)
        // The streak is reset: a later rejection renews at once instead of starting a 20 s floor.
        server.state.api = 401
        yield* call
        assert.strictEqual(server.state.logins, 4, "one renewal at once for the replay, then the floor starts again")
        const state = yield* auth.state
        assert.strictEqual(state.floorReason, "rejected")
        assert.strictEqual(state.floorUntil, (yield* TestClock.currentTimeMillis) + 10_000, "10 s, not 20 s")
      }))

    it.scoped("the floor is visible as a Floor event, the floors metric and the state, without a secret", () =>
      Effect.gen(function*() {
        const { auth, call } = yield* setup()
        const floors = AuthMetrics.floors.pipe(Metric.tagged("provider", "floored"))
        const before = yield* counter(floors)
        // Acquired, Rejected, Invalidated (twice), then Floor.
        const events = yield* auth.events.pipe(Stream.take(7), Stream.runCollect, Effect.fork)
        yield* Effect.yieldNow()
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

  it.scoped("sessions unusable on arrival and refused for it: the unusable floor's error, not a rejection floor", () =>
    Effect.gen(function*() {
      const server = makeServer()
      interface Expiring extends Provider.Provider<"expiring", Session & { readonly exp: number }, Failure> {}
      let lifetime = 3_600_000
      const auth = yield* SessionEngine.make<Expiring>({
        provider: "expiring",
        acquire: Effect.clockWith((clock) =>
          Effect.sync(() => {
            server.state.logins += 1
            return { token: Redacted.make(SECRET), exp: clock.unsafeCurrentTimeMillis() + lifetime }
          })
        ),
        expiresAt: (session) => session.exp
      })
      const client = AuthHttpClient.make(server.http, {
        auth,
        sign: (request, session) => HttpClientRequest.bearerToken(request, session.token),
        classify: (response) =>
          response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void
      })
      // A working session first; then the server revokes it and issues only sessions expired on arrival.
      server.state.api = 200
      assert.isTrue(Either.isRight(yield* Effect.either(client.get("http://fake.test/data"))))
      server.state.api = 401
      lifetime = 0
      const reasons = new Map<string, number>()
      for (let i = 0; i < 600; i++) {
        const outcome = yield* Effect.either(client.get("http://fake.test/data"))
        const reason = Either.isLeft(outcome)
          ? `${outcome.left._tag}(${(outcome.left as { reason?: string }).reason})`
          : "ok"
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
        yield* TestClock.adjust(Duration.millis(100))
      }
      assert.isAtLeast(reasons.get("ProtocolError(UnusableSession)") ?? 0, 595, JSON.stringify([...reasons]))
      assert.isAtMost(server.state.logins, 8)
    }))

  describe("generation checks", () => {
    interface Same extends Provider.Provider<"same", string, never> {}
    it.scoped("a late rejection of an older generation leaves the newer one alone, even with the same value", () =>
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

    it.scoped("`accepted` costs a field check when no rejection is pending: the very same `Effect.void`", () =>
      Effect.gen(function*() {
        const auth = yield* SessionEngine.make<Same>({ provider: "same", acquire: Effect.succeed("static-token") })
        const lease = yield* auth.lease
        assert.strictEqual(auth.accepted(lease), Effect.void)
        assert.strictEqual(yield* auth.lease, lease, "a cached lease is the same value: no allocation per call")
        yield* auth.invalidate(lease.session, { generation: lease.generation })
        assert.notStrictEqual(auth.accepted(lease), Effect.void, "after a rejection, the next acceptance counts")
      }))

    it.scoped("AuthHttpClient: 100 late rejections of generation 1 cause one renewal, with equal session values", () =>
      Effect.gen(function*() {
        let logins = 0
        const auth = yield* SessionEngine.make<Same>({
          provider: "same",
          acquire: Effect.sync(() => (logins += 1, "static-token"))
        })
        let generationOneAnswers = 100
        let sent = 0
        const held: Array<() => void> = []
        const client = AuthHttpClient.make(
          HttpClient.make((request) =>
            Effect.async<HttpClientResponse.HttpClientResponse>((resume) => {
              sent += 1
              // The first 100 requests (signed with generation 1) are answered 401 when the test releases them.
              const status = generationOneAnswers > 0 ? (generationOneAnswers -= 1, 401) : 200
              const answer = () =>
                resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response("{}", { status }))))
              if (status === 401) held.push(answer)
              else answer()
            })
          ),
          {
            auth,
            sign: (request, session) => HttpClientRequest.setHeader(request, "x-token", session),
            classify: (response) =>
              response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void
          }
        )
        const calls = yield* Effect.fork(Effect.all(
          Array.from({ length: 100 }, () => Effect.either(client.get("http://fake.test/data"))),
          { concurrency: "unbounded" }
        ))
        const until = (condition: () => boolean) =>
          Effect.gen(function*() {
            for (let i = 0; i < 10_000 && !condition(); i++) yield* Effect.yieldNow()
            assert.isTrue(condition())
          })
        // One rejection first: generation 2 is obtained and its replay accepted; then the 99 late rejections of
        // generation 1 arrive, naming a session equal to generation 2's.
        yield* until(() => held.length === 100)
        held[0]!()
        yield* until(() => sent === 101)
        for (const release of held.slice(1)) release()
        const outcomes = yield* Fiber.join(calls)
        assert.isTrue(outcomes.every(Either.isRight), "every call replayed once and accepted")
        assert.strictEqual(logins, 2, "one renewal for 100 rejections of generation 1")
        assert.strictEqual(sent, 200)
        assert.strictEqual((yield* auth.lease).generation, 2)
      }))

    it.scoped("withSession invalidates by generation and reports the accepted call", () =>
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
        const failed = yield* Effect.either(Authenticated.withSession(auth, use))
        assert.isTrue(isRejectedAfterReauth(failed))
        assert.strictEqual(logins, 2)
        // Floored: no login.
        assert.isTrue(isRejectedAfterReauth(yield* Effect.either(Authenticated.withSession(auth, use))))
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
    it.scoped("a login answering 503: 4 login attempts per call (the login's own retries), not 16", () =>
      Effect.gen(function*() {
        const { call, server } = yield* setup()
        server.state.login = { status: 503, headers: {} }
        const fiber = yield* Effect.fork(call)
        yield* TestClock.adjust(Duration.minutes(1))
        const outcome = yield* Fiber.join(fiber)
        assert.isTrue(Either.isLeft(outcome) && outcome.left instanceof TransportError)
        assert.strictEqual(server.state.logins, 4, "the login policy's 1 + 3 attempts; the request adds none")
        assert.strictEqual(server.state.calls, 0)
      }))

    it.scoped("logins keep failing: from the second failed login on, callers get the failure at once", () =>
      Effect.gen(function*() {
        const { auth, server } = yield* setup({ retry: false })
        server.state.login = { status: 503, headers: {} }
        const attempts: Array<number> = []
        // A caller every 100 ms for a minute.
        for (let i = 0; i < 600; i++) {
          const outcome = yield* Effect.either(auth.session)
          assert.isTrue(Either.isLeft(outcome) && outcome.left instanceof TransportError)
          attempts.push(server.state.logins)
          yield* TestClock.adjust(Duration.millis(100))
        }
        // 0, 0.1 (second failure: floor 1 s), 1.1 (2 s), 3.1 (4 s), 7.1, 15.1, 31.1 (32 s): 7 in the first minute.
        assert.isAtMost(server.state.logins, 7)
        const afterOneMinute = server.state.logins
        for (let i = 0; i < 600; i++) {
          yield* Effect.either(auth.session)
          yield* TestClock.adjust(Duration.seconds(1))
        }
        assert.isAtMost(server.state.logins - afterOneMinute, 11, "then at most one a minute")
        server.state.login = { status: 200, headers: {} }
        yield* TestClock.adjust(Duration.minutes(1))
        assert.isTrue(Either.isRight(yield* Effect.either(auth.session)), "recovers once the floor has passed")
        assert.isUndefined((yield* auth.state).floorUntil)
      }))

    it.scoped("a login's Retry-After lengthens the floor (up to a minute)", () =>
      Effect.gen(function*() {
        const { auth, server } = yield* setup({ retry: false })
        server.state.login = { status: 503, headers: { "retry-after": "30" } }
        yield* Effect.either(auth.session)
        const state = yield* auth.state
        assert.strictEqual(state.floorReason, "failing")
        assert.strictEqual(state.floorUntil, (yield* TestClock.currentTimeMillis) + 30_000)
        yield* TestClock.adjust(Duration.seconds(29))
        yield* Effect.either(auth.session)
        assert.strictEqual(server.state.logins, 1)
        yield* TestClock.adjust(Duration.seconds(1))
        yield* Effect.either(auth.session)
        assert.strictEqual(server.state.logins, 2)
        server.state.login = { status: 503, headers: { "retry-after": "999999999999" } }
        yield* TestClock.adjust(Duration.minutes(1))
        yield* Effect.either(auth.session)
        const capped = yield* auth.state
        assert.strictEqual(capped.floorUntil, (yield* TestClock.currentTimeMillis) + 60_000, "capped at a minute")
      }))

    it.effect("a login policy given the user's own schedule honours Retry-After too, and stops past a minute", () =>
      Effect.gen(function*() {
        let attempts = 0
        const failing = (retryAfterMillis: number) =>
          Effect.suspend(() => {
            attempts += 1
            return Effect.fail(new TransportError({ provider: "floored", reason: "ServerError", retryAfterMillis }))
          })
        const fiber = yield* Effect.fork(
          Effect.either(failing(5_000).pipe(Policy.retryTransient(Schedule.recurs(3).pipe(Schedule.asVoid))))
        )
        yield* TestClock.adjust(Duration.millis(14_999))
        assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)), "three waits of at least 5 s each")
        yield* TestClock.adjust(Duration.millis(1))
        yield* Fiber.join(fiber)
        assert.strictEqual(attempts, 4)
        attempts = 0
        yield* Effect.either(failing(61_000).pipe(Policy.retryTransient(Schedule.recurs(3).pipe(Schedule.asVoid))))
        assert.strictEqual(attempts, 1, "a wait longer than a minute ends the retries")
        // A schedule that already honours Retry-After keeps its own bound when wrapped again.
        attempts = 0
        const patient = Policy.transientSchedule({ times: 1, maxRetryAfter: Duration.minutes(5) })
        const slow = yield* Effect.fork(Effect.either(failing(120_000).pipe(Policy.retryTransient(patient))))
        yield* TestClock.adjust(Duration.minutes(2))
        yield* Fiber.join(slow)
        assert.strictEqual(attempts, 2)
      }))

    const retryAfterValues: ReadonlyArray<readonly [string, string, number | undefined]> = [
      ["delay-seconds", "5", 5_000],
      ["zero", "0", 0],
      ["fractional", "1.5", 1_500],
      ["huge", "9".repeat(30), 86_400_000],
      ["overflow", "9".repeat(400), 86_400_000],
      ["exponent overflow", "1e400", undefined],
      ["negative", "-5", undefined],
      ["garbage", "soon, please", undefined],
      ["empty", "", undefined],
      ["multiple values", "5, 10", 10_000],
      ["HTTP date in the past", "Wed, 31 Dec 2025 00:00:00 GMT", 0],
      ["HTTP date 30 s ahead", "Thu, 01 Jan 2026 00:00:30 GMT", 30_000],
      ["HTTP date far ahead", "Fri, 01 Jan 2100 00:00:00 GMT", 86_400_000],
      ["RFC 850 date", "Thursday, 01-Jan-26 00:00:10 GMT", 10_000],
      ["asctime date", "Thu Jan  1 00:00:20 2026", 20_000],
      ["a date and a number", "Thu, 01 Jan 2026 00:00:30 GMT, 5", 30_000],
      ["an ISO date (not HTTP)", "2026-01-01T00:00:10Z", undefined],
      ["an impossible date", "Thu, 32 Jan 2026 00:00:00 GMT", undefined]
    ]
    const jan2026 = Date.UTC(2026, 0, 1)

    for (const [name, value, expected] of retryAfterValues) {
      it(`Retry-After, ${name}: ${expected === undefined ? "ignored" : `${expected} ms`}`, () => {
        assert.strictEqual(AuthHttpClient.parseRetryAfter(value, jan2026), expected)
      })
    }

    it.scoped("every Retry-After class gives a bounded wait on the login path and on the API path", () =>
      Effect.gen(function*() {
        for (const [name, value] of retryAfterValues) {
          yield* TestClock.setTime(jan2026)
          // Login path: a login answering 503 with that Retry-After, retried by the provider's policy.
          const { auth, server } = yield* setup()
          server.state.login = { status: 503, headers: { "retry-after": value } }
          const login = yield* Effect.fork(Effect.either(auth.session))
          // API path: an API call answering 503 with it, retried by the client's schedule.
          const api = makeServer()
          const apiAuth = yield* SessionEngine.make<Floored>({
            provider: "floored",
            acquire: Effect.succeed({ token: Redacted.make(SECRET) })
          })
          const client = AuthHttpClient.make(
            HttpClient.make((request) =>
              Effect.sync(() => {
                api.state.calls += 1
                return HttpClientResponse.fromWeb(
                  request,
                  new Response("busy", { status: 503, headers: { "retry-after": value } })
                )
              })
            ),
            { auth: apiAuth, sign: (request) => request }
          )
          const call = yield* Effect.fork(Effect.either(client.get("http://fake.test/data")))
          // Every wait is over within 4 × 60 s (the retries stop when the server asks for longer than a minute).
          yield* TestClock.adjust(Duration.minutes(4))
          const [loginOutcome, apiOutcome] = [yield* Fiber.join(login), yield* Fiber.join(call)]
          for (const outcome of [loginOutcome, apiOutcome] as Array<Either.Either<unknown, unknown>>) {
            assert.isTrue(Either.isLeft(outcome) && outcome.left instanceof TransportError, name)
            const retryAfter = Either.isLeft(outcome) ? (outcome.left as TransportError).retryAfterMillis : -1
            assert.isTrue(
              retryAfter === undefined || (Number.isFinite(retryAfter) && retryAfter >= 0),
              `${name}: ${retryAfter}`
            )
          }
          assert.isAtMost(server.state.logins, 4, name)
          assert.isAtMost(api.state.calls, 4, name)
        }
      }))
  })

  describe("log lines (issue 27)", () => {
    it.scoped("logins at Debug, rejections and floors at Info/Warning, annotated, never a secret", () =>
      Effect.gen(function*() {
        const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
        const logger = Logger.make(({ annotations, logLevel, message }) =>
          void lines.push({
            level: logLevel.label,
            message: String(message),
            annotations: Object.fromEntries(HashMap.toEntries(annotations))
          })
        )
        yield* Effect.gen(function*() {
          const { call } = yield* setup({ account: "ops@example" })
          yield* call
        }).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
        const acquired = lines.filter((l) => l.message.includes("acquired"))
        assert.strictEqual(acquired.length, 2)
        assert.isTrue(acquired.every((l) => l.level === "DEBUG"))
        assert.deepStrictEqual(
          [acquired[0]!.annotations["authfx.provider"], acquired[0]!.annotations["authfx.account"]],
          ["floored", "ops@example"]
        )
        assert.deepStrictEqual(acquired.map((l) => l.annotations["authfx.generation"]), [1, 2])
        const rejected = lines.find((l) => l.message.includes("rejected by the provider"))
        assert.strictEqual(rejected?.level, "INFO")
        const floor = lines.find((l) => l.message.includes("keep being rejected"))
        assert.strictEqual(floor?.level, "WARN")
        assert.strictEqual(floor?.annotations["authfx.floor.reason"], "rejected")
        assert.notInclude(JSON.stringify(lines), SECRET)
      }))
  })
})
