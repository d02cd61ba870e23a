/**
 * `TonSigner`: what Nabi needs of a TON wallet — its raw address, its public
 * key, its `state_init`, and one or more ways of signing a nonce:
 *
 * - `sign`: a raw Ed25519 signature over bytes (what a key holder can do; a
 *   TON Connect wallet cannot);
 * - `tonProof`: a TON Connect `ton_proof` (domain, timestamp, payload = the
 *   nonce; the signature in base64), what wallets give a dApp at connection;
 * - `signData`: a TON Connect `signData` over a `text` payload (the nonce),
 *   what a connected wallet signs on request.
 *
 * `fromMnemonic` derives the key pair once from a 24-word mnemonic, binds it to
 * the wallet address (v3r2, v4r2 or v5r1) and can do all three. `fromWallet`
 * wraps a wallet implemented outside this package — a browser page holding a
 * TON Connect wallet, a remote signer — from plain async functions.
 *
 * @since 0.1.0
 */
import { ConfigurationError, CredentialsRejected, TransportError } from "@authfx/core/AuthError"
import type * as AuthError from "@authfx/core/AuthError"
import * as ConfigKeys from "@authfx/protocol/ConfigKeys"
import * as Addresses from "@authfx/ton/Addresses"
import { domainLength, signDataTextDigest, tonProofDigest } from "@authfx/ton/TonConnect"
import { find, isStateInitOf, wallet, type WalletVersion, walletVersions } from "@authfx/ton/Wallets"
import { mnemonicToPrivateKey, mnemonicValidate, sign } from "@ton/crypto"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/**
 * The wallet contract versions a key's address is derived for.
 *
 * @since 0.1.0
 * @category models
 */
export type { WalletVersion } from "@authfx/ton/Wallets"

/**
 * What a signer can fail with: the wallet (or its user) refused, or it did not
 * answer in time.
 *
 * @since 0.1.0
 * @category models
 */
export type SignerError = AuthError.CredentialsRejected | AuthError.TransportError

/**
 * What the server asks a `ton_proof` for: the payload (Nabi's nonce) and the
 * domain the client expects the proof to name. A wallet app chooses the domain
 * itself (its dApp manifest's host), so a proof carries the one it used.
 *
 * @since 0.1.0
 * @category models
 */
export interface TonProofRequest {
  readonly payload: string
  readonly domain: string
}

/**
 * A TON Connect `ton_proof`, shaped as `TonProofItemReplySuccess.proof`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TonProof {
  /** Unix seconds of the signing. */
  readonly timestamp: number
  readonly domain: { readonly lengthBytes: number; readonly value: string }
  readonly payload: string
  /** The Ed25519 signature, base64. */
  readonly signature: string
}

/**
 * What a `signData` request with a `text` payload asks for.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignDataRequest {
  readonly text: string
  readonly domain: string
}

/**
 * A TON Connect `signData` answer for a `text` payload.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignDataResult {
  /** The Ed25519 signature, base64. */
  readonly signature: string
  /** The signing wallet's address, raw. */
  readonly address: string
  /** Unix seconds of the signing. */
  readonly timestamp: number
  readonly domain: string
  readonly payload: { readonly type: "text"; readonly text: string }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The wallet address in raw form, `0:<64 hex>`. */
  readonly address: string
  readonly publicKey: Uint8Array
  /** The wallet's `state_init` cell, a base64 BoC (needed by a `ton_proof` verifier). */
  readonly walletStateInit?: string | undefined
  /** The wallet contract version, when known. */
  readonly walletVersion?: WalletVersion | undefined
  /** A 64-byte Ed25519 signature over `message` (absent for a TON Connect wallet). */
  readonly sign?: ((message: Uint8Array) => Effect.Effect<Uint8Array, SignerError>) | undefined
  /** A TON Connect `ton_proof` over the request's payload. */
  readonly tonProof?: ((request: TonProofRequest) => Effect.Effect<TonProof, SignerError>) | undefined
  /** A TON Connect `signData` over a text payload. */
  readonly signData?: ((request: SignDataRequest) => Effect.Effect<SignDataResult, SignerError>) | undefined
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
export const normalizeAddress = (address: string, key = "address"): Effect.Effect<string, ConfigurationError> =>
  Effect.suspend(() => {
    const raw = Addresses.raw(address)
    return raw !== undefined
      ? Effect.succeed(raw)
      : Effect.fail(
        new ConfigurationError({
          provider,
          reason: "Invalid",
          key,
          description: "expected a TON address, raw (0:<64 hex>) or friendly (EQ…/UQ…)"
        })
      )
  })

