import { assert, describe, it } from "vitest"
import * as RecordCipher from "../src/RecordCipher.js"

const key = async (text?: string) => {
  const imported = await RecordCipher.importKey(text ?? RecordCipher.generateKey())
  if (RecordCipher.isProblem(imported)) throw new Error(imported.problem)
  return imported
}

describe("RecordCipher", () => {
  it("seals to a2. + base64(IV, ciphertext, tag), a fresh IV each time, and opens with the same key and data", async () => {
    const k = await key()
    const a = await RecordCipher.seal(k, "session", "authfx/2\u0000p/a\u0000a")
    const b = await RecordCipher.seal(k, "session", "authfx/2\u0000p/a\u0000a")
    assert.isString(a)
    assert.match(a as string, /^a2\.[A-Za-z0-9+/]+=*$/)
    assert.notStrictEqual(a, b)
    assert.strictEqual(atob((a as string).slice(3)).length, 12 + "session".length + 16)
    assert.strictEqual(await RecordCipher.open(k, a as string, "authfx/2\u0000p/a\u0000a"), "session")
  })

  it("another key, other additional data, a tampered or unsealed record: a problem, never a rejection", async () => {
    const k = await key()
    const sealed = (await RecordCipher.seal(k, "session", "x")) as string
    assert.deepStrictEqual(await RecordCipher.open(await key(), sealed, "x"), {
      problem: "the record was sealed under another key, for another record, or altered"
    })
    assert.isTrue(RecordCipher.isProblem(await RecordCipher.open(k, sealed, "y")))
    const bytes = Uint8Array.from(atob(sealed.slice(3)), (c) => c.charCodeAt(0))
    bytes[20] = bytes[20]! ^ 1
    assert.isTrue(RecordCipher.isProblem(await RecordCipher.open(k, `a2.${btoa(String.fromCharCode(...bytes))}`, "x")))
    assert.deepStrictEqual(await RecordCipher.open(k, "{\"v\":2}", "x"), { problem: "the record is not sealed" })
    assert.deepStrictEqual(await RecordCipher.open(k, "a2.AAAA", "x"), { problem: "the record is malformed" })
    assert.deepStrictEqual(await RecordCipher.open(k, "a2.@@@@", "x"), { problem: "the record is malformed" })
  })

  it("keys: 32 bytes or their base64; anything else is a problem naming only the length", async () => {
    assert.deepStrictEqual(await RecordCipher.importKey(btoa("short")), { problem: "the key has 5 bytes, not 32" })
    assert.deepStrictEqual(await RecordCipher.importKey("not base64!"), { problem: "the key is not base64" })
    assert.isFalse(RecordCipher.isProblem(await RecordCipher.importKey(new Uint8Array(32))))
    assert.strictEqual(atob(RecordCipher.generateKey()).length, 32)
  })
})
