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
 * The effect 4 line: the same seal (`@authfx/protocol`'s `RecordCipher`), so
 * records sealed by either line open in the other with the same key.
 *
 * @since 1.0.0
 */
import * as Coordination from "@authfx/core/Coordination"
import * as RecordCipher from "@authfx/protocol/RecordCipher"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

const cryptoError = (operation: string, description: string) =>
  new Coordination.CoordinationError({ operation, reason: "Crypto", description })

/** A protocol step as an Effect: its `problem` is a `Crypto` error of `operation`. */
const run = <A>(operation: string, step: () => Promise<A | RecordCipher.Problem>) =>
  Effect.flatMap(
    Effect.promise(step),
    (result) =>
      RecordCipher.isProblem(result) ? Effect.fail(cryptoError(operation, result.problem)) : Effect.succeed(result)
  )

/**
 * Generates a random 256-bit key, base64-encoded, for `aesGcm`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const generateKey = (): Redacted.Redacted<string> => Redacted.make(RecordCipher.generateKey())

/**
 * A `Cipher` sealing records with AES-256-GCM under `key` (32 bytes, or their
 * base64 encoding). Fails with a `CoordinationError` if the key is not 32
 * bytes.
 *
 * @since 1.0.0
 * @category constructors
 */
export const aesGcm = (
  key: Redacted.Redacted<string> | Redacted.Redacted<Uint8Array>
): Effect.Effect<Coordination.Cipher, Coordination.CoordinationError> =>
  Effect.map(
    run("key", () => RecordCipher.importKey(Redacted.value(key as Redacted.Redacted<string | Uint8Array>))),
    (cryptoKey): Coordination.Cipher => ({
      seal: (plaintext, associatedData) => run("seal", () => RecordCipher.seal(cryptoKey, plaintext, associatedData)),
      open: (sealed, associatedData) => run("open", () => RecordCipher.open(cryptoKey, sealed, associatedData))
    })
  )
