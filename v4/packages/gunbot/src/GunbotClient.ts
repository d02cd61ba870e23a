/**
 * `GunbotClient`: Gunbot's REST API with the JWT attached, a 401 answered by one
 * new login and one replay, and typed results.
 *
 * Differences from the effect 3 line: `GunbotClient` is a `Context.Service` key;
 * `get` and `post` take a `Schema.Codec`; `Service.http`'s error type is
 * `AuthHttpClientError<Gunbot>` (what the authenticated client fails with:
 * effect 4's `HttpClient.With` is invariant in its error, so it is not widened
 * to `GunbotError`). `keyed` passes each account's key as `account`, as the
 * v3 line does.
 *
 * @since 1.0.0
 */
import { SessionRejected } from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthRequest from "@authfx/core/AuthRequest"
import * as Keyed from "@authfx/core/Keyed"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import {
  AuthStatus,
  type Balance,
  Balances,
  ErrorResponse,
  type Gunbot,
  GunbotApiError,
  type GunbotError,
  type LimitOrder,
  type MarketOrder,
  TradeResponse
} from "./Gunbot.js"
import * as GunbotAuth from "./GunbotAuth.js"
import { decodeJson, mapPlatformError, provider } from "./internal/http.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface Service {
  /** `GET /api/v1/auth/status`: whether the session is accepted, and Gunbot's message. */
  readonly status: Effect.Effect<AuthStatus, GunbotError>
  /** `POST /api/v1/balances` (no body): every asset on every configured exchange. */
  readonly balances: Effect.Effect<ReadonlyArray<Balance>, GunbotError>
  /** `POST /api/v1/trade/buy` with `{ "data": order }`: a limit buy. */
  readonly buy: (order: LimitOrder) => Effect.Effect<TradeResponse, GunbotError>
  /** `POST /api/v1/trade/sell` with `{ "data": order }`: a limit sell. */
  readonly sell: (order: LimitOrder) => Effect.Effect<TradeResponse, GunbotError>
  /** `POST /api/v1/trade/buy/market` with `{ "data": order }`. */
  readonly buyMarket: (order: MarketOrder) => Effect.Effect<TradeResponse, GunbotError>
  /** `POST /api/v1/trade/sell/market` with `{ "data": order }`. */
  readonly sellMarket: (order: MarketOrder) => Effect.Effect<TradeResponse, GunbotError>
  /** An authenticated `GET` of any route under `/api/v1`, decoded with `schema`. */
  readonly get: <A, I>(path: string, schema: Schema.Codec<A, I>) => Effect.Effect<A, GunbotError>
  /** An authenticated `POST` of a JSON body to any route under `/api/v1`, decoded with `schema`. */
  readonly post: <A, I>(path: string, body: unknown, schema: Schema.Codec<A, I>) => Effect.Effect<A, GunbotError>
  /** The authenticated client, relative to `/api/v1`. */
  readonly http: HttpClient.HttpClient.With<AuthHttpClient.AuthHttpClientError<Gunbot>>
}

/**
 * @since 1.0.0
 * @category tags
 */
export class GunbotClient extends Context.Service<GunbotClient, Service>()("@authfx/gunbot/GunbotClient") {}

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  readonly url: string
  /** Retry of transient failures (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /**
   * Bound on each attempt of an API call, body included (default 30 s, as
   * for a login: with `layer`, the same option bounds both).
   */
  readonly timeout?: Duration.Input | undefined
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /** How errors name `url` (see `GunbotAuth.Options.configKeys`). */
  readonly configKeys?: GunbotAuth.Options["configKeys"]
}

const defaultTimeout = Duration.seconds(30)

const classify = (response: HttpClientResponse.HttpClientResponse) =>
  response.status === 401
    ? Effect.fail(new SessionRejected({ status: 401, description: "Authentication required" }))
    : Effect.void

const decodeErrorResponse = Schema.decodeUnknownResult(ErrorResponse)

/** `METHOD /api/v1/path`, without host or query: what an error says failed. */
const routeOf = (method: string, path: string) => `${method} /api/v1${path.split("?")[0]}`

const isHtml = (response: HttpClientResponse.HttpClientResponse) =>
  /text\/html/i.test(response.headers["content-type"] ?? "")

/**
 * A 2xx decoded with `schema`; Gunbot's `ErrorResponse` as `GunbotApiError`; anything else (a 404 page, an HTML
 * page in place of JSON) a `ProtocolError` naming the route. Each says which route failed.
 */
