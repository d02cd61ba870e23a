import { assert, describe, it } from "vitest"
import * as Jwt from "../src/Jwt.js"
import { fuzz } from "./utils/fuzz.js"

const base64Url = (text: string) => Buffer.from(text, "utf8").toString("base64url")
const jwt = (payload: unknown) =>
  [base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" })), base64Url(JSON.stringify(payload)), "c2lnbmF0dXJl"].join(
    "."
  )

describe("Jwt.claims", () => {
  it("reads exp, iat, nbf and sub and keeps the other claims", () => {
    const claims = Jwt.claims(jwt({ exp: 1_700_000_100, iat: 1_700_000_000, nbf: 1, sub: "u1", address: "0:ab" }))
    assert.deepStrictEqual(claims, { exp: 1_700_000_100, iat: 1_700_000_000, nbf: 1, sub: "u1", address: "0:ab" })
    assert.strictEqual(Jwt.expiresAtMillis(claims!), 1_700_000_100_000)
    assert.strictEqual(Jwt.issuedAtMillis(claims!), 1_700_000_000_000)
    assert.strictEqual(Jwt.expiresAtMillis({}), undefined)
    assert.strictEqual(Jwt.issuedAtMillis({}), undefined)
  })

  it("decodes a UTF-8 payload, padded or not", () => {
    const payload = base64Url(JSON.stringify({ sub: "zoë ✓" }))
    assert.strictEqual(Jwt.claims(`h.${payload}.s`)?.sub, "zoë ✓")
    const padded = payload + "=".repeat((4 - (payload.length % 4)) % 4)
    assert.strictEqual(Jwt.claims(`h.${padded}.s`)?.sub, "zoë ✓")
  })

  it("refuses what is not a JWT with JSON object claims of the registered types", () => {
    for (
      const token of [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.c",
        `h.${base64Url("[1]")}.s`,
        `h.${base64Url("null")}.s`,
        `h.${base64Url("42")}.s`,
        `h.${base64Url("{not json")}.s`,
        `h.${base64Url(JSON.stringify({ exp: "soon" }))}.s`,
        `h.${base64Url(JSON.stringify({ iat: null }))}.s`,
        `h.${base64Url(JSON.stringify({ nbf: [] }))}.s`,
        `h.${base64Url(JSON.stringify({ sub: 7 }))}.s`,
        `h.${base64Url(JSON.stringify({ exp: 1 }))}x.s`, // length 1 modulo 4
        `h.${base64Url(JSON.stringify({ exp: 1 })).slice(0, 8)}+/.s` // standard base64 characters
      ]
    ) {
      assert.isUndefined(Jwt.claims(token), token)
    }
  })

  it("never throws on arbitrary input", () => {
    fuzz(2000, (random) => {
      const s = random.string(40)
      Jwt.claims(s)
      Jwt.claims(`${s}.${s}.${s}`)
      Jwt.claims(`h.${base64Url(s)}.s`)
    })
  })
})
