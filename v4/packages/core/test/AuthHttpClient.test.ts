import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { gzipSync } from "node:zlib"
import { SessionRejected } from "../src/Authenticated.js"
import { type AuthError, ProtocolError, TransportError } from "../src/AuthError.js"
import * as AuthHttpClient from "../src/AuthHttpClient.js"
import * as AuthResponse from "../src/AuthResponse.js"
import type * as Provider from "../src/Provider.js"
import * as SessionEngine from "../src/SessionEngine.js"
import { capturingTracer } from "./utils/harness.js"

const TOKEN = "tok-SENTINEL-4f1c"

interface Session {
  readonly token: Redacted.Redacted<string>
}
interface Bearer extends Provider.Provider<"bearer", Session, AuthError> {}

/**
 * A fake upstream without sockets: each call answers with the next of
 * `answers` (a status, or a status and headers), recording what it was sent.
 */
const fakeClient = (answer: (request: HttpClientRequest.HttpClientRequest, call: number) => Response) => {
  const sent: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      sent.push(request)
      return HttpClientResponse.fromWeb(request, answer(request, sent.length))
    })
  )
  return { client, sent }
}

const makeAuth = Effect.gen(function*() {
  let logins = 0
  const auth = yield* SessionEngine.make<Bearer>({
    provider: "bearer",
    acquire: Effect.sync(() => {
      logins += 1
      return { token: Redacted.make(`${TOKEN}-${logins}`) }
    })
  })
  return { auth, logins: () => logins }
})

const sign = (request: HttpClientRequest.HttpClientRequest, session: Session) =>
  HttpClientRequest.bearerToken(request, Redacted.value(session.token))

const classify = (response: HttpClientResponse.HttpClientResponse) =>
  response.status === 401 ? Effect.fail(new SessionRejected({ status: 401 })) : Effect.void

const authorization = (request: HttpClientRequest.HttpClientRequest) => request.headers["authorization"]

