import { assert, describe, it } from "vitest"
import * as NandboxIds from "../src/NandboxIds.js"
import { fuzz } from "./utils/fuzz.js"

describe("NandboxIds", () => {
  it("long integers are quoted outside strings only; safe numbers and strings are untouched", () => {
    assert.strictEqual(
      NandboxIds.quoteLongIntegers(
        "{\"ID\":90091784056528981,\"n\":12,\"t\":\"id 90091784056528981\",\"f\":1.5e3,\"a\":[-90091784056528981]}"
      ),
      "{\"ID\":\"90091784056528981\",\"n\":12,\"t\":\"id 90091784056528981\",\"f\":1.5e3,\"a\":[\"-90091784056528981\"]}"
    )
    assert.strictEqual(
      NandboxIds.quoteLongIntegers("{\"s\":\"a\\\"90091784056528981\"}"),
      "{\"s\":\"a\\\"90091784056528981\"}"
    )
    // 16 digits that a double holds exactly stay numbers; a float with many digits is not an identifier.
    assert.strictEqual(
      NandboxIds.quoteLongIntegers("[1000000000000000,1.0000000000000001]"),
      "[1000000000000000,1.0000000000000001]"
    )
  })

  it("parseFrame keeps identifiers above 2^53 exact", () => {
    const frame = NandboxIds.parseFrame("{\"method\":\"TOKEN_AUTH_OK\",\"ID\":90091784056528981,\"n\":3}")
    assert.deepStrictEqual(frame, { method: "TOKEN_AUTH_OK", ID: "90091784056528981", n: 3 })
  })

  it("what JSON.parse accepts, parseFrame accepts with the same value for every safe number", () => {
    fuzz(500, (random) => {
      const value = {
        a: random.int(2 ** 31),
        s: random.string(20),
        list: [random.int(1000), -random.int(1000), random.string(5)]
      }
      const text = JSON.stringify(value)
      assert.deepStrictEqual(NandboxIds.parseFrame(text), value)
    })
  })
})
