/**
 * `TonSigner`: what Nabi needs of a TON wallet — its raw address, its public
 * key, and Ed25519 signatures. `fromMnemonic` derives the key pair once from a
 * 24-word mnemonic; any other signer (a remote wallet, a `ton_proof` flow, a
 * hardware device) can be provided instead.
 *
 * @since 0.1.0
 */
import { ConfigurationError } from "@authfx/core/AuthError"
import type * as AuthError from "@authfx/core/AuthError"
import { Address } from "@ton/core"
import { mnemonicToPrivateKey, mnemonicValidate, sign } from "@ton/crypto"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The wallet address in raw form, `0:<64 hex>`. */
  readonly address: string
  readonly publicKey: Uint8Array
  /** A 64-byte Ed25519 signature over `message`. */
  readonly sign: (
    message: Uint8Array
  ) => Effect.Effect<Uint8Array, AuthError.CredentialsRejected | AuthError.TransportError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class TonSigner extends Context.Tag("@authfx/nabi/TonSigner")<TonSigner, Service>() {}

const provider = "nabi"

/**
 * A wallet address, raw (`0:…`) or friendly (`EQ…`, `UQ…`), in raw form.
 *
 * @since 0.1.0
 * @category constructors
 */
export const normalizeAddress = (address: string, key = "NABI_ADDRESS"): Effect.Effect<string, ConfigurationError> =>
  Effect.try({
    try: () => Address.parse(address.trim()).toRawString(),
    catch: () =>
      new ConfigurationError({
        provider,
        reason: "Invalid",
        key,
        description: "expected a TON address, raw (0:<64 hex>) or friendly (EQ…/UQ…)"
      })
  })

/**
 * A signer from a 24-word mnemonic. The words are validated and the key pair
 * derived once (PBKDF2: slow by design); the secret key never leaves this
 * closure.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMnemonic = (options: {
  readonly mnemonic: Redacted.Redacted<string>
  readonly address: string
}): Effect.Effect<Service, ConfigurationError> =>
  Effect.gen(function*() {
    const address = yield* normalizeAddress(options.address)
    const words = Redacted.value(options.mnemonic).trim().split(/\s+/)
    const invalid = new ConfigurationError({
      provider,
      reason: "Invalid",
      key: "NABI_MNEMONIC",
      description: "expected a valid 24-word TON mnemonic"
    })
    if (words.length !== 24) return yield* invalid
    const valid = yield* Effect.promise(() => mnemonicValidate(words))
    if (!valid) return yield* invalid
    const keyPair = yield* Effect.promise(() => mnemonicToPrivateKey(words))
    return {
      address,
      publicKey: new Uint8Array(keyPair.publicKey),
      sign: (message) => Effect.sync(() => new Uint8Array(sign(Buffer.from(message), keyPair.secretKey)))
    } satisfies Service
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layerFromMnemonic = (options: {
  readonly mnemonic: Redacted.Redacted<string>
  readonly address: string
}): Layer.Layer<TonSigner, ConfigurationError> => Layer.effect(TonSigner, fromMnemonic(options))

/**
 * A signer from `NABI_MNEMONIC` and `NABI_ADDRESS`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<{ readonly mnemonic: Redacted.Redacted<string>; readonly address: string }> = Config.all({
    mnemonic: Config.redacted("NABI_MNEMONIC"),
    address: Config.string("NABI_ADDRESS")
  })
): Layer.Layer<TonSigner, ConfigurationError> =>
  Layer.effect(
    TonSigner,
    Effect.flatMap(
      Effect.mapError(config, (error) =>
        new ConfigurationError({
          provider,
          reason: "Missing",
          key: String(error).includes("NABI_ADDRESS") ? "NABI_ADDRESS" : "NABI_MNEMONIC"
        })),
      fromMnemonic
    )
  )