describe("AuthHttpClient (effect 4)", () => {
  it.effect("signs requests from the session and logs in once", () =>
    Effect.gen(function*() {
      const { auth, logins } = yield* makeAuth
      const fake = fakeClient(() => new Response("ok"))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const response = yield* client.get("http://upstream.test/data")
      assert.strictEqual(yield* response.text, "ok")
      yield* client.get("http://upstream.test/data")
      assert.strictEqual(logins(), 1)
      assert.strictEqual(authorization(fake.sent[0]!), `Bearer ${TOKEN}-1`)
    }))

  it.effect("a rejection invalidates the session that signed it and is replayed once with a new one", () =>
    Effect.gen(function*() {
      const { auth, logins } = yield* makeAuth
      const fake = fakeClient((_, call) => new Response(null, { status: call === 1 ? 401 : 200 }))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const response = yield* client.get("http://upstream.test/data")
      assert.strictEqual(response.status, 200)
      assert.strictEqual(logins(), 2)
      assert.deepStrictEqual(fake.sent.map(authorization), [`Bearer ${TOKEN}-1`, `Bearer ${TOKEN}-2`])
    }))

  it.effect("a request rejected twice is CredentialsRejected(RejectedAfterReauth) after exactly two sends", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response(null, { status: 401 }))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const error = yield* Effect.flip(client.get("http://upstream.test/data"))
      assert.strictEqual(error._tag, "CredentialsRejected")
      assert.strictEqual(error._tag === "CredentialsRejected" ? error.reason : "", "RejectedAfterReauth")
      assert.strictEqual(fake.sent.length, 2)
    }))

  it.effect("503 then 200: success after the schedule's delay, one login", () =>
    Effect.gen(function*() {
      const { auth, logins } = yield* makeAuth
      const fake = fakeClient((_, call) => new Response(null, { status: call === 1 ? 503 : 200 }))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const fiber = yield* Effect.forkChild(client.get("http://upstream.test/data"))
      yield* TestClock.adjust("10 seconds")
      const response = yield* Fiber.join(fiber)
      assert.strictEqual(response.status, 200)
      assert.strictEqual(fake.sent.length, 2)
      assert.strictEqual(logins(), 1)
    }))

  it.effect("Retry-After: 2 is honoured: no retry before two seconds have passed", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient((_, call) =>
        call === 1 ? new Response(null, { status: 429, headers: { "retry-after": "2" } }) : new Response("ok")
      )
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const fiber = yield* Effect.forkChild(client.get("http://upstream.test/data"))
      yield* TestClock.adjust("1900 millis")
      assert.strictEqual(fake.sent.length, 1)
      yield* TestClock.adjust("200 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).status, 200)
      assert.strictEqual(fake.sent.length, 2)
    }))

  it.effect("transient failures end as a typed TransportError with the status, after the retry budget", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response(null, { status: 503 }))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const fiber = yield* Effect.forkChild(Effect.flip(client.get("http://upstream.test/data")))
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" ? error.status : 0, 503)
      assert.strictEqual(fake.sent.length, 4)
    }))

  it.effect("a failed login is not retried by the request: its retry budget was the login's", () =>
    Effect.gen(function*() {
      let logins = 0
      const auth = yield* SessionEngine.make<Bearer>({
        provider: "bearer",
        acquire: Effect.suspend(() => {
          logins += 1
          return Effect.fail(new TransportError({ provider: "bearer", reason: "ServerError", status: 503 }))
        })
      })
      const fake = fakeClient(() => new Response("ok"))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const fiber = yield* Effect.forkChild(Effect.result(client.get("http://upstream.test/data")))
      yield* TestClock.adjust("60 seconds")
      const result = yield* Fiber.join(fiber)
      assert.isTrue(Result.isFailure(result))
      assert.strictEqual(logins, 1)
      assert.strictEqual(fake.sent.length, 0)
    }))

  it.effect("a network failure is a TransportError(Network) naming the request without its query", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const client = AuthHttpClient.make(
        HttpClient.make((request) =>
          Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({ request, description: "refused" })
            })
          )
        ),
        { auth, sign, classify, retry: false }
      )
      const error = yield* Effect.flip(client.get(`http://upstream.test/data?token=${TOKEN}`))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" ? error.request : "", "GET http://upstream.test/data")
      assert.notInclude(JSON.stringify(error), TOKEN)
      assert.notInclude(String(error), TOKEN)
    }))

  it.effect("a response and its request render without the credential; secret query parameters too", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response("ok"))
      const client = AuthHttpClient.make(fake.client, {
        auth,
        sign: (request, session) =>
          sign(request, session).pipe(HttpClientRequest.setUrlParam("jsToken", Redacted.value(session.token))),
        classify,
        secretUrlParams: ["jsToken"]
      })
      const response = yield* client.get("http://upstream.test/data")
      assert.include(fake.sent[0]!.urlParams.params.map(([, v]) => String(v)).join(","), TOKEN)
      for (
        const rendered of [inspect(response), String(response), JSON.stringify(response), inspect(response.request)]
      ) {
        assert.notInclude(rendered, TOKEN)
      }
      assert.strictEqual(authorization(response.request), "<redacted>")
    }))
})

/** A loopback server whose handler is chosen per test. */
const serve = (handler: (request: IncomingMessage, response: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.callback<{
      readonly url: string
      readonly seen: Array<IncomingMessage>
      readonly server: ReturnType<typeof createServer>
    }>((resume) => {
      const seen: Array<IncomingMessage> = []
      const server = createServer((request, response) => {
        seen.push(request)
        handler(request, response)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, seen, server }))
      })
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.server.closeAllConnections()
        server.server.close(() => resume(Effect.void))
      })
  )

