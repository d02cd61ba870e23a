/**
 * Gunbot's password encryption: AES-128-CBC with key and IV both the first 16
 * UTF-8 bytes of `config.bot.gunthy_wallet`, PKCS#7 padding, standard base64,
 * prefixed with `ENC:`. WebCrypto only, so it runs on every runtime. The
 * cipher is `@authfx/protocol`'s, shared with the effect 3 line; this module
 * turns its failures into typed errors.
 *
 * @since 1.0.0
 */
import { ConfigurationError } from "@authfx/core/AuthError"
import * as ConfigKeys from "@authfx/protocol/ConfigKeys"
import * as Enc from "@authfx/protocol/GunbotPassword"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/**
 * The prefix of an encrypted password.
 *
 * @since 1.0.0
 * @category constants
 */
export const prefix: "ENC:" = Enc.prefix

const reveal = (value: string | Redacted.Redacted<string>): string =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

/**
 * Whether a password is already encrypted (starts with `ENC:`).
 *
 * @since 1.0.0
 * @category guards
 */
export const isEncrypted = (password: string | Redacted.Redacted<string>): boolean => Enc.isEncrypted(reveal(password))

/**
 * Encrypts `password` with `gunthyWallet` as Gunbot expects it. A password that
 * already starts with `ENC:` is returned as it is (no wallet needed); a wallet
 * shorter than 16 bytes cannot work and fails before any request. Errors name
 * `password` and `gunthyWallet`, or the names `configKeys` gives them (the
 * variables they were read from).
 *
 * @since 1.0.0
 * @category encryption
 */
export const encrypt = (
  password: string | Redacted.Redacted<string>,
  gunthyWallet: string | Redacted.Redacted<string> | undefined,
  configKeys: ConfigKeys.Given<ConfigKeys.GunbotSetting> = {}
): Effect.Effect<Redacted.Redacted<string>, ConfigurationError> =>
  Effect.suspend(() => {
    const keys = ConfigKeys.resolve(ConfigKeys.gunbotSettings, configKeys)
    const plain = reveal(password)
    if (Enc.isEncrypted(plain)) return Effect.succeed(Redacted.make(plain))
    if (plain.length === 0) {
      return Effect.fail(
        new ConfigurationError({ provider: "gunbot", reason: "Missing", key: keys.password, description: "empty" })
      )
    }
    if (gunthyWallet === undefined) {
      return Effect.fail(
        new ConfigurationError({
          provider: "gunbot",
          reason: "Missing",
          key: keys.gunthyWallet,
          description: "a plain password is encrypted with the gunthy wallet key; give it, or an ENC: password"
        })
      )
    }
    const key = Enc.walletKey(reveal(gunthyWallet))
    if (key === undefined) {
      return Effect.fail(
        new ConfigurationError({
          provider: "gunbot",
          reason: "Invalid",
          key: keys.gunthyWallet,
          description: "the gunthy wallet key must be at least 16 bytes long"
        })
      )
    }
    // WebCrypto may be missing (an insecure browser context) or reject: either is
    // a typed error, never a defect.
    return Effect.tryPromise({
      try: async () => Redacted.make(await Enc.encryptWithKey(plain, key)),
      catch: (error) =>
        new ConfigurationError({
          provider: "gunbot",
          reason: "Invalid",
          key: keys.password,
          description: `the password could not be encrypted with WebCrypto (${
            error instanceof Error ? error.name : "failure"
          }); a secure context with crypto.subtle is required`
        })
    })
  })
