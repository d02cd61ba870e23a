import { assert, describe, it } from "vitest"
import * as TonProof from "../src/TonProof.js"

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => parseInt(byte, 16)))
const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)))

/**
 * The ton_proof a real v4r2 wallet produced for ton-connect.github.io (the test vector nabi's TonConnect test
 * checks with @ton/core; published by the Rooch network's TON proof tests): the account of
 * `0:b1481ee8…0814`, and the public key its state_init holds. Checked here with the web platform only
 * (`crypto.subtle`'s SHA-256 and Ed25519), as a browser would.
 */
const vector = {
  account: { workchain: 0, hash: hex("b1481ee8620ebf33b7882fa749654176ef00c7e4cac95ed39f371d5775920814") },
  publicKey: hex("53381d0a562ab221add63d3aef51b549a295dbdfe2a07ba8ea6a8000d86d14e2"),
  timestamp: 1730363765,
  domain: "ton-connect.github.io",
  payload: "bc1q04uaa0mveqtt4y0sltuxtauhlyl8ctstr5x3hu",
  signature: "BvysFrBS8KgTa3bww9f5paEu6/jZr5jB1JmO6T8nqsLzJqB3hWHiqOG9OezPsiJX3kD9nifMbRhr1xkv37ICCw=="
}

const verifies = async (payload: string) => {
  const key = await crypto.subtle.importKey("raw", vector.publicKey, { name: "Ed25519" }, false, ["verify"])
  const digest = await sha256(TonProof.proofEnvelope(await sha256(TonProof.proofMessage({ ...vector, payload }))))
  const signature = Uint8Array.from(atob(vector.signature), (c) => c.charCodeAt(0))
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, digest)
}

describe("TonProof", () => {
  it("a real wallet's ton_proof verifies over proofEnvelope(sha256(proofMessage)); a changed payload does not", async () => {
    assert.isTrue(await verifies(vector.payload))
    assert.isFalse(await verifies(`${vector.payload}x`))
  })

  it("proofMessage: workchain big endian, domain length and timestamp little endian", () => {
    const message = TonProof.proofMessage({
      account: { workchain: -1, hash: new Uint8Array(32).fill(7) },
      domain: "é.io",
      timestamp: 0x0102030405,
      payload: "p"
    })
    const prefix = "ton-proof-item-v2/".length
    assert.deepStrictEqual([...message.slice(prefix, prefix + 4)], [0xff, 0xff, 0xff, 0xff])
    assert.deepStrictEqual([...message.slice(prefix + 36, prefix + 40)], [5, 0, 0, 0])
    assert.strictEqual(TonProof.domainLength("é.io"), 5)
    assert.deepStrictEqual([...message.slice(prefix + 45, prefix + 53)], [5, 4, 3, 2, 1, 0, 0, 0])
    assert.strictEqual(message.length, prefix + 53 + 1)
  })

  it("signDataText: every integer big endian, the text's UTF-8 length before it", () => {
    const bytes = TonProof.signDataText({
      account: { workchain: 0, hash: new Uint8Array(32) },
      domain: "a.io",
      timestamp: 258,
      text: "✓"
    })
    const at = 2 + "ton-connect/sign-data/".length + 36
    assert.deepStrictEqual([...bytes.slice(0, 2)], [0xff, 0xff])
    assert.deepStrictEqual([...bytes.slice(at, at + 4)], [0, 0, 0, 4])
    assert.deepStrictEqual([...bytes.slice(at + 8, at + 16)], [0, 0, 0, 0, 0, 0, 1, 2])
    assert.strictEqual(new TextDecoder().decode(bytes.slice(at + 16, at + 19)), "txt")
    assert.deepStrictEqual([...bytes.slice(at + 19, at + 23)], [0, 0, 0, 3])
    assert.strictEqual(bytes.length, at + 23 + 3)
  })
})