describe("AuthHttpClient over fetch on a loopback socket", () => {
  it.live("a body over the bound is ProtocolError(TooLarge)", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "text/plain" })
        response.write("x".repeat(4096))
        response.end("y".repeat(4096))
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify, maxResponseBytes: 1024 })
      const error = yield* Effect.flip(client.get(`${server.url}/big`))
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(error._tag === "ProtocolError" ? error.reason : "", "TooLarge")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("a body that stalls after the headers ends with TransportError(Timeout) within the bound", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "text/plain" })
        response.write("partial")
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify, timeout: "200 millis", retry: false })
      const started = Date.now()
      const error = yield* Effect.flip(client.get(`${server.url}/stall`))
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(error._tag === "TransportError" ? error.reason : "", "Timeout")
      assert.isBelow(Date.now() - started, 2_000)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("a cross-origin redirect is not followed: the other origin sees no request and no credential", () =>
    Effect.gen(function*() {
      const other = yield* serve((_, response) => response.end("stolen"))
      const server = yield* serve((_, response) => {
        response.writeHead(302, { location: `${other.url}/steal` })
        response.end()
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify })
      const response = yield* client.get(`${server.url}/go`)
      assert.strictEqual(response.status, 302)
      assert.strictEqual(other.seen.length, 0)
      assert.include(String(server.seen[0]!.headers["authorization"]), TOKEN)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

interface Same extends Provider.Provider<"same", string, AuthError> {}

describe("AuthHttpClient: generations and retry budget (ported from floors.test.ts)", () => {
  it.effect("100 late rejections of generation 1 cause one renewal, with equal session values", () =>
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
          Effect.callback<HttpClientResponse.HttpClientResponse>((resume) => {
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
          classify
        }
      )
      const calls = yield* Effect.forkChild(Effect.all(
        Array.from({ length: 100 }, () => Effect.result(client.get("http://fake.test/data"))),
        { concurrency: "unbounded" }
      ))
      const until = (condition: () => boolean) =>
        Effect.gen(function*() {
          for (let i = 0; i < 10_000 && !condition(); i++) yield* Effect.yieldNow
          assert.isTrue(condition())
        })
      // One rejection first: generation 2 is obtained and its replay accepted; then the 99 late rejections of
      // generation 1 arrive, naming a session equal to generation 2's.
      yield* until(() => held.length === 100)
      held[0]!()
      yield* until(() => sent === 101)
      for (const release of held.slice(1)) release()
      const outcomes = yield* Fiber.join(calls)
      assert.isTrue(outcomes.every(Result.isSuccess), "every call replayed once and accepted")
      assert.strictEqual(logins, 2, "one renewal for 100 rejections of generation 1")
      assert.strictEqual(sent, 200)
      assert.strictEqual((yield* auth.lease).generation, 2)
    }))

  it.effect("1,000 concurrent requests with a revoked session: one re-acquisition, 1,000 successes", () =>
    Effect.gen(function*() {
      const { auth, logins } = yield* makeAuth
      const fake = fakeClient((request) =>
        new Response(null, { status: authorization(request) === `Bearer ${TOKEN}-1` ? 401 : 200 })
      )
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const outcomes = yield* Effect.all(
        Array.from({ length: 1000 }, () => Effect.result(client.get("http://upstream.test/data"))),
        { concurrency: "unbounded" }
      )
      assert.isTrue(outcomes.every(Result.isSuccess))
      assert.strictEqual(logins(), 2)
    }))

  it.effect("retry: false sends once; a user's schedule still honours Retry-After", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const once = fakeClient(() => new Response(null, { status: 503 }))
      const error = yield* Effect.flip(
        AuthHttpClient.make(once.client, { auth, sign, classify, retry: false }).get("http://upstream.test/data")
      )
      assert.strictEqual(error._tag, "TransportError")
      assert.strictEqual(once.sent.length, 1)
      const twice = fakeClient((_, call) =>
        call === 1 ? new Response(null, { status: 503, headers: { "retry-after": "5" } }) : new Response("ok")
      )
      const client = AuthHttpClient.make(twice.client, {
        auth,
        sign,
        classify,
        retry: Schedule.spaced("10 millis")
      })
      const fiber = yield* Effect.forkChild(client.get("http://upstream.test/data"))
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual(twice.sent.length, 1, "the 10 ms schedule waits for Retry-After: 5")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).status, 200)
    }))

  it.effect("a transient status keeps its Retry-After in the error; transientStatuses: false passes it on", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response(null, { status: 429, headers: { "retry-after": "7" } }))
      const error = yield* Effect.flip(
        AuthHttpClient.make(fake.client, { auth, sign, classify, retry: false }).get("http://upstream.test/data")
      )
      assert.strictEqual(error._tag === "TransportError" ? error.retryAfterMillis : 0, 7000)
      const passed = yield* AuthHttpClient.make(fake.client, { auth, sign, classify, transientStatuses: false })
        .get("http://upstream.test/data")
      assert.strictEqual(passed.status, 429)
    }))
  it.effect("an answer's Retry-After past a minute ends the retries at once, the wait in the error", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response(null, { status: 503, headers: { "retry-after": "3600" } }))
      const error = yield* Effect.flip(AuthHttpClient.make(fake.client, { auth, sign }).get("http://upstream.test/"))
      assert.strictEqual(error._tag === "TransportError" ? error.retryAfterMillis : 0, 3_600_000)
      assert.strictEqual(fake.sent.length, 1, "no retry: the server asked for longer than maxRetryAfter")
    }))
})

