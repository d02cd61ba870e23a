import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { execFileSync } from "node:child_process"
import { createCipheriv } from "node:crypto"
import * as GunbotPassword from "../src/GunbotPassword.js"

/** Node's own cipher, as the Gunbot docs' Node.js helper uses it. */
const reference = (password: string, wallet: string) => {
  const key = Buffer.from(wallet, "utf8").subarray(0, 16)
  const cipher = createCipheriv("aes-128-cbc", key, key)
  return "ENC:" + Buffer.concat([cipher.update(password, "utf8"), cipher.final()]).toString("base64")
}

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"])
    return true
  } catch {
    return false
  }
})()

const encrypt = (password: string, wallet: string) =>
  GunbotPassword.encrypt(password, wallet).pipe(Effect.map(Redacted.value))

const between = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))

/**
 * Any string of code points (ASCII, the rest of the BMP with lone surrogates, astral planes): effect 4 has no
 * FastCheck (v3's test used `FastCheck.string({ unit: "binary" })`), so the code points are a Schema's arbitrary.
 */
const anyString = (minLength: number, maxLength: number) =>
  Arbitrary.schema(
    Schema.Array(Schema.Union([between(0x20, 0x7e), between(0, 0x10ffff)])).check(
      Schema.isMinLength(minLength),
      Schema.isMaxLength(maxLength)
    )
  ).pipe(Arbitrary.map((codePoints) => String.fromCodePoint(...codePoints)))

describe("GunbotPassword", () => {
  it.effect("matches the documented test vector", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* encrypt("hunter2-long-password!", "0123456789abcdefXX"),
        "ENC:AGJJSTs7qs1sZ7bV55UlBBd2MIGj2/Wh5t8iXTRXLCw="
      )
    }))

  it.effect.prop(
    "matches node's createCipheriv byte for byte for any UTF-8 password and wallet",
    [anyString(1, 64), anyString(16, 40)],
    ([password, wallet]) =>
      Effect.gen(function*() {
        if (password.startsWith("ENC:") || Buffer.byteLength(wallet) < 16) return
        assert.strictEqual(yield* encrypt(password, wallet), reference(password, wallet))
      }),
    { arbitrary: { runs: 200 } }
  )

  it.runIf(hasOpenssl)(
    "matches `openssl enc -aes-128-cbc -nosalt -base64 -A`",
    () =>
      Effect.runPromise(Effect.gen(function*() {
        for (const [password, wallet] of [["p@ss wörd ✓", "wallet-key-0123456789"], ["x", "ééééééééé"]] as const) {
          const hex = Buffer.from(wallet, "utf8").subarray(0, 16).toString("hex")
          const out = execFileSync("openssl", [
            "enc",
            "-aes-128-cbc",
            "-K",
            hex,
            "-iv",
            hex,
            "-nosalt",
            "-base64",
            "-A"
          ], {
            input: Buffer.from(password, "utf8")
          }).toString().trim()
          assert.strictEqual(yield* encrypt(password, wallet), `ENC:${out}`)
        }
      }))
  )

  it.effect("an ENC: password passes through unchanged, without a wallet", () =>
    Effect.gen(function*() {
      const result = yield* GunbotPassword.encrypt(Redacted.make("ENC:abc="), undefined)
      assert.strictEqual(Redacted.value(result), "ENC:abc=")
      assert.isTrue(GunbotPassword.isEncrypted(Redacted.make("ENC:abc=")))
      assert.isFalse(GunbotPassword.isEncrypted("abc"))
      assert.strictEqual(GunbotPassword.prefix, "ENC:")
    }))

  it.effect("a wallet under 16 bytes, a missing wallet or an empty password is a typed configuration error", () =>
    Effect.gen(function*() {
      const short = yield* Effect.flip(GunbotPassword.encrypt("secret", "0123456789abcde"))
      assert.deepStrictEqual([short._tag, short.key, short.reason], ["ConfigurationError", "gunthyWallet", "Invalid"])
      const missing = yield* Effect.flip(GunbotPassword.encrypt("secret", undefined))
      assert.deepStrictEqual([missing.key, missing.reason], ["gunthyWallet", "Missing"])
      const empty = yield* Effect.flip(GunbotPassword.encrypt("", "0123456789abcdef"))
      assert.deepStrictEqual([empty.key, empty.reason], ["password", "Missing"])
      // Values read from variables: the caller says which, and the errors name them.
      const named = yield* Effect.flip(
        GunbotPassword.encrypt("secret", "short", { password: "GUNBOT_PASSWORD", gunthyWallet: "GUNBOT_WALLET" })
      )
      assert.strictEqual(named.key, "GUNBOT_WALLET")
      assert.notInclude(short.message + missing.message, "secret")
    }))

  it.effect("WebCrypto refusing to encrypt (an insecure browser context) is a typed error, not a defect", () =>
    Effect.gen(function*() {
      const subtle = globalThis.crypto.subtle
      const importKey = subtle.importKey
      subtle.importKey = (() => Promise.reject(new DOMException("not allowed", "NotSupportedError"))) as any
      const failed = yield* Effect.flip(GunbotPassword.encrypt("sentinel-password-77", "0123456789abcdef-wallet")).pipe(
        Effect.ensuring(Effect.sync(() => void (subtle.importKey = importKey)))
      )
      assert.deepStrictEqual([failed._tag, failed.key, failed.reason], [
        "ConfigurationError",
        "password",
        "Invalid"
      ])
      assert.include(failed.message, "NotSupportedError")
      assert.notInclude(failed.message, "sentinel-password-77")
      assert.notInclude(JSON.stringify(failed), "0123456789abcdef-wallet")
      // Restored: the next encryption works.
      assert.isTrue((yield* encrypt("secret", "0123456789abcdef")).startsWith("ENC:"))
    }))

  it.effect("16 bytes are counted in UTF-8, not in characters", () =>
    Effect.gen(function*() {
      // Eight two-byte characters: 16 bytes, 8 characters.
      const wallet = "éééééééé"
      assert.strictEqual(yield* encrypt("pw", wallet), reference("pw", wallet))
    }))
})
