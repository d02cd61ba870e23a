/**
 * `WhatsGateClient`: every documented WhatsGate endpoint as a typed call,
 * authenticated with `WhatsGateAuth`.
 *
 * Reads (`status`, `balance`, `failedNumbers`, `connect`) retry transient
 * failures; sends and deletes retry only a 429, since after a 5xx or a cut
 * connection WhatsGate may already have sent the message (at most once).
 *
 * @since 1.0.0
 */
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthRequest from "@authfx/core/AuthRequest"
import * as Keyed from "@authfx/core/Keyed"
import * as Policy from "@authfx/core/Policy"
import * as Url from "@authfx/core/Url"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import { classify, decode } from "./internal/response.js"
import * as WhatsGate from "./WhatsGate.js"
import * as WhatsGateAuth from "./WhatsGateAuth.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface Service {
  /** `POST /send/text`. The message is at most 4,000 characters. Returns WhatsGate's message. */
  readonly sendText: (input: {
    readonly phone: string
    readonly message: string
    readonly device?: string | undefined
  }) => Effect.Effect<string, WhatsGate.WhatsGateError>
  /** `POST /send/image`: `media` is a URL or base64 data. */
  readonly sendImage: (input: {
    readonly phone: string
    readonly media: string
    readonly caption?: string | undefined
    readonly device?: string | undefined
  }) => Effect.Effect<string, WhatsGate.WhatsGateError>
  /** `POST /send/video`: `media` is a URL. */
  readonly sendVideo: (input: {
    readonly phone: string
    readonly media: string
    readonly caption?: string | undefined
    readonly device?: string | undefined
  }) => Effect.Effect<string, WhatsGate.WhatsGateError>
  /** `GET /connect/{device}`: the QR code to pair a device, as a data URL. */
  readonly connect: (device?: string) => Effect.Effect<string, WhatsGate.WhatsGateError>
  /** `GET /status/{device}`. */
  readonly status: (device?: string) => Effect.Effect<WhatsGate.DeviceStatus, WhatsGate.WhatsGateError>
  /** `POST /delete`. Returns WhatsGate's message. */
  readonly deleteDevice: (device?: string) => Effect.Effect<string, WhatsGate.WhatsGateError>
  /** `GET /reports/balance/{device}`. */
  readonly balance: (device?: string) => Effect.Effect<WhatsGate.Balance, WhatsGate.WhatsGateError>
  /** `GET /reports/failed_numbers`; dates as `YYYY-MM-DD`. */
  readonly failedNumbers: (input: {
    readonly from: string
    readonly to: string
    readonly device?: string | undefined
  }) => Effect.Effect<ReadonlyArray<WhatsGate.FailedNumber>, WhatsGate.WhatsGateError>
  /**
   * The authenticated client, relative to the API's base URL, for anything else. Its error type names what its
   * `classify` fails with (effect 4's `HttpClient.With` is invariant in its error, so it cannot be widened to every
   * `AuthError` as the v3 line's is).
   */
  readonly http: HttpClient.HttpClient.With<
    AuthHttpClient.AuthHttpClientError<
      WhatsGate.WhatsGate,
      AuthError.CredentialsMissing | AuthError.ProtocolError | AuthError.TransportError
    >
  >
}

/**
 * @since 1.0.0
 * @category tags
 */
export class WhatsGateClient extends Context.Service<WhatsGateClient, Service>()("@authfx/whatsgate/WhatsGateClient") {}

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /** `https://<subdomain>.whatsgate.net/api` */
  readonly url: string
  /** The device used when a call names none (`WHATSGATE_DEVICE`). */
  readonly device?: string | undefined
  /** Retry of transient failures for reads; `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /** Bound on each attempt (default 30 seconds). */
  readonly timeout?: Duration.Input | undefined
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /**
   * How errors name `url` and `device`: the options by default; `layerConfig` sets the variables it read them
   * from (`WHATSGATE_URL`, `WHATSGATE_DEVICE`), so that a message names a variable only when the value came from it.
   */
  readonly configKeys?: {
    readonly url?: string | undefined
    readonly device?: string | undefined
    readonly token?: string | undefined
  } | undefined
}

