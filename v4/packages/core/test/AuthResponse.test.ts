import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import * as AuthResponse from "../src/AuthResponse.js"

const SECRET = "sentinel-body-secret-51d2"
const request = HttpClientRequest.get(`https://api.example.test/v1/me?token=${SECRET}`)
const answer = (body: string | null, init?: ResponseInit) =>
  HttpClientResponse.fromWeb(request, new Response(body, init))

describe("AuthResponse", () => {
  it.effect("readJson: a body that is not JSON is ProtocolError(Decode), without the body or the query", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(AuthResponse.readJson("example", answer(`not json ${SECRET}`)))
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(error.reason, "Decode")
      assert.strictEqual(error._tag === "ProtocolError" ? error.request : "", "GET https://api.example.test/v1/me")
      assert.notInclude(error.message, SECRET)
      assert.notInclude(JSON.stringify(error), SECRET)
    }))

  it.effect("decodeJson: a body of the wrong shape names where, never the value", () =>
    Effect.gen(function*() {
      const schema = Schema.Struct({ token: Schema.String, expires: Schema.Number })
      const ok = yield* AuthResponse.decodeJson("example", schema, answer(`{"token":"t","expires":1}`))
      assert.deepStrictEqual(ok, { token: "t", expires: 1 })
      const error = yield* Effect.flip(
        AuthResponse.decodeJson("example", schema, answer(`{"token":"t","expires":"${SECRET}"}`, { status: 200 }))
      )
      assert.strictEqual(error.reason, "Decode")
      assert.include(error.message, "expires")
      assert.notInclude(error.message, SECRET)
      assert.strictEqual(error.status, 200)
    }))

  it.effect("transientAnswer: the status's reason and the server's Retry-After, as seconds or an HTTP date", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 11, 7, 12, 0, 0))
      const limited = yield* Effect.flip(
        AuthResponse.transientAnswer("example", answer(null, { status: 429, headers: { "retry-after": "3" } }))
      )
      assert.strictEqual(limited.reason, "RateLimited")
      assert.strictEqual(limited.retryAfterMillis, 3000)
      const dated = yield* Effect.flip(
        AuthResponse.transientAnswer(
          "example",
          answer(null, { status: 503, headers: { "retry-after": "Mon, 07 Dec 2026 12:00:10 GMT" } })
        )
      )
      assert.strictEqual(dated.reason, "ServerError")
      assert.strictEqual(dated.retryAfterMillis, 10_000)
      assert.isTrue(AuthResponse.isTransientStatus(408))
      assert.isFalse(AuthResponse.isTransientStatus(404))
    }))
})
