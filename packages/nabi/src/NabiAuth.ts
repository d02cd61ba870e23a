/**
 * `NabiAuth`: Nabi's nonce → signature → JWT flow as an `Authenticated<Nabi>`.
 *
 * - login: `generateNonce`, sign the nonce with the `TonSigner`, `getToken`; a
 *   nonce refused as expired or unknown gets one retry with a fresh nonce;
 * - renewal: `refreshToken` with the 7-day refresh token, proactively at 80% of
 *   the access token's 30 minutes — no new nonce, no signature; a refresh token
 *   that is expired or refused falls back to a full login;
 * - persistence: with a `SessionStore` in the context, a restart within the
 *   refresh token's 7 days needs no signature at all.
 *
 * @since 0.1.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as Coordination from "@authfx/core/Coordination"
import * as Jwt from "@authfx/core/Jwt"
import * as Policy from "@authfx/core/Policy"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as SessionStore from "@authfx/core/SessionStore"
import * as Url from "@authfx/core/Url"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type Answer, dataOf, literal, mapPlatformError, provider, readAnswer } from "./internal/graphql.js"
import { GenerateNonce, GetToken, type Nabi, type NabiAuthError, NabiSession, RefreshToken } from "./Nabi.js"
import { TonSigner } from "./TonSigner.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class NabiAuth extends Context.Tag("@authfx/nabi/NabiAuth")<NabiAuth, Authenticated.Authenticated<Nabi>>() {}

/**
 * @since 0.1.0
 * @category models
 */
export type SignatureEncoding = "hex" | "base64"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The GraphQL endpoint (not public: configuration, no default). */
  readonly url: string
  /** How the signature is sent (default `hex`). */
  readonly signatureEncoding?: SignatureEncoding | undefined
  /** Retry of transient failures of the token operations (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /** Bound on one request (default 30 s). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Options of the engine (refresh fraction, margins). */
  readonly engine?: Partial<Omit<SessionEngine.Options<Nabi>, "provider" | "acquire" | "refresh">> | undefined
  /**
   * One session per wallet across the fleet: the `Coordination` to use
   * (default: the one in the context, if any); `false` to work alone.
   */
  readonly coordination?: Coordination.Service | false | undefined
  /** The account's key in a keyed service, added to the coordination key (the wallet address always is). */
  readonly account?: string | undefined
}

/** Fallbacks when a token carries no `exp`, from Nabi's documentation. */
const ACCESS_LIFETIME = 30 * 60 * 1000
const REFRESH_LIFETIME = 7 * 24 * 3600 * 1000

/** A nonce the server refused as unknown, used or expired: worth one fresh nonce. */
class NonceRefused extends Data.TaggedError("NonceRefused")<{ readonly answer: Answer }> {}

/**
 * Checks the endpoint URL.
 *
 * @since 0.1.0
 * @category constructors
 */
export const validateUrl = (url: string): Effect.Effect<string, AuthError.ConfigurationError> =>
  Url.validate({ provider, key: "NABI_URL", url, example: "https://<nabi host>/graphql", trimTrailingSlash: false })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  Authenticated.Authenticated<Nabi>,
  AuthError.ConfigurationError,
  HttpClient.HttpClient | TonSigner | Scope.Scope
> =>
  Effect.gen(function*() {
    const url = yield* validateUrl(options.url)
    const signer = yield* TonSigner
    const client = yield* HttpClient.HttpClient
    const store = yield* Effect.serviceOption(SessionStore.SessionStore)
    const encoding = options.signatureEncoding ?? "hex"
    const retry = options.retry === undefined ? Policy.transientSchedule() : options.retry
    const description = AuthError.describeRequest({ method: "POST", url })
    // Whether the server's `refreshToken` answer has a `refreshToken` field (a
    // rotated refresh token): undocumented, so asked for, and dropped for good
    // if the server's schema does not know it.
    let askRotation = true

    const post = (query: string): Effect.Effect<Answer, AuthError.TransportError | AuthError.ProtocolError> => {
      const once = HttpClientRequest.post(url).pipe(
        HttpClientRequest.bodyUnsafeJson({ query }),
        client.execute,
        Effect.mapError(mapPlatformError),
        Effect.flatMap((response) =>
          response.status === 408 || response.status === 429 || response.status >= 500
            ? Effect.fail(AuthError.transportFromStatus(provider, description, response.status, undefined))
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
      const signature = yield* signer.sign(new TextEncoder().encode(generateNonce.nonce))
      const signedMessage = encoding === "hex"
        ? Encoding.encodeHex(signature)
        : Encoding.encodeBase64(signature)
      const answer = yield* post(
        `query GetToken { getToken(request: { id: ${literal(generateNonce.id)}, address: ${
          literal(signer.address)
        }, signedMessage: ${literal(signedMessage)} }) { accessToken refreshToken } }`
      )
      if (answer.errors.some((e) => /nonce/i.test(`${e.extensions?.code ?? ""} ${e.message}`))) {
        return yield* new NonceRefused({ answer })
      }
      if (answer.status === 401 || answer.status === 403 || answer.errors.length > 0) {
        return yield* rejected(
          `Nabi refused the signed nonce for ${signer.address}: check NABI_MNEMONIC, NABI_ADDRESS and NABI_SIGNATURE_ENCODING`
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
        if (
          askRotation &&
          answer.errors.some((e) =>
            /cannot query field|GRAPHQL_VALIDATION/i.test(`${e.extensions?.code ?? ""} ${e.message}`)
          )
        ) {
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

    const coordination = yield* Coordination.forSession({
      service: options.coordination,
      provider,
      key: Coordination.key(
        provider,
        options.account === undefined ? signer.address : `${options.account}/${signer.address}`
      ),
      schema: NabiSession,
      expiresAt: (session) => session.accessExpiresAt
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
        ? { store: store.value, key: SessionStore.key(provider, signer.address), schema: NabiSession }
        : undefined
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<NabiAuth, AuthError.ConfigurationError, HttpClient.HttpClient | TonSigner> =>
  Layer.scoped(NabiAuth, make(options))
