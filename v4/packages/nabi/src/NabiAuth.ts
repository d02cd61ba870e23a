/**
 * `NabiAuth`: Nabi's nonce → signature → JWT flow as an `Authenticated<Nabi>`.
 *
 * - login: `generateNonce`, sign the nonce with the `TonSigner` (a raw Ed25519
 *   signature, a TON Connect `ton_proof` or a `signData`, by `signatureMode`),
 *   `getToken`; a nonce refused as expired or unknown gets one retry with a
 *   fresh nonce; a server whose `getToken` input has no `address` field is
 *   asked again without it, and from then on;
 * - renewal: `refreshToken` with the 7-day refresh token, proactively at 80% of
 *   the access token's 30 minutes — no new nonce, no signature; a refresh token
 *   that is expired or refused falls back to a full login;
 * - persistence: with a `SessionStore` in the context, a restart within the
 *   refresh token's 7 days needs no signature at all.
 *
 * effect 4: `NabiAuth` is a `Context.Service` key and `layer` is built with
 * `Layer.effect`. The fleet options are the v3 line's: `coordination` (one
 * session per wallet across the replicas) and `account` (added to its key).
 *
 * @since 1.0.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthResponse from "@authfx/core/AuthResponse"
import * as Coordination from "@authfx/core/Coordination"
import * as Jwt from "@authfx/core/Jwt"
import * as Policy from "@authfx/core/Policy"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as SessionStore from "@authfx/core/SessionStore"
import * as Url from "@authfx/core/Url"
import * as ConfigKeys from "@authfx/protocol/ConfigKeys"
import * as NabiGraphQL from "@authfx/protocol/NabiGraphQL"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Base64 from "effect/encoding/Base64"
import * as Hex from "effect/encoding/Hex"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import {
  type Answer,
  dataOf,
  isValidationError,
  literal,
  mapPlatformError,
  provider,
  readAnswer
} from "./internal/graphql.js"
import { GenerateNonce, GetToken, type Nabi, type NabiAuthError, NabiSession, RefreshToken } from "./Nabi.js"
import * as TonSigner from "./TonSigner.js"

/**
 * @since 1.0.0
 * @category tags
 */
export class NabiAuth extends Context.Service<NabiAuth, Authenticated.Authenticated<Nabi>>()("@authfx/nabi/NabiAuth") {}

/**
 * @since 1.0.0
 * @category models
 */
export type SignatureEncoding = "hex" | "base64"

/**
 * What the nonce is signed as, and what `signedMessage` then carries:
 *
 * - `raw`: an Ed25519 signature over the nonce's UTF-8 bytes, hex or base64
 *   (`signatureEncoding`);
 * - `ton_proof`: a TON Connect proof with payload = the nonce, sent as the JSON
 *   a TON Connect backend's `checkProof` receives:
 *   `{ address, network, public_key, proof: { timestamp, domain, payload, signature, state_init } }`;
 * - `sign_data`: a TON Connect `signData` of the nonce as text, sent as the
 *   JSON of the wallet's answer plus `public_key` and `state_init`.
 *
 * @since 1.0.0
 * @category models
 */
export type SignatureMode = "raw" | "ton_proof" | "sign_data"

/**
 * The signature modes, as `NABI_SIGNATURE_MODE` spells them.
 *
 * @since 1.0.0
 * @category constants
 */
export const signatureModes: ReadonlyArray<SignatureMode> = ["raw", "ton_proof", "sign_data"]

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /** The GraphQL endpoint (not public: configuration, no default). */
  readonly url: string
  /** How the raw signature is sent (default `hex`). */
  readonly signatureEncoding?: SignatureEncoding | undefined
  /** What the nonce is signed as (default `raw`). */
  readonly signatureMode?: SignatureMode | undefined
  /** The dApp domain a `ton_proof` or `signData` names (default: the endpoint's host name). */
  readonly proofDomain?: string | undefined
  /** The TON network a `ton_proof` names: `-239` (mainnet, the default) or `-3` (testnet). */
  readonly network?: string | undefined
  /** Retry of transient failures of the token operations (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /** Bound on one request (default 30 s). */
  readonly timeout?: Duration.Input | undefined
  /** Options of the engine (refresh fraction, margins). */
  readonly engine?: Partial<Omit<SessionEngine.Options<Nabi>, "provider" | "acquire" | "refresh">> | undefined
  /**
   * One session per wallet across the fleet: the `Coordination` to use
   * (default: the one in the context, if any); `false` to work alone.
   */
  readonly coordination?: Coordination.Service | false | undefined
  /** The account's key in a keyed service, added to the coordination key (the wallet address always is). */
  readonly account?: string | undefined
  /**
   * How errors name `url`, `signatureMode` and `signatureEncoding`: the options by default;
   * `NabiClient.layerConfig` sets the variables it read them from (`NABI_URL`, …), so that a message names a
   * variable only when the value came from it.
   */
  readonly configKeys?: {
    readonly url?: string | undefined
    readonly signatureMode?: string | undefined
    readonly signatureEncoding?: string | undefined
  } | undefined
}