const decode = <A, I>(schema: Schema.Codec<A, I>, route: string, urlKey: string) =>
(
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, GunbotError> => {
  const request = AuthError.describeRequest(response.request)
  if (response.status >= 200 && response.status < 300) {
    // A server that answers unknown routes with its web app's page (200 text/html) has no such API route.
    if (isHtml(response)) {
      return Effect.fail(
        new AuthError.ProtocolError({
          provider,
          reason: "Decode",
          status: response.status,
          request,
          description: `${route} answered an HTML page, not JSON: not an API route of this Gunbot, or ${urlKey} ` +
            `is not Gunbot's GUI port`
        })
      )
    }
    return decodeJson(schema, response)
  }
  return response.text.pipe(
    Effect.mapError(mapPlatformError),
    Effect.flatMap((text): Effect.Effect<never, GunbotError> => {
      let json: unknown = undefined
      try {
        json = JSON.parse(text)
      } catch {
        // Not JSON (Express-style "Cannot POST ..." page, a proxy's error page): typed below.
      }
      const body = decodeErrorResponse(json)
      if (Result.isSuccess(body)) {
        return Effect.fail(
          new GunbotApiError({
            provider,
            status: response.status,
            description: body.success.message,
            route,
            ...(body.success.code !== undefined ? { code: body.success.code } : {})
          })
        )
      }
      return Effect.fail(
        new AuthError.ProtocolError({
          provider,
          reason: "UnexpectedStatus",
          status: response.status,
          request,
          description: response.status === 404
            ? `no such API route: ${route} (check the route, the Gunbot version, and ${urlKey})`
            : `${route} failed without Gunbot's ErrorResponse`
        })
      )
    })
  )
}

/**
 * @since 1.0.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, AuthError.ConfigurationError, HttpClient.HttpClient | GunbotAuth.GunbotAuth> =>
  Effect.gen(function*() {
    const urlKey = options.configKeys?.url ?? "url"
    const url = yield* GunbotAuth.validateUrl(options.url, urlKey)
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
      // Every call is bounded, body included: a Gunbot that sends its headers and then stalls ends as a
      // `TransportError(Timeout)`, never a hang.
      timeout: options.timeout ?? defaultTimeout,
      ...(options.retry !== undefined ? { retry: options.retry } : {})
    })
    const get = <A, I>(path: string, schema: Schema.Codec<A, I>) =>
      http.get(path).pipe(Effect.flatMap(decode(schema, routeOf("GET", path), urlKey)))
    const post = <A, I>(path: string, body: unknown, schema: Schema.Codec<A, I>) =>
      AuthRequest.bodyJson(HttpClientRequest.post(path), provider, body).pipe(
        Effect.flatMap(http.execute),
        Effect.flatMap(decode(schema, routeOf("POST", path), urlKey))
      )
    // Orders travel under `data` (the OpenAPI specification's TradeLimitOrderRequest / TradeMarketOrderRequest and
    // the documentation's examples); a market order without a price sends none.
    const trade = (path: string, span: string) => (order: LimitOrder | MarketOrder) =>
      post(path, {
        data: {
          exch: order.exch,
          pair: order.pair,
          amt: order.amt,
          ...(order.price !== undefined ? { price: order.price } : {})
        }
      }, TradeResponse).pipe(Effect.withSpan(span))
    return {
      status: get("/auth/status", AuthStatus).pipe(Effect.withSpan("GunbotClient.status")),
      // The SDK sends this POST with no body at all; so does this client.
      balances: http.execute(HttpClientRequest.post("/balances")).pipe(
        Effect.flatMap(decode(Balances, routeOf("POST", "/balances"), urlKey)),
        Effect.withSpan("GunbotClient.balances")
      ),
      buy: trade("/trade/buy", "GunbotClient.buy"),
      sell: trade("/trade/sell", "GunbotClient.sell"),
      buyMarket: trade("/trade/buy/market", "GunbotClient.buyMarket"),
      sellMarket: trade("/trade/sell/market", "GunbotClient.sellMarket"),
      get: (path, schema) => get(path, schema).pipe(Effect.withSpan("GunbotClient.get")),
      post: (path, body, schema) => post(path, body, schema).pipe(Effect.withSpan("GunbotClient.post")),
      http
    } satisfies Service
  })

/**
 * `GunbotClient` and `GunbotAuth` together.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (
  options: GunbotAuth.Options & Options
): Layer.Layer<GunbotClient | GunbotAuth.GunbotAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.effect(GunbotClient, make(options)).pipe(Layer.provideMerge(GunbotAuth.layer(options)))

/**
 * The same from `GUNBOT_URL`, `GUNBOT_PASSWORD` and `GUNBOT_WALLET`.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig = (
  extra: Omit<GunbotAuth.Options & Options, "url" | "password" | "gunthyWallet"> = {}
): Layer.Layer<GunbotClient | GunbotAuth.GunbotAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.unwrap(Effect.map(GunbotAuth.fromConfig(), (options) => layer({ ...extra, ...options })))

/**
 * Many Gunbot instances in one process (a dashboard over a fleet): a `GunbotClient` per account, built from
 * that account's configuration on first use, each with its own session, bounded by `capacity` and
 * `idleTimeToLive` (see `Keyed`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const keyed = <E = never, R = never>(options: Keyed.AccountsOptions<GunbotAuth.Options & Options, E, R>) =>
  Keyed.fromLayer(GunbotClient, (config, account) => layer({ account, ...config }), options)
