import * as TonProof from "@authfx/protocol/TonProof"
import { Address, Cell, contractAddress, loadStateInit } from "@ton/core"
import { signVerify } from "@ton/crypto"
import { createHash } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as TonConnect from "../src/TonConnect.js"

/**
 * A ton_proof a real v4r2 wallet produced for ton-connect.github.io, published as a test vector by an open-source
 * verifier (the Rooch network's TON proof tests). It checks the byte layout against a wallet app's, not against
 * another reading of the specification: the byte order of the domain length and the timestamp (little endian), which
 * the specification has stated since March 2025, is what a wallet app actually signs.
 */
const vector = {
  address: "0:b1481ee8620ebf33b7882fa749654176ef00c7e4cac95ed39f371d5775920814",
  timestamp: 1730363765,
  domain: "ton-connect.github.io",
  payload: "bc1q04uaa0mveqtt4y0sltuxtauhlyl8ctstr5x3hu",
  signature: "BvysFrBS8KgTa3bww9f5paEu6/jZr5jB1JmO6T8nqsLzJqB3hWHiqOG9OezPsiJX3kD9nifMbRhr1xkv37ICCw==",
  stateInit:
    "te6cckECFgEAAwQAAgE0ARUBFP8A9KQT9LzyyAsCAgEgAxACAUgEBwLm0AHQ0wMhcbCSXwTgItdJwSCSXwTgAtMfIYIQcGx1Z70ighBkc3" +
    "RyvbCSXwXgA/pAMCD6RAHIygfL/8nQ7UTQgQFA1yH0BDBcgQEI9ApvoTGzkl8H4AXTP8glghBwbHVnupI4MOMNA4IQZHN0crqSXwbjDQUGAHgB" +
    "+gD0BDD4J28iMFAKoSG+8uBQghBwbHVngx6xcIAYUATLBSbPFlj6Ahn0AMtpF8sfUmDLPyDJgED7AAYAilAEgQEI9Fkw7UTQgQFA1yDIAc8W9A" +
    "DJ7VQBcrCOI4IQZHN0coMesXCAGFAFywVQA88WI/oCE8tqyx/LP8mAQPsAkl8D4gIBIAgPAgEgCQ4CAVgKCwA9sp37UTQgQFA1yH0BDACyMoHy" +
    "//J0AGBAQj0Cm+hMYAIBIAwNABmtznaiaEAga5Drhf/AABmvHfaiaEAQa5DrhY/AABG4yX7UTQ1wsfgAWb0kK29qJoQICga5D6AhhHDUCAhHpJ" +
    "N9KZEM5pA+n/mDeBKAG3gQFImHFZ8xhAT48oMI1xgg0x/TH9MfAvgju/Jk7UTQ0x/TH9P/9ATRUUO68qFRUbryogX5AVQQZPkQ8qP4ACSkyMsf" +
    "UkDLH1Iwy/9SEPQAye1U+A8B0wchwACfbFGTINdKltMH1AL7AOgw4CHAAeMAIcAC4wABwAORMOMNA6TIyx8Syx/L/xESExQAbtIH+gDU1CL5AA" +
    "XIygcVy//J0Hd0gBjIywXLAiLPFlAF+gIUy2sSzMzJc/sAyEAUgQEI9FHypwIAcIEBCNcY+gDTP8hUIEeBAQj0UfKnghBub3RlcHSAGMjLBcsC" +
    "UAbPFlAE+gIUy2oSyx/LP8lz+wACAGyBAQjXGPoA0z8wUiSBAQj0WfKnghBkc3RycHSAGMjLBcsCUAXPFlAD+gITy2rLHxLLP8lz+wAACvQAye" +
    "1UAFEAAAAAKamjF1M4HQpWKrIhrdY9Ou9RtUmildvf4qB7qOpqgADYbRTiQD9nbsU="
}

describe("TON Connect byte layouts", () => {
  it("a real wallet's ton_proof verifies over TonConnect.tonProofDigest; a changed payload does not", () => {
    const init = loadStateInit(Cell.fromBase64(vector.stateInit).beginParse())
    // The address is the hash of the state_init, and the v4r2 data holds seqno, wallet id 698983191, the key.
    assert.isTrue(contractAddress(0, init).equals(Address.parse(vector.address)))
    const data = init.data!.beginParse()
    assert.deepStrictEqual([data.loadUint(32), data.loadUint(32)], [0, 698983191])
    const publicKey = data.loadBuffer(32)
    const signature = Buffer.from(vector.signature, "base64")
    const digest = TonConnect.tonProofDigest(vector)
    assert.isTrue(signVerify(Buffer.from(digest), signature, publicKey))
    const otherPayload = TonConnect.tonProofDigest({ ...vector, payload: `${vector.payload}x` })
    assert.isFalse(signVerify(Buffer.from(otherPayload), signature, publicKey))
  })

  it("the friendly form of the address gives the same digest as the raw form", () => {
    const friendly = Address.parse(vector.address).toString({ bounceable: false })
    assert.notStrictEqual(friendly, vector.address)
    assert.deepStrictEqual(
      TonConnect.tonProofDigest({ ...vector, address: friendly }),
      TonConnect.tonProofDigest(vector)
    )
  })

  it("signDataTextDigest is SHA-256 of TonProof.signDataText over the parsed account", () => {
    const input = { address: vector.address, domain: "a.io", timestamp: 1730363765, text: "nonce ✓" }
    const account = { workchain: 0, hash: Buffer.from(vector.address.slice(2), "hex") }
    const expected = createHash("sha256").update(TonProof.signDataText({ ...input, account })).digest()
    assert.deepStrictEqual(Buffer.from(TonConnect.signDataTextDigest(input)), expected)
    assert.notDeepEqual(
      Buffer.from(TonConnect.signDataTextDigest({ ...input, text: "other" })),
      expected
    )
  })

  it("an address that does not parse is a TypeError, not a value", () => {
    assert.throws(() => TonConnect.tonProofDigest({ ...vector, address: "0:zz" }), TypeError)
    assert.throws(() => TonConnect.signDataTextDigest({ ...vector, text: "t", address: "" }), TypeError)
  })

  it("domainLength counts UTF-8 bytes", () => {
    assert.strictEqual(TonConnect.domainLength("ton-connect.github.io"), 21)
    assert.strictEqual(TonConnect.domainLength("é.io"), 5)
  })
})