const provider = "whatsgate"

/**
 * Checks a base URL: http or https, without a trailing slash.
 *
 * @since 1.0.0
 * @category constructors
 */
export const validateUrl = (url: string, key = "url"): Effect.Effect<string, AuthError.ConfigurationError> =>
  Effect.map(
    Url.validate({ provider, key, url, example: "https://<subdomain>.whatsgate.net/api" }),
    // Every documented endpoint lives under `/api`: a bare host is normalised to it rather than sent to `/`.
    (valid) => new URL(valid).pathname.replace(/\/+$/, "") === "" ? `${valid}/api` : valid
  )

/**
 * @since 1.0.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, AuthError.ConfigurationError, HttpClient.HttpClient | WhatsGateAuth.WhatsGateAuth> =>
  Effect.gen(function*() {
    const url = yield* validateUrl(options.url, options.configKeys?.url)
    const auth = yield* WhatsGateAuth.WhatsGateAuth
    const base = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.prependUrl(url)),
      options.transformClient ?? ((client) => client)
    )
    const authenticated = (retry: Schedule.Schedule<unknown, unknown> | false) =>
      AuthHttpClient.make(base, {
        auth,
        // The one place the token leaves Redacted: the header it travels in.
        sign: (request, session) => HttpClientRequest.setHeader(request, "Access-Token", Redacted.value(session.token)),
        classify,
        retry,
        // WhatsGate's documented bound, applied unless the application sets its own.
        timeout: options.timeout ?? Duration.seconds(30),
        redactedHeaders: ["access-token"]
      })
    const readRetry = options.retry === undefined ? Policy.transientSchedule() : options.retry
    const reads = authenticated(readRetry)
    // At most once: a send is retried only when WhatsGate said it did not take it (429).
    const writes = authenticated(
      readRetry === false
        ? false
        : Schedule.while(
          readRetry,
          ({ input }) => AuthError.isTransient(input) && input.reason === "RateLimited"
        )
    )

    const deviceOf = (device: string | undefined) =>
      Effect.fromOption(Option.fromNullishOr(device ?? options.device)).pipe(
        Effect.mapError(() =>
          new AuthError.ConfigurationError({
            provider,
            reason: "Missing",
            key: options.configKeys?.device ?? "device",
            description: "name a device in the call or configure a default one"
          })
        )
      )

    const get = <A, I>(path: string, schema: Schema.Codec<A, I>) =>
      reads.get(path, { acceptJson: true }).pipe(Effect.flatMap(decode(schema)))
    // Always a JSON body declared as such (the documentation: "Content-Type: application/json"), and JSON asked
    // for, so that a framework that renders errors by `Accept` answers them as JSON too.
    const post = <A, I>(path: string, body: unknown, schema: Schema.Codec<A, I>) =>
      AuthRequest.bodyJson(HttpClientRequest.post(path), provider, body).pipe(
        Effect.map(HttpClientRequest.acceptJson),
        Effect.flatMap(writes.execute),
        Effect.flatMap(decode(schema))
      )
    const send = (path: string, body: Record<string, unknown>, device: string | undefined) =>
      deviceOf(device).pipe(
        Effect.flatMap((sender) => post(path, { sender_device: sender, ...body }, WhatsGate.Sent)),
        Effect.map((sent) => sent.message)
      )
    const withoutUndefined = (input: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined))

    return {
      sendText: ({ device, message, phone }) =>
        send("/send/text", { phone, message }, device).pipe(Effect.withSpan("WhatsGateClient.sendText")),
      sendImage: ({ caption, device, media, phone }) =>
        send("/send/image", withoutUndefined({ phone, media, caption }), device).pipe(
          Effect.withSpan("WhatsGateClient.sendImage")
        ),
      sendVideo: ({ caption, device, media, phone }) =>
        send("/send/video", withoutUndefined({ phone, media, caption }), device).pipe(
          Effect.withSpan("WhatsGateClient.sendVideo")
        ),
      connect: (device) =>
        deviceOf(device).pipe(
          Effect.flatMap((id) => get(`/connect/${encodeURIComponent(id)}`, WhatsGate.ConnectResponse)),
          Effect.map((r) => r.qrCode),
          Effect.withSpan("WhatsGateClient.connect")
        ),
      status: (device) =>
        deviceOf(device).pipe(
          Effect.flatMap((id) => get(`/status/${encodeURIComponent(id)}`, WhatsGate.StatusResponse)),
          Effect.map((r) => r.message),
          Effect.withSpan("WhatsGateClient.status")
        ),
      deleteDevice: (device) =>
        deviceOf(device).pipe(
          Effect.flatMap((id) => post("/delete", { sender_device: id }, WhatsGate.Sent)),
          Effect.map((r) => r.message),
          Effect.withSpan("WhatsGateClient.deleteDevice")
        ),
      balance: (device) =>
        deviceOf(device).pipe(
          Effect.flatMap((id) => get(`/reports/balance/${encodeURIComponent(id)}`, WhatsGate.Balance)),
          Effect.withSpan("WhatsGateClient.balance")
        ),
      failedNumbers: ({ device, from, to }) =>
        deviceOf(device).pipe(
          Effect.flatMap((id) =>
            reads.get("/reports/failed_numbers", { urlParams: { device: id, from, to } }).pipe(
              Effect.flatMap(decode(WhatsGate.FailedNumbers))
            )
          ),
          Effect.map((r) => r.data),
          Effect.withSpan("WhatsGateClient.failedNumbers")
        ),
      http: reads
    } satisfies Service
  })

/**
 * `WhatsGateClient` and `WhatsGateAuth` together, and the `Access-Token`
 * header registered as a secret header name for the whole program.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (
  options: Options & WhatsGateAuth.Options
): Layer.Layer<WhatsGateClient | WhatsGateAuth.WhatsGateAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.effect(WhatsGateClient, make(options)).pipe(
    Layer.provideMerge(WhatsGateAuth.layer(options)),
    Layer.merge(AuthHttpClient.layerRedactedHeaders(["access-token"]))
  )

/**
 * The same from the environment: `WHATSGATE_URL`, `WHATSGATE_ACCESS_TOKEN`
 * (re-read after a rejection) and an optional `WHATSGATE_DEVICE`.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig = (
  config: {
    readonly url?: Config.Config<string> | undefined
    readonly token?: Config.Config<Redacted.Redacted<string>> | undefined
    readonly device?: Config.Config<Option.Option<string>> | undefined
  } = {}
): Layer.Layer<WhatsGateClient | WhatsGateAuth.WhatsGateAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.unwrap(
    Effect.gen(function*() {
      // A setting read from its variable is named by it in errors; one the application gave as a Config is not.
      const configKeys = {
        url: config.url === undefined ? "WHATSGATE_URL" : "url",
        device: config.device === undefined ? "WHATSGATE_DEVICE" : "device",
        ...WhatsGateAuth.configKeysFor(config.token)
      }
      const url = yield* (config.url ?? Config.String("WHATSGATE_URL")).pipe(
        Effect.mapError(() => new AuthError.ConfigurationError({ provider, reason: "Missing", key: configKeys.url }))
      )
      const device = yield* (config.device ?? Config.option(Config.String("WHATSGATE_DEVICE"))).pipe(
        Effect.orElseSucceed(() => Option.none<string>())
      )
      return layer({
        url,
        device: Option.getOrUndefined(device),
        configKeys,
        token: WhatsGateAuth.tokenFromConfig(config.token)
      })
    })
  )

/**
 * Many WhatsGate accounts in one process: a `WhatsGateClient` per account, built from that account's
 * configuration on first use, bounded by `capacity` and `idleTimeToLive` (see `Keyed`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const keyed = <E = never, R = never>(options: Keyed.AccountsOptions<Options & WhatsGateAuth.Options, E, R>) =>
  Keyed.fromLayer(WhatsGateClient, (config) => layer(config), options)
