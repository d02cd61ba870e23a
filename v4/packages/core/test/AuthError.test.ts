import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import * as AuthError from "../src/AuthError.js"

const SECRET = "sentinel-secret-value-0xdeadbeef"

const dumpOf = (error: unknown) =>
  [String(error), JSON.stringify(error), inspect(error, { depth: 10 })].join("\n") +
  (error instanceof Error ? error.message : "")

describe("AuthError", () => {
  it("every error is yieldable, tagged and has a readable message", () => {
    const errors: ReadonlyArray<AuthError.AuthError> = [
      new AuthError.CredentialsRejected({ provider: "nandbox", reason: "InvalidToken", code: 100099 }),
      new AuthError.CredentialsMissing({ provider: "whatsgate", reason: "NotSent", status: 403 }),
      new AuthError.ConfigurationError({ provider: "gunbot", reason: "Invalid", key: "GUNBOT_WALLET" }),
      new AuthError.SessionExpired({ provider: "nabi", reason: "RefreshTokenExpired" }),
      new AuthError.ProfileMismatch({ provider: "nabi", reason: "NotOwner", address: "0:abc", profile: "p1" }),
      new AuthError.TransportError({ provider: "gunbot", reason: "ServerError", status: 503 }),
      new AuthError.ProtocolError({ provider: "terabox", reason: "MissingToken" })
    ]
    for (const error of errors) {
      assert.isTrue(AuthError.isAuthError(error))
      assert.instanceOf(error, Error)
      assert.match(error.message, new RegExp(`^${error.provider}`))
      // Yieldable: `yield* error` fails with it.
      const failed = Effect.gen(function*() {
        return yield* error
      })
      assert.strictEqual(Effect.runSync(Effect.flip(failed)), error)
    }
    assert.strictEqual(errors[0]!.message, "nandbox rejected the credentials (InvalidToken) (code 100099)")
    assert.strictEqual(errors[2]!.message, "gunbot: GUNBOT_WALLET is invalid")
    assert.isTrue(AuthError.isTransient(errors[5]))
    assert.isFalse(AuthError.isTransient(errors[0]))
  })

  it("the same tags and reasons as the effect 3 line; a reason outside the family is refused", () => {
    assert.deepStrictEqual(
      [
        AuthError.CredentialsRejected,
        AuthError.CredentialsMissing,
        AuthError.ConfigurationError,
        AuthError.SessionExpired,
        AuthError.ProfileMismatch,
        AuthError.TransportError,
        AuthError.ProtocolError
      ].map((error) => error.fields.reason.literals),
      [
        ["InvalidToken", "WrongPassword", "BadSignature", "CookieExpired", "RejectedAfterReauth", "Unknown"],
        ["NotConfigured", "Empty", "NotSent"],
        ["Invalid", "Missing"],
        ["RefreshFailed", "RefreshTokenExpired", "Expired"],
        ["NotOwner"],
        ["Network", "Timeout", "ServerError", "RateLimited", "Closed"],
        ["Decode", "UnexpectedStatus", "UnexpectedFrame", "MissingToken", "UnusableSession", "TooLarge", "Unencodable"]
      ]
    )
    assert.throws(() => new AuthError.SessionExpired({ provider: "x", reason: "Whatever" as "Expired" }))
  })

  it("catchTag matches each error by its tag", () => {
    const program = Effect.fail(
      new AuthError.ProfileMismatch({
        provider: "nabi",
        reason: "NotOwner",
        address: "0:abc",
        profile: "p1"
      })
    ).pipe(
      Effect.catchTag("ProfileMismatch", (e) => Effect.succeed(e.profile))
    )
    assert.strictEqual(Effect.runSync(program), "p1")
  })

  it("a decode failure keeps where the data was wrong, never the data", () => {
    const Body = Schema.Struct({ token: Schema.String, user: Schema.Struct({ id: Schema.Number }) })
    const input = { token: 42, user: { id: SECRET }, extra: SECRET }
    // effect 4 carries the input on an issue only with `reportInput`: then the summary names its kind, never it.
    for (const reportInput of [false, true]) {
      const result = Schema.decodeUnknownResult(Body)(input, { errors: "all", reportInput })
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) {
        const error = AuthError.fromParseError({
          provider: "test",
          error: result.failure,
          request: "POST http://x/login"
        })
        assert.notInclude(dumpOf(error), SECRET)
        const got = (kind: string) => reportInput ? `, got ${kind}` : ""
        assert.include(error.message, `.token: expected string${got("number")}`)
        assert.include(error.message, `.user.id: expected number${got("string")}`)
        assert.strictEqual(error.reason, "Decode")
      }
    }
    const notJson = AuthError.fromParseError({ provider: "test", error: new SyntaxError(`Unexpected ${SECRET}`) })
    assert.strictEqual(notJson.description, "the answer is not valid JSON")
  })

  it("request descriptions drop query strings, fragments and user info", () => {
    assert.strictEqual(
      AuthError.describeRequest({
        method: "GET",
        url: `https://user:${SECRET}@example.com/api/list?jsToken=${SECRET}#x`
      }),
      "GET https://example.com/api/list"
    )
    assert.strictEqual(AuthError.describeRequest({ method: "GET", url: `/relative?t=${SECRET}` }), "GET /relative")
  })

  it("effect 4's HttpClientError (one error, a reason) maps to the family without the URL's secrets", () => {
    const request = HttpClientRequest.get(`https://api.example.com/v1/list?token=${SECRET}`)
    const refused = new HttpClientError.HttpClientError({
      reason: new HttpClientError.TransportError({
        request,
        cause: Object.assign(new Error(`connect ECONNREFUSED ${SECRET}`), { code: "ECONNREFUSED" })
      })
    })
    const network = AuthError.fromRequestError("p", refused)
    assert.deepStrictEqual([network._tag, network.reason, network.request], [
      "TransportError",
      "Network",
      "GET https://api.example.com/v1/list"
    ])
    assert.notInclude(dumpOf(network), SECRET)
    assert.strictEqual(AuthError.fromResponseError("p", refused)._tag, "TransportError")

    const respond = (status: number) => HttpClientResponse.fromWeb(request, new Response(SECRET, { status }))
    const statusError = (status: number) =>
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.StatusCodeError({ request, response: respond(status) })
      })
    const mapped = [503, 429, 408, 404].map((status) => AuthError.fromResponseError("p", statusError(status)))
    assert.deepStrictEqual(mapped.map((e) => [e._tag, e.reason, e.status]), [
      ["TransportError", "ServerError", 503],
      ["TransportError", "RateLimited", 429],
      ["TransportError", "Timeout", 408],
      ["ProtocolError", "UnexpectedStatus", 404]
    ])
    const unreadable = AuthError.fromResponseError(
      "p",
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.DecodeError({ request, response: respond(200), cause: new SyntaxError(SECRET) })
      })
    )
    assert.deepStrictEqual([unreadable._tag, unreadable.reason, unreadable.status], ["ProtocolError", "Decode", 200])
    for (const error of [...mapped, unreadable]) assert.notInclude(dumpOf(error), SECRET)
  })
})
