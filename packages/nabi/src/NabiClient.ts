/**
 * `NabiClient`: authenticated GraphQL against Nabi, with typed results.
 *
 * A 401 (expired or revoked access token) invalidates the session, renews it
 * (refresh token first, full login if that is refused) and replays the call
 * once. A 400 (a profile the wallet does not own) is `ProfileMismatch`: never
 * retried, and the session stays valid.
 *
 * @since 0.1.0
 */
import { SessionRejected } from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthRequest from "@authfx/core/AuthRequest"
import * as Keyed from "@authfx/core/Keyed"
import * as NabiGraphQL from "@authfx/protocol/NabiGraphQL"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import { dataOf, provider, readAnswer, toNabiError } from "./internal/graphql.js"
import { type NabiError, NabiGraphQLError } from "./Nabi.js"
import * as NabiAuth from "./NabiAuth.js"
import * as TonSigner from "./TonSigner.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Runs a GraphQL operation with the current access token and decodes its
   * `data` with `schema`. GraphQL `errors` are a `NabiGraphQLError`.
   */
  readonly query: <A, I>(
    document: string,
    variables: Readonly<Record<string, unknown>> | undefined,
    schema: Schema.Schema<A, I>
  ) => Effect.Effect<A, NabiError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class NabiClient extends Context.Tag("@authfx/nabi/NabiClient")<NabiClient, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends NabiAuth.Options {
  /** Retry of transient failures of queries (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, AuthError.ConfigurationError, HttpClient.HttpClient | NabiAuth.NabiAuth> =>
  Effect.gen(function*() {
    const url = yield* NabiAuth.validateUrl(options.url)
    const auth = yield* NabiAuth.NabiAuth
    const description = AuthError.describeRequest({ method: "POST", url })

    const classify = (response: HttpClientResponse.HttpClientResponse) => {
      if (response.status === 401) return Effect.fail(new SessionRejected({ status: 401, description: "Unauthorized" }))
      if (response.status !== 400) return Effect.void
      // 400 is what Nabi documents for a profile the token's address does not
      // own — and what Apollo answers for a request its schema refuses. Only
      // the first is ProfileMismatch; neither is a rejection of the session
      // (it must not be invalidated), and no retry can help either.
      return readAnswer(response).pipe(
        Effect.flatMap((answer): Effect.Effect<never, NabiError> => {
          const owner = answer.errors.find(NabiGraphQL.isNotOwner)
          if (owner === undefined) {
            return Effect.fail(
              answer.errors.length > 0
                ? new NabiGraphQLError({ provider, status: 400, errors: answer.errors.map(toNabiError) })
                : new AuthError.ProtocolError({
                  provider,
                  reason: "UnexpectedStatus",
                  status: 400,
                  request: description,
                  description: "400 without a GraphQL error"
                })
            )
          }
          return Effect.flatMap(auth.current, (session) =>
            Effect.fail(
              new AuthError.ProfileMismatch({
                provider,
                reason: "NotOwner",
                status: 400,
                address: Option.match(session, { onNone: () => "unknown", onSome: (s) => s.address }),
                profile: owner.extensions?.profileId ?? "unknown",
                ...(owner.extensions?.code !== undefined ? { code: owner.extensions.code } : {})
              })
            ))
        })
      )
    }

    const http = AuthHttpClient.make(yield* HttpClient.HttpClient, {
      auth,
      // The one place the access token leaves Redacted: the Authorization header.
      sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.accessToken)),
      classify,
      // The same bound as the token operations (`timeout`, default 30 s), body included: a server that sends
      // its headers and then stalls ends as a `TransportError(Timeout)`, never a hang.
      timeout: options.timeout ?? Duration.seconds(30),
      ...(options.retry !== undefined ? { retry: options.retry } : {})
    })

    return {
      query: (document, variables, schema) =>
        HttpClientRequest.post(url).pipe(
          AuthRequest.bodyJson(
            provider,
            variables === undefined ? { query: document } : { query: document, variables }
          ),
          Effect.flatMap(http.execute),
          Effect.flatMap(readAnswer),
          Effect.flatMap((answer) => dataOf(schema, answer, description)),
          Effect.catchTag("ProfileMismatch", (error) =>
            Effect.fail(
              error.profile !== "unknown"
                ? error
                : new AuthError.ProfileMismatch({ ...error, profile: NabiGraphQL.profileOf(variables) ?? "unknown" })
            )),
          Effect.withSpan("NabiClient.query", { attributes: { "authfx.provider": provider } })
        )
    } satisfies Service
  })

/**
 * `NabiClient` and `NabiAuth` together; the `TonSigner` comes from the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  NabiClient | NabiAuth.NabiAuth,
  AuthError.ConfigurationError,
  HttpClient.HttpClient | TonSigner.TonSigner
> => Layer.effect(NabiClient, make(options)).pipe(Layer.provideMerge(NabiAuth.layer(options)))

/**
 * Everything from the environment: `NABI_URL`, `NABI_MNEMONIC`, `NABI_ADDRESS`
 * (optional: derived from the key when absent, for `NABI_WALLET_VERSION`,
 * `v4r2` by default), `NABI_SIGNATURE_MODE` (`raw` by default, `ton_proof` or
 * `sign_data`), `NABI_SIGNATURE_ENCODING` (for `raw`: `hex` by default, or
 * `base64`) and `NABI_PROOF_DOMAIN` (for `ton_proof`/`sign_data`: the dApp
 * domain, by default the endpoint's host name). The mnemonic's key pair is
 * derived once, here.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  extra: Omit<Options, "url" | "signatureEncoding" | "signatureMode" | "proofDomain"> = {}
): Layer.Layer<
  NabiClient | NabiAuth.NabiAuth | TonSigner.TonSigner,
  AuthError.ConfigurationError,
  HttpClient.HttpClient
> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const url = yield* Config.string("NABI_URL").pipe(
        Effect.mapError(() => new AuthError.ConfigurationError({ provider, reason: "Missing", key: "NABI_URL" }))
      )
      const signatureEncoding = yield* Config.literal("hex", "base64")("NABI_SIGNATURE_ENCODING").pipe(
        Config.withDefault("hex" as const),
        Effect.mapError(() =>
          new AuthError.ConfigurationError({
            provider,
            reason: "Invalid",
            key: "NABI_SIGNATURE_ENCODING",
            description: "expected hex or base64"
          })
        )
      )
      const signatureMode = yield* Config.literal(...NabiAuth.signatureModes)("NABI_SIGNATURE_MODE").pipe(
        Config.withDefault<NabiAuth.SignatureMode>("raw"),
        Effect.mapError(() =>
          new AuthError.ConfigurationError({
            provider,
            reason: "Invalid",
            key: "NABI_SIGNATURE_MODE",
            description: `expected one of ${NabiAuth.signatureModes.join(", ")}`
          })
        )
      )
      const proofDomain = yield* Config.option(Config.nonEmptyString("NABI_PROOF_DOMAIN")).pipe(
        Effect.map(Option.getOrUndefined),
        Effect.mapError(() =>
          new AuthError.ConfigurationError({ provider, reason: "Invalid", key: "NABI_PROOF_DOMAIN" })
        )
      )
      return layer({
        ...extra,
        url,
        signatureEncoding,
        signatureMode,
        // Read from these variables: errors about them name them.
        configKeys: {
          url: "NABI_URL",
          signatureMode: "NABI_SIGNATURE_MODE",
          signatureEncoding: "NABI_SIGNATURE_ENCODING"
        },
        ...(proofDomain !== undefined ? { proofDomain } : {})
      }).pipe(Layer.provideMerge(TonSigner.layerConfig()))
    })
  )

/**
 * Many wallets in one process (a backend acting for many users): a `NabiClient` per wallet, built from its
 * configuration (its signer) on first use, each with its own tokens, bounded by `capacity` and
 * `idleTimeToLive` (see `Keyed`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const keyed = <E = never, R = never>(options: Keyed.AccountsOptions<Options, E, R>) =>
  Keyed.fromLayer(NabiClient, (config, account) => layer({ account, ...config }), options)
