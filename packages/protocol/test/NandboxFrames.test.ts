import { assert, describe, it } from "vitest"
import * as NandboxFrames from "../src/NandboxFrames.js"
import { fuzz } from "./utils/fuzz.js"

describe("NandboxFrames", () => {
  it("writes TOKEN_AUTH with the token and rem, and PING", () => {
    assert.deepStrictEqual(JSON.parse(NandboxFrames.tokenAuth("1:0:s\"x")), {
      method: "TOKEN_AUTH",
      token: "1:0:s\"x",
      rem: true
    })
    assert.deepStrictEqual(JSON.parse(NandboxFrames.ping), { method: "PING" })
  })

  it("classifies a frame: not JSON, not an object, or an object with its method and exact long ids", () => {
    assert.deepStrictEqual(NandboxFrames.classify("{"), { _tag: "NotJson" })
    for (const text of ["[]", "null", "5", "\"s\""]) {
      assert.deepStrictEqual(NandboxFrames.classify(text), { _tag: "NotObject" }, text)
    }
    const read = NandboxFrames.classify("{\"method\":\"TOKEN_AUTH_OK\",\"ID\":90091784056528981}")
    assert.strictEqual(read._tag, "Frame")
    if (read._tag === "Frame") {
      assert.strictEqual(read.method, "TOKEN_AUTH_OK")
      assert.deepStrictEqual(NandboxFrames.tokenAuthOk(read.frame), {
        method: "TOKEN_AUTH_OK",
        ID: "90091784056528981",
        name: "",
        reference: undefined,
        date: undefined
      })
    }
    fuzz(1_000, (random) => {
      assert.include(["NotJson", "NotObject", "Frame"], NandboxFrames.classify(random.string(30))._tag)
    })
  })

  it("tokenAuthOk refuses what is not well formed", () => {
    for (
      const frame of [{}, { ID: 1.5 }, { ID: true }, { ID: 1, name: 2 }, { ID: 1, reference: "r" }, {
        ID: "1",
        date: "d"
      }]
    ) assert.isUndefined(NandboxFrames.tokenAuthOk(frame), JSON.stringify(frame))
    assert.deepStrictEqual(NandboxFrames.tokenAuthOk({ ID: 7, name: "bot", reference: 3, date: 4 }), {
      method: "TOKEN_AUTH_OK",
      ID: 7,
      name: "bot",
      reference: 3,
      date: 4
    })
  })

  it("isRevokedToken, methodOf", () => {
    assert.isTrue(NandboxFrames.isRevokedToken(100099) && NandboxFrames.isRevokedToken("100099"))
    for (const code of [100098, "100099 ", null, undefined, [100099]]) {
      assert.isFalse(NandboxFrames.isRevokedToken(code))
    }
    assert.strictEqual(NandboxFrames.methodOf({ method: "sendMessage", text: "secret" }), "sendMessage")
    for (const frame of [null, 5, {}, { method: 1 }]) assert.strictEqual(NandboxFrames.methodOf(frame), "(no method)")
  })

  it("utf8Exceeds counts UTF-8 bytes: 1, 2, 3 and 4 per code point", () => {
    assert.isFalse(NandboxFrames.utf8Exceeds("a".repeat(10), 10))
    assert.isTrue(NandboxFrames.utf8Exceeds("a".repeat(11), 10))
    assert.isFalse(NandboxFrames.utf8Exceeds("é".repeat(5), 10))
    assert.isTrue(NandboxFrames.utf8Exceeds("é".repeat(5) + "a", 10))
    assert.isFalse(NandboxFrames.utf8Exceeds("✓✓✓a", 10))
    assert.isTrue(NandboxFrames.utf8Exceeds("😀😀a", 8))
    assert.isFalse(NandboxFrames.utf8Exceeds("😀😀", 8))
    fuzz(500, (random) => {
      const text = random.string(20)
      const limit = random.int(40)
      assert.strictEqual(NandboxFrames.utf8Exceeds(text, limit), new TextEncoder().encode(text).length > limit, text)
    })
  })

  it("isToken and botIdOf: the documented <bot id>:<digits>:<secret> shape, and its bot id", () => {
    assert.isTrue(NandboxFrames.isToken("9009123:0:abc"))
    for (const bad of ["", "abc", "x9:0:s", "9:0:", "9::s", "9:0:a b", ":0:s"]) {
      assert.isFalse(NandboxFrames.isToken(bad), bad)
    }
    assert.strictEqual(NandboxFrames.botIdOf("9009123:0:abc"), "9009123")
    assert.strictEqual(NandboxFrames.botIdOf("9009123"), "9009123")
    assert.isUndefined(NandboxFrames.botIdOf("bot:0:abc"))
    assert.isUndefined(NandboxFrames.botIdOf(""))
  })

  it("binarySize: an ArrayBuffer's, a view's and a Blob's bytes; 0 for what is not binary", () => {
    assert.strictEqual(NandboxFrames.binarySize(new ArrayBuffer(7)), 7)
    assert.strictEqual(NandboxFrames.binarySize(new Uint8Array(5)), 5)
    assert.strictEqual(NandboxFrames.binarySize(new Blob(["abcd"])), 4)
    assert.strictEqual(NandboxFrames.binarySize(undefined), 0)
    assert.strictEqual(NandboxFrames.binarySize({ byteLength: 9 }), 0)
  })
})
