import { createCipheriv } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as GunbotPassword from "../src/GunbotPassword.js"
import { fuzz } from "./utils/fuzz.js"

/** Node's own cipher, as the Gunbot docs' Node.js helper uses it. */
const reference = (password: string, wallet: string) => {
  const key = Buffer.from(wallet, "utf8").subarray(0, 16)
  const cipher = createCipheriv("aes-128-cbc", key, key)
  return "ENC:" + Buffer.concat([cipher.update(password, "utf8"), cipher.final()]).toString("base64")
}

const encrypt = (password: string, wallet: string) =>
  GunbotPassword.encryptWithKey(password, GunbotPassword.walletKey(wallet)!)

describe("GunbotPassword", () => {
  it("matches the documented test vector", async () => {
    assert.strictEqual(
      await encrypt("hunter2-long-password!", "0123456789abcdefXX"),
      "ENC:AGJJSTs7qs1sZ7bV55UlBBd2MIGj2/Wh5t8iXTRXLCw="
    )
  })

  it("matches node's createCipheriv byte for byte", async () => {
    const cases: Array<[string, string]> = [["p@ss wörd ✓", "wallet-key-0123456789"], ["x", "ééééééééé"]]
    fuzz(100, (random) => {
      const password = random.string(48) || "p"
      const wallet = random.string(24).padEnd(16, "w")
      cases.push([password, wallet])
    })
    for (const [password, wallet] of cases) {
      assert.strictEqual(await encrypt(password, wallet), reference(password, wallet))
    }
  })

  it("a wallet key is its first 16 UTF-8 bytes; a shorter one has none", () => {
    assert.deepStrictEqual(
      Array.from(GunbotPassword.walletKey("0123456789abcdefXX")!),
      Array.from(Buffer.from("0123456789abcdef"))
    )
    assert.strictEqual(GunbotPassword.walletKey("ééééééééé")!.length, 16)
    assert.isUndefined(GunbotPassword.walletKey("0123456789abcde"))
    assert.isUndefined(GunbotPassword.walletKey(""))
  })

  it("tells an ENC: password from a plain one", () => {
    assert.isTrue(GunbotPassword.isEncrypted("ENC:abc="))
    assert.isFalse(GunbotPassword.isEncrypted("enc:abc="))
    assert.isFalse(GunbotPassword.isEncrypted("secret"))
  })
})
