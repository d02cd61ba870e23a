/**
 * Sealing of the shared session records (`@authfx/redis`'s `Encryption`, both
 * lines): AES-256-GCM with WebCrypto, a fresh 96-bit IV per record, the
 * record's key and account bound in as additional data. A sealed record is
 * `a2.` + base64(IV ‖ ciphertext ‖ tag). Records of earlier versions (`a1.`,
 * no additional data) do not open.
 *
 * Nothing here rejects: a failure is a `{ problem }` the caller turns into
 * its line's typed error.
 *
 * @since 0.1.0
 */
import * as Base64 from "./internal/base64.js"

/**
 * The prefix of a sealed record.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "a2."

/**
 * Why a step failed, in words safe to show (never a key or a record).
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly problem: string
}

/**
 * Whether a result is a failure.
 *
 * @since 0.1.0
 * @category guards
 */
export const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" && value !== null && "problem" in value

/**
 * A random 256-bit key, base64-encoded.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateKey = (): string => Base64.encode(globalThis.crypto.getRandomValues(new Uint8Array(32)))

/**
 * Imports a key (32 bytes, or their standard base64 encoding) for sealing and
 * opening.
 *
 * @since 0.1.0
 * @category constructors
 */
export const importKey = async (key: string | Uint8Array): Promise<CryptoKey | Problem> => {
  let bytes: Uint8Array<ArrayBuffer>
  if (typeof key === "string") {
    const decoded = Base64.decode(key)
    if (decoded === undefined) return { problem: "the key is not base64" }
    bytes = new Uint8Array(decoded)
  } else {
    bytes = new Uint8Array(key)
  }
  if (bytes.length !== 32) return { problem: `the key has ${bytes.length} bytes, not 32` }
  try {
    return await globalThis.crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
  } catch {
    return { problem: "the key could not be imported" }
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Seals `plaintext` bound to `associatedData`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seal = async (key: CryptoKey, plaintext: string, associatedData: string): Promise<string | Problem> => {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
  try {
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(associatedData) },
      key,
      encoder.encode(plaintext)
    )
    const out = new Uint8Array(12 + sealed.byteLength)
    out.set(iv, 0)
    out.set(new Uint8Array(sealed), 12)
    return version + Base64.encode(out)
  } catch {
    return { problem: "encryption failed" }
  }
}

/**
 * Opens a sealed record bound to `associatedData`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = async (key: CryptoKey, sealed: string, associatedData: string): Promise<string | Problem> => {
  if (!sealed.startsWith(version)) return { problem: "the record is not sealed" }
  const decoded = Base64.decode(sealed.slice(version.length))
  if (decoded === undefined || decoded.length < 12 + 16) return { problem: "the record is malformed" }
  const bytes = new Uint8Array(decoded)
  try {
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: encoder.encode(associatedData) },
      key,
      bytes.subarray(12)
    )
    return decoder.decode(plain)
  } catch {
    // A wrong key, another record's key or account, and a tampered record look the same to GCM.
    return { problem: "the record was sealed under another key, for another record, or altered" }
  }
}
