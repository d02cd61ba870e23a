import { assert, describe, it } from "vitest"
import * as AuthErrorText from "../src/AuthErrorText.js"

describe("AuthErrorText", () => {
  it("builds each message from the fields, with description, status and code only when present", () => {
    assert.strictEqual(
      AuthErrorText.credentialsRejected({ provider: "nandbox", reason: "InvalidToken", code: 100099 }),
      "nandbox rejected the credentials (InvalidToken) (code 100099)"
    )
    assert.strictEqual(
      AuthErrorText.credentialsMissing({ provider: "terabox", reason: "Empty", description: "no ndus" }),
      "terabox: no credentials (Empty): no ndus"
    )
    assert.strictEqual(
      AuthErrorText.configurationError({ provider: "nabi", reason: "Missing", key: "NABI_KEY" }),
      "nabi: NABI_KEY is missing"
    )
    assert.strictEqual(
      AuthErrorText.configurationError({ provider: "nabi", reason: "Invalid", key: "NABI_URL", description: "x" }),
      "nabi: NABI_URL is invalid: x"
    )
    assert.strictEqual(
      AuthErrorText.sessionExpired({ provider: "gunbot", reason: "Expired", status: 401 }),
      "gunbot: the session expired and could not be renewed (Expired) (status 401)"
    )
    assert.strictEqual(
      AuthErrorText.profileMismatch({ provider: "nabi", reason: "NotOwner", address: "0:ab", profile: "p1" }),
      "nabi: 0:ab does not own profile p1"
    )
    assert.strictEqual(
      AuthErrorText.transportError({
        provider: "gunbot",
        reason: "ServerError",
        request: "POST https://g.example/api/v1/auth/login",
        status: 503,
        code: "E"
      }),
      "gunbot: transport failure (ServerError) on POST https://g.example/api/v1/auth/login (status 503, code E)"
    )
    assert.strictEqual(
      AuthErrorText.protocolError({ provider: "nandbox", reason: "Unencodable" }),
      "nandbox: cannot encode the request (Unencodable)"
    )
    assert.strictEqual(
      AuthErrorText.protocolError({
        provider: "terabox",
        reason: "Decode",
        request: "GET /api/list",
        description: "d"
      }),
      "terabox: unexpected answer (Decode) on GET /api/list: d"
    )
  })

  it("lists each error's reasons once", () => {
    for (const [tag, list] of Object.entries(AuthErrorText.reasons)) {
      assert.isAbove(list.length, 0, tag)
      assert.strictEqual(new Set(list).size, list.length, tag)
    }
    assert.includeMembers([...AuthErrorText.reasons.ProtocolError], ["TooLarge", "Decode", "Unencodable"])
  })
})
