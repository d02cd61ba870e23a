import { SecretScan } from "@authfx/testkit"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { SessionRejected } from "../src/Authenticated.js"
import type { AuthError } from "../src/AuthError.js"
import { CredentialsRejected, ProtocolError } from "../src/AuthError.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"
import { makeTokenServer } from "./utils/tokenServer.js"

const PASSWORD = SecretScan.sentinel("password")
const TOKEN_PREFIX = SecretScan.sentinel("token")

interface Session {
  readonly token: Redacted.Redacted<string>
}
interface Bearer extends Provider.Provider<"bearer", Session, AuthError> {}

/** Polls a condition with short real waits: for I/O to happen, never for a timer. */
const ioUntil = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2_000 && !condition(); i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    assert.isTrue(condition(), "condition reached")
  })

const setup = (options?: Partial<AuthHttpClient.Options<Bearer>>) =>
  Effect.gen(function*() {
    const server = yield* makeTokenServer({ password: PASSWORD, tokenPrefix: TOKEN_PREFIX })
    const http = yield* HttpClient.HttpClient
    const acquire = HttpClientRequest.post(`${server.url}/login`).pipe(
      HttpClientRequest.bodyUnsafeJson({ password: PASSWORD }),
      http.execute,
      Effect.flatMap(HttpClientResponse.schemaBodyJson(Schema.Struct({ token: Schema.String }))),
      Effect.map(({ token }) => ({ token: Redacted.make(token) })),
      Effect.mapError((cause) => new ProtocolError({ provider: "bearer", reason: "Decode", description: cause._tag }))
    )
    const auth = yield* SessionEngine.make<Bearer>({ provider: "bearer", acquire })
    const client = AuthHttpClient.make(http, {
      auth,
      sign: (request, session) => HttpClientRequest.bearerToken(request, session.token),
      classify: (response) => response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void,
      ...options
    })
    const get = client.get(`${server.url}/data`).pipe(
      Effect.flatMap((response) =>
        response.status === 200
          ? Effect.succeed(response.status)
          : Effect.fail(new ProtocolError({ provider: "bearer", reason: "UnexpectedStatus", status: response.status }))
      )
    )
    return { server, auth, client, get }
  })

const NodeClient = NodeHttpClient.layerUndici