describe("AuthHttpClient.bounded", () => {
  it.effect("reads the body within the exchange and bounds it", () =>
    Effect.gen(function*() {
      const fake = fakeClient((_, call) => new Response(call === 1 ? "small" : "x".repeat(2048)))
      const client = AuthHttpClient.bounded(fake.client, { maxResponseBytes: 1024 })
      assert.strictEqual(yield* Effect.flatMap(client.get("http://login.test/"), (r) => r.text), "small")
      const error = yield* Effect.flip(client.get("http://login.test/"))
      const mapped = AuthResponse.fromHttpClientError("login", error)
      assert.strictEqual(mapped._tag, "ProtocolError")
      assert.strictEqual(mapped._tag === "ProtocolError" ? mapped.reason : "", "TooLarge")
    }))
})

describe("AuthHttpClient over fetch: hardening", () => {
  it.live("a gzip bomb that declares its compressed length is counted after decompression", () =>
    Effect.gen(function*() {
      const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024))
      const server = yield* serve((_, response) => {
        response.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": String(bomb.length)
        })
        response.end(bomb)
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify, maxResponseBytes: 1024 * 1024 })
      const error = yield* Effect.flip(client.get(`${server.url}/bomb`))
      assert.isBelow(bomb.length, 1024 * 1024)
      assert.strictEqual(error._tag === "ProtocolError" ? error.reason : error._tag, "TooLarge")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("the caller's own RequestInit is kept, and the caller's context is its own again afterwards", () =>
    Effect.gen(function*() {
      const server = yield* serve((request, response) => {
        response.writeHead(302, { location: "/elsewhere", "x-seen": String(request.headers["x-from-init"]) })
        response.end()
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify })
      const init = { headers: { "x-from-init": "kept" } }
      const response = yield* client.get(`${server.url}/start`).pipe(
        Effect.provideService(FetchHttpClient.RequestInit, init)
      )
      assert.strictEqual(response.status, 302)
      assert.strictEqual(response.headers["x-seen"], "kept")
      assert.strictEqual(server.seen.length, 1)
      const after = yield* Effect.serviceOption(FetchHttpClient.RequestInit)
      assert.strictEqual(after._tag, "None")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("the secret header names are redacted while the request runs, and only then", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const seen: Array<ReadonlyArray<string | RegExp>> = []
      const recording = HttpClient.make((request) =>
        Effect.withFiber((fiber) => {
          seen.push(fiber.getRef(Headers.CurrentRedactedNames))
          return Effect.succeed(HttpClientResponse.fromWeb(request, new Response("ok")))
        })
      )
      const client = AuthHttpClient.make(recording, {
        auth,
        sign: (request, session) => HttpClientRequest.setHeader(request, "Access-Token", Redacted.value(session.token))
      })
      yield* client.get("http://upstream.test/")
      assert.isTrue(seen[0]!.includes("access-token"))
      const names = yield* Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(Headers.CurrentRedactedNames)))
      assert.isFalse(names.includes("access-token"))
      const layered = yield* Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(Headers.CurrentRedactedNames)))
        .pipe(Effect.provide(AuthHttpClient.layerRedactedHeaders(["x-token"])))
      assert.isTrue(layered.includes("x-token"))
    }))
})