/**
 * The address and `state_init` of `publicKey`'s wallet of `version` (workchain
 * 0 unless said, the wallet apps' default wallet ids).
 *
 * @since 0.1.0
 * @category constructors
 */
export const walletAddress = (
  publicKey: Uint8Array,
  version: WalletVersion,
  workchain = 0
): { readonly address: string; readonly stateInit: string } => {
  const derived = wallet(version, publicKey, workchain)
  return { address: derived.address, stateInit: derived.stateInit }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MnemonicOptions {
  readonly mnemonic: Redacted.Redacted<string>
  /**
   * The wallet address, raw or friendly; absent, it is derived for
   * `walletVersion`. When it is the key's address for v3r2, v4r2 or v5r1
   * (mainnet, the wallet apps' default wallet ids) its `state_init` is known;
   * otherwise see `addressCheck`.
   */
  readonly address?: string | undefined
  /** The wallet version to derive the address for when none is given (default `v4r2`). */
  readonly walletVersion?: WalletVersion | undefined
  /**
   * How errors name `mnemonic`, `address` and `walletVersion`: the options by default; `layerConfig` sets the
   * variables it read them from (`NABI_MNEMONIC`, …), so that a message names a variable only when the value came
   * from it.
   */
  readonly configKeys?: {
    readonly mnemonic?: string | undefined
    readonly address?: string | undefined
    readonly walletVersion?: string | undefined
  } | undefined
  /**
   * What to do with a configured address the key's v3r2/v4r2/v5r1 wallets do
   * not derive (`NABI_ADDRESS_CHECK`):
   *
   * - `"warn"` (default): sign in as it, with a warning logged saying why.
   *   Nabi is the judge: a wallet of another kind, with a custom subwallet id,
   *   or on testnet is valid there, and a key that is not the wallet's is
   *   refused by Nabi as `CredentialsRejected`. Without a known `state_init`,
   *   the `ton_proof` mode is unavailable (`raw` and `sign_data` work);
   * - `"off"`: the same without the warning;
   * - `"strict"`: a `ConfigurationError` naming `NABI_ADDRESS`, before any
   *   request.
   */
  readonly addressCheck?: AddressCheck | undefined
}

/**
 * See `MnemonicOptions.addressCheck`.
 *
 * @since 0.1.0
 * @category models
 */
export type AddressCheck = "warn" | "off" | "strict"

const addressChecks: ReadonlyArray<AddressCheck> = ["warn", "off", "strict"]

/**
 * A signer from a 24-word mnemonic. The words are validated and the key pair
 * derived once (PBKDF2: slow by design); the secret key never leaves this
 * closure. A configured address that is not the key's wallet for v3r2, v4r2
 * or v5r1 is used as given, with a warning (`addressCheck`, `"strict"` to
 * refuse it instead): the client is not stricter than Nabi, which checks the
 * signature against the wallet itself.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMnemonic = (options: MnemonicOptions): Effect.Effect<Service, ConfigurationError> =>
  Effect.gen(function*() {
    const keys = ConfigKeys.resolve(["mnemonic", "address", "walletVersion"], options.configKeys)
    const configured = options.address === undefined || options.address.trim() === ""
      ? undefined
      : yield* normalizeAddress(options.address, keys.address)
    const words = Redacted.value(options.mnemonic).trim().split(/\s+/)
    const invalid = new ConfigurationError({
      provider,
      reason: "Invalid",
      key: keys.mnemonic,
      description: "expected a valid 24-word TON mnemonic"
    })
    if (words.length !== 24) return yield* invalid
    // Rejections become the typed error: a key derivation that throws is not a defect.
    const valid = yield* Effect.tryPromise({ try: () => mnemonicValidate(words), catch: () => invalid })
    if (!valid) return yield* invalid
    const keyPair = yield* Effect.tryPromise({ try: () => mnemonicToPrivateKey(words), catch: () => invalid })
    const publicKey = new Uint8Array(keyPair.publicKey)

    const chosen = configured === undefined
      ? wallet(options.walletVersion ?? "v4r2", publicKey)
      : find(publicKey, configured)
    if (chosen === undefined) {
      const reason = `${configured} is not the wallet address of ${keys.mnemonic}'s key for ${
        walletVersions.join(", ")
      } (mainnet, default wallet ids)`
      const check = options.addressCheck ?? "warn"
      if (check === "strict") {
        return yield* new ConfigurationError({
          provider,
          reason: "Invalid",
          key: keys.address,
          description: `${reason}: check both, or leave ${keys.address} out to derive it (${keys.walletVersion})`
        })
      }
      if (check === "warn") {
        yield* Effect.logWarning(
          `nabi: ${reason}; signing in as it anyway (a wallet of another kind, a custom subwallet id or a testnet ` +
            "wallet is valid for Nabi, which refuses the signature if the key is not the wallet's). Without its " +
            "state_init the ton_proof mode is unavailable. addressCheck \"off\" (NABI_ADDRESS_CHECK=off) silences this, " +
            "\"strict\" refuses it."
        ).pipe(Effect.annotateLogs("authfx.provider", provider))
      }
    }
    const signBytes = (bytes: Uint8Array) => new Uint8Array(sign(Buffer.from(bytes), keyPair.secretKey))
    const seconds = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))
    // An address the key's usual wallets do not derive is used as configured, its state_init unknown.
    const address = chosen?.address ?? configured!
    return {
      address,
      publicKey,
      walletStateInit: chosen?.stateInit,
      walletVersion: chosen?.version,
      sign: (message) => Effect.sync(() => signBytes(message)),
      tonProof: (request) =>
        Effect.map(seconds, (timestamp): TonProof => ({
          timestamp,
          domain: { lengthBytes: domainLength(request.domain), value: request.domain },
          payload: request.payload,
          signature: Encoding.encodeBase64(
            signBytes(tonProofDigest({ address, timestamp, ...request }))
          )
        })),
      signData: (request) =>
        Effect.map(seconds, (timestamp): SignDataResult => ({
          signature: Encoding.encodeBase64(
            signBytes(signDataTextDigest({ address, timestamp, ...request }))
          ),
          address,
          timestamp,
          domain: request.domain,
          payload: { type: "text", text: request.text }
        }))
    } satisfies Service
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layerFromMnemonic = (options: MnemonicOptions): Layer.Layer<TonSigner, ConfigurationError> =>
  Layer.effect(TonSigner, fromMnemonic(options))

/**
 * A wallet held outside this package, described as TON Connect describes a
 * connected account, with the operations it can do as async functions.
 *
 * @since 0.1.0
 * @category models
 */
export interface WalletOptions {
  /** The account's address (TON Connect `account.address`), raw or friendly. */
  readonly address: string
  /** The account's public key (TON Connect `account.publicKey`), hex or bytes. */
  readonly publicKey: string | Uint8Array
  /** The account's `state_init` (TON Connect `account.walletStateInit`), a base64 BoC. */
  readonly walletStateInit?: string | undefined
  /** Produces a `ton_proof` for the request (e.g. by reconnecting a TON Connect wallet with it). */
  readonly tonProof?: ((request: TonProofRequest, signal: AbortSignal) => Promise<TonProof>) | undefined
  /**
   * Signs a text with TON Connect's `signData` (the SDK's `SignDataResponse`
   * fits: its payload is checked to be the text asked for).
   */
  readonly signData?:
    | ((request: SignDataRequest, signal: AbortSignal) => Promise<WalletSignDataAnswer>)
    | undefined
  /** Signs raw bytes with Ed25519 (a key holder, not a TON Connect wallet). */
  readonly sign?: ((message: Uint8Array, signal: AbortSignal) => Promise<Uint8Array>) | undefined
  /**
   * Bound on one signing, which may wait for a person to approve it in a
   * wallet app (default 4 minutes: Nabi's nonce lives 5).
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * A wallet's `signData` answer as TON Connect SDKs type it: the payload may be
 * of any type, and is checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface WalletSignDataAnswer extends Omit<SignDataResult, "payload"> {
  readonly payload: { readonly type: string; readonly text?: string | undefined }
}

/**
 * A signer for a wallet implemented outside this package: a browser page
 * wrapping a TON Connect wallet, a hardware or remote signer. The address must
 * be the hash of `walletStateInit` when one is given (a `ConfigurationError`
 * otherwise). Each signing is bounded by `timeout` and aborted (its
 * `AbortSignal`) when interrupted; a rejected promise (the user declined) is
 * `CredentialsRejected`, a timeout `TransportError(Timeout)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromWallet = (options: WalletOptions): Effect.Effect<Service, ConfigurationError> =>
  Effect.gen(function*() {
    const address = yield* normalizeAddress(options.address)
    let publicKey = typeof options.publicKey === "string" ? undefined : options.publicKey
    if (typeof options.publicKey === "string") {
      const decoded = Encoding.decodeHex(options.publicKey.trim())
      if (decoded._tag === "Right") publicKey = decoded.right
    }
    if (publicKey === undefined || publicKey.length !== 32) {
      return yield* new ConfigurationError({
        provider,
        reason: "Invalid",
        key: "publicKey",
        description: "expected a 32-byte Ed25519 public key (hex)"
      })
    }
    if (options.walletStateInit !== undefined) {
      const stateInit = options.walletStateInit
      const bound = isStateInitOf(stateInit, address)
      if (!bound) {
        return yield* new ConfigurationError({
          provider,
          reason: "Invalid",
          key: "walletStateInit",
          description: `not the state_init of ${address}`
        })
      }
    }
    const timeout = options.timeout ?? Duration.minutes(4)
    const call = <A>(run: (signal: AbortSignal) => Promise<A>, what: string): Effect.Effect<A, SignerError> =>
      Effect.tryPromise({
        try: run,
        catch: () => new CredentialsRejected({ provider, reason: "Unknown", description: `the wallet did not ${what}` })
      }).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new TransportError({
              provider,
              reason: "Timeout",
              description: `the wallet did not ${what} within ${Duration.format(timeout)}`
            })
        })
      )
    const { sign: signBytes, signData, tonProof } = options
    return {
      address,
      publicKey,
      walletStateInit: options.walletStateInit,
      sign: signBytes && ((message) => call((signal) => signBytes(message, signal), "sign the nonce")),
      tonProof: tonProof && ((request) => call((signal) => tonProof(request, signal), "give a ton_proof")),
      signData: signData && ((request) =>
        call((signal) => signData(request, signal), "sign the data").pipe(
          Effect.filterOrFail(
            (answer): answer is SignDataResult =>
              answer.payload.type === "text" && answer.payload.text === request.text,
            () =>
              new CredentialsRejected({
                provider,
                reason: "Unknown",
                description: "the wallet signed another payload than the nonce"
              })
          )
        ))
    } satisfies Service
  })

/**
 * `fromWallet` as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromWallet = (options: WalletOptions): Layer.Layer<TonSigner, ConfigurationError> =>
  Layer.effect(TonSigner, fromWallet(options))

/**
 * A signer from `NABI_MNEMONIC`, `NABI_ADDRESS` (optional: derived when
 * absent), `NABI_WALLET_VERSION` (`v3r2`, `v4r2` or `v5r1`; default `v4r2`)
 * and `NABI_ADDRESS_CHECK` (`warn`, `off` or `strict`; default `warn`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config?: Config.Config<MnemonicOptions> | undefined
): Layer.Layer<TonSigner, ConfigurationError> =>
  Layer.effect(
    TonSigner,
    Effect.flatMap(
      config === undefined
        ? Effect.mapBoth(environment, {
          onFailure: (error) => {
            const text = String(error)
            if (text.includes("NABI_ADDRESS_CHECK")) {
              return new ConfigurationError({
                provider,
                reason: "Invalid",
                key: "NABI_ADDRESS_CHECK",
                description: `expected one of ${addressChecks.join(", ")}`
              })
            }
            return text.includes("NABI_WALLET_VERSION")
              ? new ConfigurationError({
                provider,
                reason: "Invalid",
                key: "NABI_WALLET_VERSION",
                description: `expected one of ${walletVersions.join(", ")}`
              })
              : new ConfigurationError({
                provider,
                reason: text.includes("NABI_ADDRESS") ? "Invalid" : "Missing",
                key: text.includes("NABI_ADDRESS") ? "NABI_ADDRESS" : "NABI_MNEMONIC"
              })
          },
          // Read from these variables: errors about them name them.
          onSuccess: (options): MnemonicOptions => ({
            ...options,
            configKeys: { mnemonic: "NABI_MNEMONIC", address: "NABI_ADDRESS", walletVersion: "NABI_WALLET_VERSION" }
          })
        })
        // A configuration of the application's own: its names are not known here, so errors name the options.
        : Effect.mapError(config, () =>
          new ConfigurationError({
            provider,
            reason: "Missing",
            key: "configuration",
            description: "the signer's configuration could not be read"
          })),
      fromMnemonic
    )
  )

const environment: Config.Config<MnemonicOptions> = Config.all({
  mnemonic: Config.redacted("NABI_MNEMONIC"),
  address: Config.option(Config.string("NABI_ADDRESS")).pipe(Config.map(Option.getOrUndefined)),
  walletVersion: Config.literal(...walletVersions)("NABI_WALLET_VERSION").pipe(
    Config.withDefault<WalletVersion>("v4r2")
  ),
  addressCheck: Config.literal(...addressChecks)("NABI_ADDRESS_CHECK").pipe(Config.withDefault<AddressCheck>("warn"))
})
