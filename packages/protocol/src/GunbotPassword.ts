/**
 * Gunbot's password encryption: AES-128-CBC with key and IV both the first 16
 * UTF-8 bytes of `config.bot.gunthy_wallet`, PKCS#7 padding, standard base64,
 * prefixed with `ENC:` (docs/providers/gunbot.md, "Login"). WebCrypto only, so
 * it runs on every runtime.
 *
 * @since 0.1.0
 */
import * as Base64 from "./internal/base64.js"

/**
 * The prefix of an encrypted password.
 *
 * @since 0.1.0
 * @category constants
 */
export const prefix = "ENC:"

/**
 * Whether a password is already encrypted (starts with `ENC:`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isEncrypted = (password: string): boolean => password.startsWith(prefix)

/**
 * The AES key (and IV) of a gunthy wallet: its first 16 UTF-8 bytes, or
 * `undefined` when it is shorter, which cannot work.
 *
 * @since 0.1.0
 * @category encryption
 */
export const walletKey = (gunthyWallet: string): Uint8Array<ArrayBuffer> | undefined => {
  const key = new TextEncoder().encode(gunthyWallet).slice(0, 16)
  return key.length < 16 ? undefined : key
}

/**
 * `ENC:` + base64 of `password` encrypted with `key` (from `walletKey`). Rejects
 * when WebCrypto is missing (an insecure browser context) or refuses; callers
 * turn that into their typed error.
 *
 * @since 0.1.0
 * @category encryption
 */
export const encryptWithKey = async (password: string, key: Uint8Array<ArrayBuffer>): Promise<string> => {
  const subtle = globalThis.crypto.subtle
  const cryptoKey = await subtle.importKey("raw", key, { name: "AES-CBC" }, false, ["encrypt"])
  const encrypted = await subtle.encrypt({ name: "AES-CBC", iv: key }, cryptoKey, new TextEncoder().encode(password))
  return `${prefix}${Base64.encode(new Uint8Array(encrypted))}`
}
