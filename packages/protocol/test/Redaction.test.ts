import { assert, describe, it } from "vitest"
import * as Redaction from "../src/Redaction.js"

const SECRET = "sentinel-secret-value-0xdeadbeef"

describe("Redaction.urlParams", () => {
  it("replaces secret parameters of the URL and of the params sent beside it, in any case; keeps the others", () => {
    assert.strictEqual(
      Redaction.urlParams(`https://x.example/api/list?jsToken=${SECRET}&dir=%2F`, [["JSTOKEN", SECRET], ["n", "1"]], [
        "jstoken"
      ]),
      "https://x.example/api/list?jsToken=<redacted>&dir=%2F&JSTOKEN=<redacted>&n=1"
    )
  })

  it("drops user info and the fragment; a URL that does not parse keeps what precedes its query", () => {
    assert.strictEqual(Redaction.urlParams(`https://u:${SECRET}@x.example/p#${SECRET}`, [], []), "https://x.example/p")
    assert.strictEqual(Redaction.urlParams(`/rel?token=${SECRET}`, [], ["token"]), "/rel")
    assert.strictEqual(Redaction.urlParams(`/rel#${SECRET}`, [["token", SECRET]], ["token"]), "/rel?token=<redacted>")
  })

  it("takes a prebuilt Names as well as a list", () => {
    const secret = Redaction.names(["Token"])
    assert.strictEqual(Redaction.urlParams("https://x/p?token=1", [], secret), "https://x/p?token=<redacted>")
  })
})

describe("Redaction.pairs and names", () => {
  it("matches names without regard to case and returns the same array when nothing is secret", () => {
    const secret = Redaction.names(["Authorization", "jsToken"])
    assert.isTrue(secret.has("authorization") && secret.has("JSTOKEN"))
    assert.isFalse(secret.has("cookie"))
    const clean: ReadonlyArray<readonly [string, string]> = [["a", "1"]]
    assert.strictEqual(Redaction.pairs(clean, secret), clean)
    assert.deepStrictEqual(Redaction.pairs([["a", "1"], ["JsToken", SECRET]], secret), [["a", "1"], [
      "JsToken",
      "<redacted>"
    ]])
    assert.strictEqual(Redaction.pairs(clean, Redaction.names([])), clean)
  })
})

describe("Redaction.userInfo", () => {
  it("hides the user info of a connection URL and keeps host and database", () => {
    assert.strictEqual(Redaction.userInfo(`redis://user:${SECRET}@h:6379/2`), "redis://<redacted>@h:6379/2")
    assert.strictEqual(Redaction.userInfo(`rediss://:${SECRET}@h`), "rediss://<redacted>@h")
    assert.strictEqual(Redaction.userInfo("redis://h:6379"), "redis://h:6379")
  })
})

describe("Redaction.missingNames", () => {
  it("lists the names neither a name (any case) nor a pattern of the current list covers, lowercased", () => {
    assert.deepStrictEqual(
      Redaction.missingNames(["authorization", /^x-api-/i], ["Authorization", "X-Api-Key", "X-Token", "Cookie"]),
      ["x-token", "cookie"]
    )
    assert.deepStrictEqual(Redaction.missingNames([], []), [])
  })
})
