import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as TestClock from "effect/testing/TestClock"
import { SessionRejected } from "../src/Authenticated.js"
import { CredentialsRejected, TransportError } from "../src/AuthError.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as AuthResponse from "../src/AuthResponse.js"
import * as Policy from "../src/Policy.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"

// The HTTP parts of the v3 line's floors.test.ts: a floor seen through AuthHttpClient, and its retry budget.

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
            ? new Response(`${SECRET}-${state.logins}`, { status: 200 })
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
const setup = (options: Partial<SessionEngine.Options<Floored>> = {}) =>
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
    const auth = yield* SessionEngine.make<Floored>({
      provider: "floored",
      acquire: once.pipe(Policy.retryTransient()),
      ...options
    })
    const client = AuthHttpClient.make(server.http, {
      auth,
      sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
      classify: (response) => response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void
    })
    const call = Effect.result(client.get("http://fake.test/data"))
    return { server, auth, client, call }
  })

const isRejectedAfterReauth = (e: Result.Result<unknown, unknown>) =>
  Result.isFailure(e) && e.failure instanceof CredentialsRejected && e.failure.reason === "RejectedAfterReauth"

describe("AuthHttpClient and the engine's floors", () => {
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

  it.effect("a login answering 503: 4 login attempts per call (the login's own retries), not 16", () =>
    Effect.gen(function*() {
      const { call, server } = yield* setup()
      server.state.login = { status: 503, headers: {} }
      const fiber = yield* Effect.forkChild(call)
      yield* TestClock.adjust(Duration.minutes(1))
      const outcome = yield* Fiber.join(fiber)
      assert.isTrue(Result.isFailure(outcome) && outcome.failure instanceof TransportError)
      assert.strictEqual(server.state.logins, 4, "the login policy's 1 + 3 attempts; the request adds none")
      assert.strictEqual(server.state.calls, 0)
    }))

  it.effect("an API answer's Retry-After past a minute ends the retries at once with the wait in the error", () =>
    Effect.gen(function*() {
      const { auth } = yield* setup()
      let calls = 0
      const answers = HttpClient.make((request) =>
        Effect.sync(() => {
          calls += 1
          return HttpClientResponse.fromWeb(
            request,
            new Response(null, { status: 503, headers: { "retry-after": "3600" } })
          )
        })
      )
      const slow = AuthHttpClient.make(answers, {
        auth,
        sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token))
      })
      const error = yield* Effect.flip(slow.get("http://fake.test/data"))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" ? error.retryAfterMillis : 0, 3_600_000)
      assert.strictEqual(calls, 1, "no retry: the server asked for longer than maxRetryAfter")
    }))
})
