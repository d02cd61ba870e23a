/**
 * `GunbotClient`: Gunbot's REST API with the JWT attached, a 401 answered by one
 * new login and one replay, and typed results.
 *
 * @since 0.1.0
 */
import { SessionRejected } from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as Keyed from "@authfx/core/Keyed"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { AuthStatus, ErrorResponse, GunbotApiError, type GunbotError } from "./Gunbot.js"
import * as GunbotAuth from "./GunbotAuth.js"
import { decodeJson, provider, readJson } from "./internal/http.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `GET /api/v1/auth/status`: whether the session is accepted, and Gunbot's message. */
  readonly status: Effect.Effect<AuthStatus, GunbotError>
  /** An authenticated `GET` of any route under `/api/v1`, decoded with `schema`. */
  readonly get: <A, I>(path: string, schema: Schema.Schema<A, I>) => Effect.Effect<A, GunbotError>
  /** An authenticated `POST` of a JSON body to any route under `/api/v1`, decoded with `schema`. */
  readonly post: <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) => Effect.Effect<A, GunbotError>
  /** The authenticated client, relative to `/api/v1`. */
  readonly http: HttpClient.HttpClient.With<GunbotError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class GunbotClient extends Context.Tag("@authfx/gunbot/GunbotClient")<GunbotClient, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly url: string
  /** Retry of transient failures (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

const classify = (response: HttpClientResponse.HttpClientResponse) =>
  response.status === 401
    ? Effect.fail(new SessionRejected({ status: 401, description: "Authentication required" }))
    : Effect.void

const decodeErrorResponse = Schema.decodeUnknownEither(ErrorResponse)

/** A 2xx decoded with `schema`; anything else Gunbot's `ErrorResponse`, typed. */
const decode = <A, I>(schema: Schema.Schema<A, I>) => (response: HttpClientResponse.HttpClientResponse) => {
  if (response.status >= 200 && response.status < 300) return decodeJson(schema, response)
  return Effect.flatMap(readJson(response), (json): Effect.Effect<never, GunbotError> => {
    const body = decodeErrorResponse(json)
    return Either.isRight(body)
      ? Effect.fail(
        new GunbotApiError({
          provider,
          status: response.status,
          description: body.right.message,
          ...(body.right.code !== undefined ? { code: body.right.code } : {})
        })
      )
      : Effect.fail(
        new AuthError.ProtocolError({
          provider,
          reason: "UnexpectedStatus",
          status: response.status,
          request: AuthError.describeRequest(response.request)
        })
      )
  })
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, AuthError.ConfigurationError, HttpClient.HttpClient | GunbotAuth.GunbotAuth> =>
  Effect.gen(function*() {
    const url = yield* GunbotAuth.validateUrl(options.url)
    const auth = yield* GunbotAuth.GunbotAuth
    const base = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.prependUrl(`${url}/api/v1`)),
      options.transformClient ?? ((client) => client)
    )
    const http = AuthHttpClient.make(base, {
      auth,
      // The one place the JWT leaves Redacted: the Authorization header.
      sign: (request, session) => HttpClientRequest.bearerToken(request, Redacted.value(session.token)),
      classify,
      ...(options.retry !== undefined ? { retry: options.retry } : {})
    })
    const get = <A, I>(path: string, schema: Schema.Schema<A, I>) => http.get(path).pipe(Effect.flatMap(decode(schema)))
    const post = <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) =>
      http.execute(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(path), body)).pipe(
        Effect.flatMap(decode(schema))
      )
    return {
      status: get("/auth/status", AuthStatus).pipe(Effect.withSpan("GunbotClient.status")),
      get: (path, schema) => get(path, schema).pipe(Effect.withSpan("GunbotClient.get")),
      post: (path, body, schema) => post(path, body, schema).pipe(Effect.withSpan("GunbotClient.post")),
      http
    } satisfies Service
  })

/**
 * `GunbotClient` and `GunbotAuth` together.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: GunbotAuth.Options & Options
): Layer.Layer<GunbotClient | GunbotAuth.GunbotAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.effect(GunbotClient, make(options)).pipe(Layer.provideMerge(GunbotAuth.layer(options)))

/**
 * The same from `GUNBOT_URL`, `GUNBOT_PASSWORD` and `GUNBOT_WALLET`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  extra: Omit<GunbotAuth.Options & Options, "url" | "password" | "gunthyWallet"> = {}
): Layer.Layer<GunbotClient | GunbotAuth.GunbotAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(GunbotAuth.fromConfig(), (options) => layer({ ...extra, ...options })))

/**
 * Many Gunbot instances in one process (a dashboard over a fleet): a `GunbotClient` per account, built from
 * that account's configuration on first use, each with its own session, bounded by `capacity` and
 * `idleTimeToLive` (see `Keyed`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const keyed = <E = never, R = never>(options: Keyed.AccountsOptions<GunbotAuth.Options & Options, E, R>) =>
  Keyed.fromLayer(GunbotClient, (config, account) => layer({ account, ...config }), options)
