import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import * as AuthError from "../src/AuthError.js"

const SECRET = "sentinel-secret-value-0xdeadbeef"

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
      assert.strictEqual(Effect.runSync(Effect.flip(error as Effect.Effect<never, AuthError.AuthError>)), error)
    }
    assert.strictEqual(errors[0]!.message, "nandbox rejected the credentials (InvalidToken) (code 100099)")
    assert.strictEqual(errors[2]!.message, "gunbot: GUNBOT_WALLET is invalid")
    assert.isTrue(AuthError.isTransient(errors[5]))
    assert.isFalse(AuthError.isTransient(errors[0]))
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
    const result = Schema.decodeUnknownEither(Body)({ token: 42, user: { id: SECRET }, extra: SECRET })
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      const error = AuthError.fromParseError({ provider: "test", error: result.left, request: "POST http://x/login" })
      const dump = [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 })].join("\n")
      assert.notInclude(dump, SECRET)
      assert.include(error.message, ".token: expected string, got number")
      assert.strictEqual(error.reason, "Decode")
    }
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
})
