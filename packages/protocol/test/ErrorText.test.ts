import { assert, describe, it } from "vitest"
import * as ErrorText from "../src/ErrorText.js"

const SECRET = "sentinel-secret-value-0xdeadbeef"

describe("ErrorText", () => {
  it("formats paths and kinds, never values", () => {
    assert.strictEqual(ErrorText.formatPath([]), "<root>")
    assert.strictEqual(ErrorText.formatPath(["user", 2, "id"]), ".user[2].id")
    assert.deepStrictEqual(
      [null, [], SECRET, 1, {}, undefined].map(ErrorText.kindOf),
      ["null", "array", "string", "number", "object", "undefined"]
    )
    assert.strictEqual(ErrorText.truncate("abcdef", 3), "abc…")
    assert.strictEqual(ErrorText.truncate("abc", 3), "abc")
  })

  it("a cause keeps its system code or name, never its message or fields", () => {
    const refused = Object.assign(new Error(`connect ECONNREFUSED ${SECRET}`), { code: "ECONNREFUSED", url: SECRET })
    assert.deepStrictEqual(ErrorText.safeCause(refused), { name: "ECONNREFUSED", message: "ECONNREFUSED" })
    assert.deepStrictEqual(ErrorText.safeCause(new TypeError(SECRET)), { name: "TypeError", message: "TypeError" })
    assert.deepStrictEqual(ErrorText.safeCause({ token: SECRET }), { name: "Error", message: "transport failure" })
    assert.isUndefined(ErrorText.safeCause(undefined))
    assert.isUndefined(ErrorText.safeCause(null))
  })
})