/** Fallbacks when a token carries no `exp`, from Nabi's documentation. */
const ACCESS_LIFETIME = 30 * 60 * 1000
const REFRESH_LIFETIME = 7 * 24 * 3600 * 1000

/** A nonce the server refused as unknown, used or expired: worth one fresh nonce. */
class NonceRefused extends Data.TaggedError("NonceRefused")<{ readonly answer: Answer }> {}

type NonceSigner = (nonce: string) => Effect.Effect<string, AuthError.CredentialsRejected | AuthError.TransportError>

/** How `signedMessage` is made in `mode`; a signer that cannot is a configuration error, before any request. */
const nonceSigner = (
  signer: TonSigner.Service,
  config: {
    readonly mode: SignatureMode
    readonly encoding: SignatureEncoding
    readonly domain: string
    readonly network: string
    readonly publicKeyHex: string
    readonly modeKey: string
  }
): Effect.Effect<NonceSigner, AuthError.ConfigurationError> => {
  const unable = (description: string) =>
    Effect.fail(
      new AuthError.ConfigurationError({ provider, reason: "Invalid", key: config.modeKey, description })
    )
  const { sign, signData, tonProof, walletStateInit } = signer
  switch (config.mode) {
    case "raw": {
      if (sign === undefined) {
        return unable("raw needs a signer that signs bytes (a TON Connect wallet cannot): use ton_proof or sign_data")
      }
      return Effect.succeed((nonce) =>
        Effect.map(
          sign(new TextEncoder().encode(nonce)),
          (signature) => config.encoding === "hex" ? Hex.encode(signature) : Base64.encode(signature)
        )
      )
    }
    case "ton_proof": {
      if (tonProof === undefined || walletStateInit === undefined) {
        return unable("ton_proof needs a signer that gives a ton_proof and its wallet's state_init")
      }
      return Effect.succeed((nonce) =>
        Effect.map(tonProof({ payload: nonce, domain: config.domain }), (proof) =>
          JSON.stringify({
            address: signer.address,
            network: config.network,
            public_key: config.publicKeyHex,
            proof: { ...proof, state_init: walletStateInit }
          }))
      )
    }
    case "sign_data": {
      if (signData === undefined) return unable("sign_data needs a signer that can signData")
      return Effect.succeed((nonce) =>
        Effect.map(signData({ text: nonce, domain: config.domain }), (signed) =>
          JSON.stringify({
            ...signed,
            public_key: config.publicKeyHex,
            ...(walletStateInit !== undefined ? { state_init: walletStateInit } : {})
          }))
      )
    }
  }
}

/**
 * Checks the endpoint URL.
 *
 * @since 1.0.0
 * @category constructors
 */
export const validateUrl = (url: string, key = "url"): Effect.Effect<string, AuthError.ConfigurationError> =>
  Url.validate({ provider, key, url, example: "https://<nabi host>/graphql", trimTrailingSlash: false })

