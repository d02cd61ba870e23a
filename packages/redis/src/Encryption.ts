/**
 * Sealing of the shared records: a record holds the session's tokens, so
 * anyone who can read the Redis can use them. `aesGcm` encrypts each record
 * with AES-256-GCM (WebCrypto, a fresh 96-bit IV per record) under a key of
 * the application's, and binds the record's key and account into the
 * ciphertext as additional data; a record sealed under another encryption
 * key, copied from another record key or account, or altered, fails to open
 * and is replaced by a new renewal rather than used.
 *
 * Records sealed by earlier versions (`a1.`, no additional data) do not open
 * either: after an upgrade each credential's record is replaced once, by its
 * next renewal.
 *
 * @since 0.1.0
 */
import * as Coordination from "@authfx/core/Coordination"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"

const VERSION = "a2."

const cryptoError = (operation: string, description: string) =>
  new Coordination.CoordinationError({ operation, reason: "Crypto", description })

/**
 * Generates a random 256-bit key, base64-encoded, for `aesGcm`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generateKey = (): Redacted.Redacted<string> =>
  Redacted.make(Encoding.encodeBase64(globalThis.crypto.getRandomValues(new Uint8Array(32))))

/**
 * A `Cipher` sealing records with AES-256-GCM under `key` (32 bytes, or their
 * base64 encoding). Fails with a `CoordinationError` if the key is not 32
 * bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const aesGcm = (
  key: Redacted.Redacted<string> | Redacted.Redacted<Uint8Array>
): Effect.Effect<Coordination.Cipher, Coordination.CoordinationError> =>
  Effect.gen(function*() {
    const raw = Redacted.value(key as Redacted.Redacted<string | Uint8Array>)
    let bytes: Uint8Array<ArrayBuffer>
    if (typeof raw === "string") {
      const decoded = Encoding.decodeBase64(raw)
      if (Either.isLeft(decoded)) return yield* cryptoError("key", "the key is not base64")
      bytes = new Uint8Array(decoded.right)
    } else {
      bytes = new Uint8Array(raw)
    }
    if (bytes.length !== 32) return yield* cryptoError("key", `the key has ${bytes.length} bytes, not 32`)
    const subtle = globalThis.crypto.subtle
    const cryptoKey = yield* Effect.tryPromise({
      try: () => subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]),
      catch: () => cryptoError("key", "the key could not be imported")
    })
    const encoder = new TextEncoder()
    const decoder = new TextDecoder()

    const seal = (plaintext: string, associatedData: string) =>
      Effect.suspend(() => {
        const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
        const additionalData = encoder.encode(associatedData)
        return Effect.tryPromise({
          try: () => subtle.encrypt({ name: "AES-GCM", iv, additionalData }, cryptoKey, encoder.encode(plaintext)),
          catch: () => cryptoError("seal", "encryption failed")
        }).pipe(Effect.map((sealed) => {
          const out = new Uint8Array(12 + sealed.byteLength)
          out.set(iv, 0)
          out.set(new Uint8Array(sealed), 12)
          return VERSION + Encoding.encodeBase64(out)
        }))
      })

    const open = (sealed: string, associatedData: string) =>
      Effect.gen(function*() {
        if (!sealed.startsWith(VERSION)) return yield* cryptoError("open", "the record is not sealed")
        const decoded = Encoding.decodeBase64(sealed.slice(VERSION.length))
        if (Either.isLeft(decoded) || decoded.right.length < 12 + 16) {
          return yield* cryptoError("open", "the record is malformed")
        }
        const bytes = new Uint8Array(decoded.right)
        const plain = yield* Effect.tryPromise({
          try: () =>
            subtle.decrypt(
              { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: encoder.encode(associatedData) },
              cryptoKey,
              bytes.subarray(12)
            ),
          // A wrong key, another record's key or account, and a tampered record look the same to GCM.
          catch: () => cryptoError("open", "the record was sealed under another key, for another record, or altered")
        })
        return decoder.decode(plain)
      })

    return { seal, open } satisfies Coordination.Cipher
  })