describe("AuthHttpClient: what a response carries", () => {
  it.effect("secret query parameters: the platform's span is off, the client's span records the URL redacted", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const { spans, tracer } = capturingTracer()
      const fake = fakeClient(() => new Response("ok"))
      const client = AuthHttpClient.make(fake.client, {
        auth,
        sign: (request, session) => HttpClientRequest.setUrlParam(request, "jsToken", Redacted.value(session.token)),
        secretUrlParams: ["jsToken"]
      })
      yield* client.get("http://upstream.test/list?dir=%2F").pipe(Effect.withTracer(tracer))
      const rendered = JSON.stringify(spans.map((span) => [span.name, [...span.attributes]]))
      assert.notInclude(rendered, TOKEN)
      const own = spans.find((span) => span.name === "bearer.request")
      assert.isDefined(own)
      assert.include(String(own!.attributes.get("url.full")), "jsToken=<redacted>")
      assert.include(String(own!.attributes.get("url.full")), "dir=%2F")
    }))

  it.effect("a response keeps every set-cookie, an empty body reads as empty text, a HEAD has no body", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient((request) => {
        const headers = new globalThis.Headers()
        headers.append("set-cookie", "a=1; Path=/")
        headers.append("set-cookie", "b=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT")
        return new Response(request.method === "HEAD" ? null : request.url.endsWith("/empty") ? null : "body", {
          headers
        })
      })
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const response = yield* client.get("http://upstream.test/data")
      assert.deepStrictEqual(Object.keys(response.cookies.cookies).sort(), ["a", "b"])
      assert.strictEqual(yield* response.text, "body")
      assert.strictEqual(yield* response.text, "body", "read again")
      assert.strictEqual(yield* Effect.flatMap(client.get("http://upstream.test/empty"), (r) => r.text), "")
      assert.strictEqual((yield* client.head("http://upstream.test/data")).status, 200)
    }))

  it.effect("a buffered response serves its body to every accessor; a decode error renders no credential", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient((request) =>
        request.url.endsWith("/form")
          ? new Response("a=1&b=two", {
            headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "9" }
          })
          : new Response("{not json", { headers: { "content-length": "9" } })
      )
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify })
      const form = yield* client.get("http://upstream.test/form")
      assert.deepStrictEqual((yield* form.urlParamsBody).params, [["a", "1"], ["b", "two"]])
      assert.strictEqual((yield* form.formData).get("b"), "two")
      assert.strictEqual(new TextDecoder().decode(yield* form.arrayBuffer), "a=1&b=two")
      const chunks = yield* Stream.runCollect(form.stream)
      assert.strictEqual(chunks.reduce((n, chunk) => n + chunk.byteLength, 0), 9)
      assert.strictEqual(yield* form.text, "a=1&b=two", "the body is still there after every other accessor")
      assert.strictEqual(form.status, 200)
      assert.strictEqual(form.url, "http://upstream.test/form")
      const bad = yield* client.get("http://upstream.test/bad")
      const error = yield* Effect.flip(bad.json)
      assert.strictEqual(error.reason._tag, "DecodeError")
      for (const text of [String(error), JSON.stringify(error), inspect(error, { depth: 10 })]) {
        assert.notInclude(text, TOKEN)
      }
      assert.isTrue(HttpIncomingMessage.isHttpIncomingMessage(bad))
    }))

  it.effect("a client that declares a shorter length than it sends is still bounded", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response("x".repeat(2048), { headers: { "content-length": "10" } }))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify, maxResponseBytes: 1024 })
      const error = yield* Effect.flip(client.get("http://upstream.test/data"))
      assert.strictEqual(error._tag === "ProtocolError" ? error.reason : error._tag, "TooLarge")
    }))

  it.effect("maxResponseBytes: Infinity streams the body as it comes, its request still redacted", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response("x".repeat(100_000)))
      const client = AuthHttpClient.make(fake.client, { auth, sign, classify, maxResponseBytes: Infinity })
      const response = yield* client.get("http://upstream.test/download")
      const chunks = yield* Stream.runCollect(response.stream)
      assert.strictEqual(chunks.reduce((n, chunk) => n + chunk.byteLength, 0), 100_000)
      assert.notInclude(inspect(response), TOKEN)
    }))

  it.effect("a classification failure that is not a rejection is final, sent once, not retried", () =>
    Effect.gen(function*() {
      const { auth } = yield* makeAuth
      const fake = fakeClient(() => new Response(null, { status: 403 }))
      const client = AuthHttpClient.make(fake.client, {
        auth,
        sign,
        classify: (response) =>
          response.status === 403
            ? Effect.fail(new ProtocolError({ provider: "bearer", reason: "UnexpectedStatus", status: 403 }))
            : Effect.void
      })
      const error = yield* Effect.flip(client.get("http://upstream.test/data"))
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(fake.sent.length, 1)
    }))
})

