import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Base64Url from "effect/encoding/Base64Url"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Jwt from "../src/Jwt.js"

const jwt = (claims: object) =>
  [
    Base64Url.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })),
    Base64Url.encode(JSON.stringify(claims)),
    "c2lnbmF0dXJl"
  ].join(".")

describe("Jwt", () => {
  it("reads exp, iat and sub without verifying", () => {
    const claims = Option.getOrThrow(Jwt.claimsOption(jwt({ exp: 1_700_000_100, iat: 1_700_000_000, sub: "u1" })))
    assert.strictEqual(Jwt.expiresAtMillis(claims), 1_700_000_100_000)
    assert.strictEqual(Jwt.issuedAtMillis(claims), 1_700_000_000_000)
    assert.strictEqual(claims.sub, "u1")
  })

  it("accepts a Redacted token and keeps unknown claims", () => {
    const claims = Option.getOrThrow(Jwt.claimsOption(Redacted.make(jwt({ address: "0:ab" }))))
    assert.strictEqual(claims["address"], "0:ab")
    assert.strictEqual(Jwt.expiresAtMillis(claims), undefined)
  })

  it("what it reads, the Claims schema accepts", () => {
    const claims = Option.getOrThrow(Jwt.claimsOption(jwt({ exp: 1, nbf: 2, sub: "u", extra: [1, { a: null }] })))
    assert.deepStrictEqual(Schema.decodeUnknownSync(Jwt.Claims)(claims), claims)
  })

  it.effect("anything else is a ProtocolError that does not contain the token", () =>
    Effect.gen(function*() {
      for (const token of ["", "abc", "a.b.c", `x.${Base64Url.encode("[1]")}.y`, jwt({ exp: "soon" })]) {
        const error = yield* Effect.flip(Jwt.decode(token, "gunbot"))
        assert.strictEqual(error._tag, "ProtocolError")
        if (token.length > 3) assert.notInclude(error.message, token)
      }
    }))

  it.prop("never throws on arbitrary input", [Schema.String], ([s]) => {
    Jwt.claimsOption(s)
    Jwt.claimsOption(`${s}.${s}.${s}`)
  })
})
