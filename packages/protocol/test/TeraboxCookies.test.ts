import { assert, describe, it } from "vitest"
import * as TeraboxCookies from "../src/TeraboxCookies.js"

describe("TeraboxCookies", () => {
  it("a bare value is ndus; a Cookie header gives its pairs trimmed, values with = kept whole", () => {
    assert.deepStrictEqual(TeraboxCookies.parse("  Yabc-123  "), [["ndus", "Yabc-123"]])
    assert.deepStrictEqual(TeraboxCookies.parse("lang=en; ndus=Y1=2;  csrfToken = t ;=orphan; flag"), [
      ["lang", "en"],
      ["ndus", "Y1=2"],
      ["csrfToken", "t"]
    ])
    assert.deepStrictEqual(TeraboxCookies.parse(""), [["ndus", ""]])
  })

  it("header joins the pairs as a browser sends them", () => {
    assert.strictEqual(TeraboxCookies.header([["ndus", "Y"], ["lang", "en"]]), "ndus=Y; lang=en")
    assert.strictEqual(TeraboxCookies.header(TeraboxCookies.parse("a=1;b=2")), "a=1; b=2")
    assert.strictEqual(TeraboxCookies.header([]), "")
  })
})