describe("AuthHttpClient", () => {
  it.scoped("signs requests from the session and logs in once", () =>
    Effect.gen(function*() {
      const { get, server } = yield* setup()
      assert.strictEqual(yield* get, 200)
      assert.strictEqual(yield* get, 200)
      assert.strictEqual(server.counters.logins, 1)
      assert.strictEqual(server.counters.requests, 2)
    }).pipe(Effect.provide(NodeClient)))

  it.live("1,000 concurrent requests with a revoked session: one re-acquisition, 1,000 successes", () =>
    Effect.scoped(
      Effect.gen(function*() {
        const { get, server } = yield* setup()
        yield* get
        server.revokeAll()
        const results = yield* Effect.all(Array.from({ length: 1000 }, () => Effect.either(get)), {
          concurrency: "unbounded"
        })
        assert.strictEqual(results.filter((r) => r._tag === "Right").length, 1000)
        assert.strictEqual(server.counters.logins, 2)
      })
    ).pipe(Effect.provide(NodeClient)), 60_000)

  it.scoped("a request rejected twice is a typed error after exactly two sends", () =>
    Effect.gen(function*() {
      const { get, server } = yield* setup()
      server.rejectAll(true)
      const error = yield* Effect.flip(get)
      assert.instanceOf(error, CredentialsRejected)
      assert.strictEqual((error as CredentialsRejected).reason, "RejectedAfterReauth")
      assert.strictEqual(server.counters.requests, 2)
      assert.strictEqual(server.counters.logins, 2)
    }).pipe(Effect.provide(NodeClient)))

  it.scoped("503 then 200: success after the schedule's delay", () =>
    Effect.gen(function*() {
      const { get, server } = yield* setup()
      server.failNext({ status: 503 })
      const fiber = yield* Effect.fork(get)
      yield* ioUntil(() => server.counters.requests === 1)
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust(Duration.seconds(1))
      yield* ioUntil(() => fiber.unsafePoll() !== null)
      assert.strictEqual(yield* Fiber.join(fiber), 200)
      assert.strictEqual(server.counters.requests, 2)
    }).pipe(Effect.provide(NodeClient)))

  it.scoped("Retry-After: 2 is honoured", () =>
    Effect.gen(function*() {
      const { get, server } = yield* setup()
      server.failNext({ status: 429, retryAfter: "2" })
      const fiber = yield* Effect.fork(get)
      yield* ioUntil(() => server.counters.requests === 1)
      yield* TestClock.adjust(Duration.millis(1_999))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(server.counters.requests, 1)
      yield* TestClock.adjust(Duration.millis(1))
      yield* ioUntil(() => fiber.unsafePoll() !== null)
      assert.strictEqual(yield* Fiber.join(fiber), 200)
      assert.strictEqual(server.counters.requests, 2)
    }).pipe(Effect.provide(NodeClient)))

  it.scoped("a dropped connection is a TransportError after the schedule", () =>
    Effect.gen(function*() {
      const { get, server } = yield* setup({ retry: undefined })
      yield* get
      server.cutNext(100)
      const fiber = yield* Effect.fork(Effect.flip(get))
      yield* ioUntil(() => server.counters.requests === 2)
      assert.isNull(fiber.unsafePoll(), "waiting for the schedule, not failed at once")
      // Each retry waits on the (test) clock, then on real I/O: move time until it ends.
      for (let i = 0; i < 500 && fiber.unsafePoll() === null; i++) {
        yield* TestClock.adjust(Duration.seconds(10))
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
      }
      yield* ioUntil(() => fiber.unsafePoll() !== null)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TransportError")
      // The first request and three retries: bounded.
      assert.strictEqual(server.counters.requests, 5)
    }).pipe(Effect.provide(NodeClient)))

  it.scoped("connection refused is a TransportError", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ retry: false })
      const error = yield* Effect.flip(client.get("http://127.0.0.1:1/data"))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") {
        assert.strictEqual(error.reason, "Network")
        assert.strictEqual(error.request, "GET http://127.0.0.1:1/data")
      }
    }).pipe(Effect.provide(NodeClient)))

  it.scoped("secrets appear in no span, log, event, error or header dump", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const values: Array<unknown> = []
      yield* Effect.gen(function*() {
        const { auth, client, get, server } = yield* setup()
        const events = yield* auth.events.pipe(Stream.runCollect, Effect.fork)
        yield* get
        server.revokeAll()
        yield* get
        server.rejectAll(true)
        values.push(yield* Effect.flip(get))
        server.rejectAll(false)
        // Two fresh sessions were rejected in a row: no login until the engine's floor (2 s) has passed.
        values.push(yield* Effect.flip(auth.session))
        yield* TestClock.adjust("2 seconds")
        const session = yield* auth.session
        // Platform requests and responses are redacted when logged from a fiber
        // with the secret header names registered.
        const signed = HttpClientRequest.get(`${server.url}/data`).pipe(HttpClientRequest.bearerToken(session.token))
        yield* Effect.logDebug("signed request", signed)
        yield* Effect.logDebug(
          "request",
          HttpClientRequest.get("/x").pipe(HttpClientRequest.setHeader("Access-Token", PASSWORD))
        )
        yield* Effect.logDebug("response", yield* client.get(`${server.url}/data`))
        values.push(session)
        yield* Fiber.interrupt(events).pipe(Effect.zipRight(Effect.sync(() => values.push(events))))
      }).pipe(Effect.provide(Layer.merge(capture.layer, AuthHttpClient.layerRedactedHeaders())))
      assert.isAbove(capture.spans.length, 3)
      assert.isTrue(capture.spans.some((s) => s.name === "bearer.acquire"))
      assert.isTrue(capture.spans.some((s) => s.name === "bearer.replay"))
      assert.isTrue(capture.logs.length > 0)
      assert.isTrue(capture.logs.some((line) => line.includes("access-token") || line.includes("Access-Token")))
      yield* SecretScan.assertClean([PASSWORD, TOKEN_PREFIX], { capture, values })
    }).pipe(Effect.provide(NodeClient)))

  it.scoped("secret query parameters are redacted from spans", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      yield* Effect.gen(function*() {
        const { auth, server } = yield* setup()
        const client = AuthHttpClient.make(yield* HttpClient.HttpClient, {
          auth,
          sign: (request, session) =>
            request.pipe(
              HttpClientRequest.bearerToken(session.token),
              HttpClientRequest.appendUrlParam("jsToken", Redacted.value(session.token))
            ),
          secretUrlParams: ["jsToken"]
        })
        const response = yield* client.get(`${server.url}/data`, { urlParams: { dir: "/docs" } })
        assert.strictEqual(response.status, 200)
      }).pipe(Effect.provide(capture.layer))
      const span = capture.spans.find((s) => s.name === "bearer.request")
      assert.isDefined(span)
      assert.match(String(span!.attributes.get("url.full")), /\/data\?dir=%2Fdocs&jsToken=<redacted>$/)
      // The platform's span of the signed request (its URL holds the token) is replaced; the login's own is not.
      assert.isFalse(capture.spans.some((s) => s.name.startsWith("http.client GET")))
      yield* SecretScan.assertClean([TOKEN_PREFIX], { capture })
    }).pipe(Effect.provide(NodeClient)))

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0)
    assert.strictEqual(AuthHttpClient.parseRetryAfter("2", now), 2_000)
    assert.strictEqual(AuthHttpClient.parseRetryAfter(new Date(now + 5_000).toUTCString(), now), 5_000)
    assert.strictEqual(AuthHttpClient.parseRetryAfter("soon", now), undefined)
    assert.strictEqual(AuthHttpClient.parseRetryAfter(undefined, now), undefined)
  })
})