describe("AuthHttpClient over fetch: bounds and renderings (ported from the hardening tests)", () => {
  it.live("a server that never finishes its headers ends with TransportError(Timeout)", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {})
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify, timeout: "300 millis", retry: false })
      const error = yield* Effect.flip(client.get(`${server.url}/x`))
      assert.strictEqual(error._tag === "TransportError" ? error.reason : error._tag, "Timeout")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("a chunked body over the bound is ProtocolError(TooLarge) and the rest is not read", () =>
    Effect.gen(function*() {
      let written = 0
      const server = yield* serve((_, response) => {
        // Chunked, no length announced: the bound has to be counted while reading.
        response.writeHead(200, { "content-type": "application/octet-stream" })
        const chunk = Buffer.alloc(64 * 1024, 97)
        const pump = () => {
          while (written < 64 * 1024 * 1024) {
            written += chunk.length
            if (!response.write(chunk)) return void response.once("drain", pump)
          }
          response.end()
        }
        pump()
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify, maxResponseBytes: 1024 * 1024 })
      const error = yield* Effect.flip(client.get(`${server.url}/big`))
      assert.strictEqual(error._tag === "ProtocolError" ? error.reason : error._tag, "TooLarge")
      assert.isBelow(written, 32 * 1024 * 1024)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("a chunked body within the bound is read whole, its chunks in order", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "text/plain" })
        response.write("a".repeat(20_000))
        setTimeout(() => response.end("b".repeat(20_000)), 5)
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify, maxResponseBytes: 64 * 1024 })
      const response = yield* client.get(`${server.url}/chunked`)
      assert.isUndefined(response.headers["content-length"])
      assert.strictEqual(yield* response.text, "a".repeat(20_000) + "b".repeat(20_000))
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("a response and its request render without the credential in every way a user prints them", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{\"ok\":true}")
      })
      const { auth } = yield* makeAuth
      const http = yield* HttpClient.HttpClient
      const client = AuthHttpClient.make(http, { auth, sign, classify })
      const response = yield* client.get(`${server.url}/x`)
      assert.include(String(server.seen[0]!.headers["authorization"]), TOKEN)
      const logs: Array<string> = []
      const capture = Logger.make(({ message }) => void logs.push(inspect(message, { depth: 10 })))
      yield* Effect.log(response, response.request).pipe(Effect.provide(Logger.layer([capture])))
      const renderings = [
        String(response),
        JSON.stringify(response),
        inspect(response, { depth: 10 }),
        String(response.request),
        JSON.stringify(response.request),
        inspect(response.request, { depth: 10 }),
        ...logs
      ]
      assert.isAbove(logs.length, 0)
      for (const text of renderings) assert.notInclude(text, TOKEN)
      // Every accessor serves the body read within the exchange, as often as asked.
      assert.deepStrictEqual(yield* response.json, { ok: true })
      assert.strictEqual(yield* response.text, "{\"ok\":true}")
      assert.strictEqual((yield* response.arrayBuffer).byteLength, 11)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})
