import { assert, describe, it } from "vitest"
import * as JsonBody from "../src/JsonBody.js"

const problem = (value: unknown): string => {
  const encoded = JsonBody.encode(value)
  assert.strictEqual(encoded._tag, "Unencodable")
  return encoded._tag === "Unencodable" ? encoded.problem : ""
}

describe("JsonBody.encode", () => {
  it("encodes what JSON can, repeated (not cyclic) objects included", () => {
    const shared = { n: 1 }
    assert.deepStrictEqual(JsonBody.encode({ a: shared, b: [shared, shared], s: "x" }), {
      _tag: "Text",
      text: "{\"a\":{\"n\":1},\"b\":[{\"n\":1},{\"n\":1}],\"s\":\"x\"}"
    })
    assert.deepStrictEqual(JsonBody.encode(null), { _tag: "Text", text: "null" })
  })

  it("names a bigint by its path, never its value", () => {
    const text = problem({ order: { amounts: [1, 12345678901234567890n] } })
    assert.include(text, "order.amounts.1")
    assert.include(text, "bigint")
    assert.notInclude(text, "12345678901234567890")
    assert.include(problem(5n), "the body")
  })

  it("names a cycle where it closes", () => {
    const a: Record<string, unknown> = { x: { y: {} } }
    ;(a.x as Record<string, Record<string, unknown>>).y.back = a
    assert.include(problem(a), "cyclic value at x.y.back")
  })

  it("a throwing toJSON is a problem naming the error's kind only", () => {
    const text = problem({
      v: {
        toJSON: () => {
          throw new TypeError("secret-inside")
        }
      }
    })
    assert.include(text, "TypeError")
    assert.notInclude(text, "secret-inside")
  })

  it("a top-level value with no JSON form is Unencodable", () => {
    assert.strictEqual(problem(undefined), "the body has no JSON form")
    assert.strictEqual(problem(() => 1), "the body has no JSON form")
  })
})