/**
 * @since 1.0.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  Authenticated.Authenticated<Nabi>,
  AuthError.ConfigurationError,
  HttpClient.HttpClient | TonSigner.TonSigner | Scope.Scope
> =>
  Effect.gen(function*() {
    const keys = ConfigKeys.resolve(["url", "signatureMode", "signatureEncoding"], options.configKeys)
    const url = yield* validateUrl(options.url, keys.url)
    const signer = yield* TonSigner.TonSigner
    // Answers are read within the timeout of each exchange and bounded in size.
    const client = AuthHttpClient.bounded(yield* HttpClient.HttpClient)
    const store = yield* Effect.serviceOption(SessionStore.SessionStore)
    const encoding = options.signatureEncoding ?? "hex"
    const mode = options.signatureMode ?? "raw"
    const domain = options.proofDomain ?? new URL(url).hostname
    const network = options.network ?? "-239"
    const publicKeyHex = Hex.encode(signer.publicKey)
    const signNonce = yield* nonceSigner(signer, {
      mode,
      encoding,
      domain,
      network,
      publicKeyHex,
      modeKey: keys.signatureMode
    })
    const retry = options.retry === undefined ? Policy.transientSchedule() : options.retry
    const description = AuthError.describeRequest({ method: "POST", url })
    // Whether the server's `refreshToken` answer has a `refreshToken` field (a
    // rotated refresh token): undocumented, so asked for, and dropped for good
    // if the server's schema does not know it.
    let askRotation = true
    // Nabi's document lists `address` among getToken's inputs but its example
    // omits it: sent, and dropped for good if the server's schema refuses it.
    let sendAddress = true

    const post = (query: string): Effect.Effect<Answer, AuthError.TransportError | AuthError.ProtocolError> => {
      const once = HttpClientRequest.post(url).pipe(
        HttpClientRequest.bodyJsonUnsafe({ query }),
        client.execute,
        Effect.mapError(mapPlatformError),
        Effect.flatMap((response) =>
          // Logins and renewals honour Retry-After as API calls do.
          AuthResponse.isTransientStatus(response.status)
            ? AuthResponse.transientAnswer(provider, response)
            : readAnswer(response)
        ),
        Policy.timeout(provider, options.timeout ?? "30 seconds")
      )
      return retry === false ? once : once.pipe(Policy.retryTransient(retry))
    }

    const sessionFrom = (
      tokens: { readonly access: string; readonly refresh: string },
      previousRefreshExpiry: number | undefined
    ) =>
      Effect.map(Clock.currentTimeMillis, (now): NabiSession => {
        const access = Option.getOrUndefined(Jwt.claimsOption(tokens.access))
        const refresh = Option.getOrUndefined(Jwt.claimsOption(tokens.refresh))
        const issuedAt = access === undefined ? undefined : Jwt.issuedAtMillis(access)
        return {
          address: signer.address,
          accessToken: Redacted.make(tokens.access),
          refreshToken: Redacted.make(tokens.refresh),
          accessExpiresAt: (access && Jwt.expiresAtMillis(access)) ?? now + ACCESS_LIFETIME,
          refreshExpiresAt: (refresh && Jwt.expiresAtMillis(refresh)) ?? previousRefreshExpiry ??
            now + REFRESH_LIFETIME,
          ...(issuedAt !== undefined ? { issuedAt } : {})
        }
      })

    const rejected = (description: string) =>
      new AuthError.CredentialsRejected({ provider, reason: "BadSignature", description })

    const loginOnce: Effect.Effect<NabiSession, NabiAuthError | NonceRefused> = Effect.gen(function*() {
      const nonceAnswer = yield* post("query GenerateNonce { generateNonce { id nonce timestamp } }")
      const { generateNonce } = yield* dataOf(GenerateNonce, nonceAnswer, description).pipe(
        Effect.catchTag(
          "NabiGraphQLError",
          (error) =>
            Effect.fail(new AuthError.ProtocolError({ provider, reason: "Decode", description: error.message }))
        )
      )
      const signedMessage = yield* signNonce(generateNonce.nonce)
      const askToken = (withAddress: boolean) =>
        post(
          `query GetToken { getToken(request: { id: ${literal(generateNonce.id)}, ${
            withAddress ? `address: ${literal(signer.address)}, ` : ""
          }signedMessage: ${literal(signedMessage)} }) { accessToken refreshToken } }`
        )
      let answer = yield* askToken(sendAddress)
      if (sendAddress && NabiGraphQL.refusesField(answer.errors, "address")) {
        // A validation error: the resolver never ran, so the nonce is still unused.
        sendAddress = false
        answer = yield* askToken(false)
      }
      if (NabiGraphQL.refusesNonce(answer.errors)) {
        return yield* new NonceRefused({ answer })
      }
      const invalid = answer.errors.filter(isValidationError)
      if (invalid.length > 0) {
        // The server's schema refused the request itself: no signature was checked.
        return yield* new AuthError.ProtocolError({
          provider,
          reason: "Decode",
          request: description,
          status: answer.status,
          description: `getToken refused by the server's schema: ${invalid.map((e) => e.message).join("; ")}`
        })
      }
      if (answer.status === 401 || answer.status === 403 || answer.errors.length > 0) {
        return yield* rejected(
          `Nabi refused the signed nonce for ${signer.address}: check the signature mode (${keys.signatureMode}, ` +
            `${keys.signatureEncoding}) and the signer (the wallet, or its mnemonic and address)`
        )
      }
      const { getToken } = yield* dataOf(GetToken, answer, description).pipe(
        Effect.catchTag("NabiGraphQLError", (error) => Effect.fail(rejected(error.message)))
      )
      return yield* sessionFrom({ access: getToken.accessToken, refresh: getToken.refreshToken }, undefined)
    })

    const login: Effect.Effect<NabiSession, NabiAuthError> = loginOnce.pipe(
      // An expired or unknown nonce (a slow signer, a server restart): one fresh nonce, not more.
      Effect.catchTag("NonceRefused", () => loginOnce),
      Effect.catchTag("NonceRefused", () =>
        Effect.fail(
          new AuthError.CredentialsRejected({
            provider,
            reason: "Unknown",
            description: "Nabi refused two fresh nonces in a row"
          })
        )),
      Effect.withSpan("NabiAuth.login", { attributes: { "authfx.provider": provider } })
    )

    const renew = (previous: NabiSession): Effect.Effect<NabiSession, NabiAuthError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (previous.refreshExpiresAt <= now) return yield* login
        const refreshQuery = (fields: string) =>
          post(
            `query RefreshToken { refreshToken(request: { token: ${
              literal(Redacted.value(previous.refreshToken))
            } }) { ${fields} } }`
          )
        let answer = yield* refreshQuery(askRotation ? "token refreshToken" : "token")
        if (askRotation && NabiGraphQL.refusesSelection(answer.errors)) {
          askRotation = false
          answer = yield* refreshQuery("token")
        }
        if (answer.status === 401 || answer.status === 403 || answer.errors.length > 0) {
          // The refresh token is expired, revoked or unknown: the full flow again.
          return yield* login
        }
        const { refreshToken } = yield* dataOf(RefreshToken, answer, description).pipe(
          Effect.catchTag("NabiGraphQLError", () => Effect.succeed(undefined)),
          Effect.map((data) => data ?? { refreshToken: undefined })
        )
        if (refreshToken === undefined) return yield* login
        return yield* sessionFrom(
          {
            access: refreshToken.token,
            refresh: refreshToken.refreshToken ?? Redacted.value(previous.refreshToken)
          },
          refreshToken.refreshToken ? undefined : previous.refreshExpiresAt
        )
      }).pipe(Effect.withSpan("NabiAuth.refreshToken", { attributes: { "authfx.provider": provider } }))

    const belongsTo = (session: NabiSession): boolean => session.address === signer.address
    const coordination = yield* Coordination.forSession({
      service: options.coordination,
      provider,
      key: Coordination.key(
        provider,
        options.account === undefined ? signer.address : `${options.account}/${signer.address}`
      ),
      schema: NabiSession,
      expiresAt: (session) => session.accessExpiresAt,
      // A session belongs to its wallet: a record of another one is never adopted, wherever it is found.
      account: signer.address,
      belongsTo
    })

    return yield* SessionEngine.make<Nabi>({
      spanPrefix: "NabiAuth",
      coordination,
      ...options.engine,
      provider,
      acquire: login,
      refresh: renew,
      expiresAt: (session) => session.accessExpiresAt,
      issuedAt: (session) => session.issuedAt,
      persistence: Option.isSome(store)
        ? {
          store: store.value,
          key: SessionStore.key(provider, signer.address),
          schema: NabiSession,
          account: signer.address,
          belongsTo
        }
        : undefined
    })
  })

/**
 * @since 1.0.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<NabiAuth, AuthError.ConfigurationError, HttpClient.HttpClient | TonSigner.TonSigner> =>
  Layer.effect(NabiAuth, make(options))
