/**
 * `GunbotAuth`: Gunbot's password login as an `Authenticated<Gunbot>`.
 *
 * The password is encrypted once per layer (`GunbotPassword.encrypt`), the JWT
 * is renewed by a new login before its `exp` (proactively, at 80% of its
 * lifetime) and after a 401 (reactively, once). A wrong password is
 * `CredentialsRejected` (`WrongPassword`), never retried in a loop.
 *
 * @since 0.1.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthResponse from "@authfx/core/AuthResponse"
import * as Coordination from "@authfx/core/Coordination"
import * as Jwt from "@authfx/core/Jwt"
import * as Policy from "@authfx/core/Policy"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Url from "@authfx/core/Url"
import * as ConfigKeys from "@authfx/protocol/ConfigKeys"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type Gunbot, type GunbotAuthError, type GunbotSession, GunbotSessionSchema, LoginResponse } from "./Gunbot.js"
import * as GunbotPassword from "./GunbotPassword.js"
import { mapPlatformError, provider, readJson } from "./internal/http.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class GunbotAuth extends Context.Tag("@authfx/gunbot/GunbotAuth")<
  GunbotAuth,
  Authenticated.Authenticated<Gunbot>
>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `http(s)://<host>:<GUI port>`, e.g. `http://localhost:3000`. */
  readonly url: string
  /** The plain password, or one already encrypted (`ENC:…`). */
  readonly password: Redacted.Redacted<string>
  /** `config.bot.gunthy_wallet`: needed to encrypt a plain password. */
  readonly gunthyWallet?: Redacted.Redacted<string> | undefined
  /** Retry of transient login failures (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /** Bound on one login attempt (default 30 s). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Options of the engine (refresh fraction, margins). */
  readonly engine?: Partial<Omit<SessionEngine.Options<Gunbot>, "provider" | "acquire">> | undefined
  /**
   * One session per Gunbot instance across the fleet: the `Coordination` to
   * use (default: the one in the context, if any); `false` to work alone. A
   * new Gunbot login may revoke older tokens, so replicas that log in on
   * their own can log each other out.
   */
  readonly coordination?: Coordination.Service | false | undefined
  /** The account's key in a keyed service, added to the coordination key (the instance's origin always is). */
  readonly account?: string | undefined
  /**
   * How errors name `url`, `password` and `gunthyWallet`: by default the options themselves; `fromConfig` (and so
   * `layerConfig`) sets the environment variables it read them from, so that a message names a variable only when
   * the value came from it.
   */
  readonly configKeys?: ConfigKeys.Given<ConfigKeys.GunbotSetting> | undefined
}

/**
 * Checks a Gunbot base URL and drops a trailing slash.
 *
 * @since 0.1.0
 * @category constructors
 */
export const validateUrl = (url: string, key = "url"): Effect.Effect<string, AuthError.ConfigurationError> =>
  Effect.map(
    Url.validate({ provider, key, url, example: "http://localhost:3000" }),
    // The official SDK's base path convention ends in `/api/v1`; routes are appended to the host's root here,
    // so that suffix is dropped rather than doubled (`/api/v1/api/v1/...`).
    (valid) => valid.replace(/\/api\/v1\/?$/i, "")
  )

/**
 * A login: `POST /api/v1/auth/login` with the encrypted password.
 *
 * @since 0.1.0
 * @category constructors
 */
export const login = (
  client: HttpClient.HttpClient,
  url: string,
  encrypted: Redacted.Redacted<string>,
  configKeys: ConfigKeys.Given<ConfigKeys.GunbotSetting> = {}
): Effect.Effect<GunbotSession, GunbotAuthError> => {
  const keys = ConfigKeys.resolve(ConfigKeys.gunbotSettings, configKeys)
  const refused = `Gunbot refused the password: check ${keys.password} and ${keys.gunthyWallet}`
  return HttpClientRequest.post(`${url}/api/v1/auth/login`).pipe(
    // The one place the encrypted password leaves Redacted: the login body.
    HttpClientRequest.bodyUnsafeJson({ password: Redacted.value(encrypted) }),
    client.execute,
    Effect.mapError(mapPlatformError),
    Effect.flatMap((response): Effect.Effect<GunbotSession, GunbotAuthError> => {
      if (response.status === 200) {
        return readJson(response).pipe(
          Effect.flatMap((body): Effect.Effect<GunbotSession, GunbotAuthError> => {
            // Gunbot may refuse a login with a 200 whose body says `"status": "error"` (its ErrorResponse shape).
            if (typeof body === "object" && body !== null && (body as { status?: unknown }).status === "error") {
              return Effect.fail(
                new AuthError.CredentialsRejected({
                  provider,
                  reason: "WrongPassword",
                  status: 200,
                  description: refused
                })
              )
            }
            return AuthResponse.decodeValue(provider, LoginResponse, body, response).pipe(
              Effect.map(({ token }) => ({
                token: Redacted.make(token),
                claims: Option.getOrUndefined(Jwt.claimsOption(token))
              }))
            )
          })
        )
      }
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        return Effect.fail(
          new AuthError.CredentialsRejected({
            provider,
            reason: "WrongPassword",
            status: response.status,
            description: refused
          })
        )
      }
      const request = AuthError.describeRequest(response.request)
      if (AuthResponse.isTransientStatus(response.status)) {
        // A login honours Retry-After as API calls do.
        return AuthResponse.transientAnswer(provider, response)
      }
      return Effect.fail(
        new AuthError.ProtocolError({
          provider,
          reason: "UnexpectedStatus",
          status: response.status,
          request,
          ...(response.status === 404
            ? { description: `no login route at POST /api/v1/auth/login: ${keys.url} is not a Gunbot GUI origin` }
            : {})
        })
      )
    })
  )
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  Authenticated.Authenticated<Gunbot>,
  AuthError.ConfigurationError,
  HttpClient.HttpClient | Scope.Scope
> =>
  Effect.gen(function*() {
    const keys = ConfigKeys.resolve(ConfigKeys.gunbotSettings, options.configKeys)
    const url = yield* validateUrl(options.url, keys.url)
    // Encrypted once per layer; a short wallet fails here, before any request.
    const encrypted = yield* GunbotPassword.encrypt(options.password, options.gunthyWallet, keys)
    // Login answers are read within the timeout below and bounded in size.
    const client = AuthHttpClient.bounded(yield* HttpClient.HttpClient)
    const once = login(client, url, encrypted, keys).pipe(
      Policy.timeout(provider, options.timeout ?? "30 seconds")
    )
    const acquire = options.retry === false ? once : once.pipe(Policy.retryTransient(options.retry))
    const origin = new URL(url).origin
    const coordination = yield* Coordination.forSession({
      service: options.coordination,
      provider,
      key: Coordination.key(provider, options.account === undefined ? origin : `${options.account}/${origin}`),
      schema: GunbotSessionSchema,
      expiresAt: (session) => session.claims === undefined ? undefined : Jwt.expiresAtMillis(session.claims),
      // The session belongs to this password on this instance: a record of another is never adopted.
      account: (yield* Coordination.fingerprint(`${origin}\u0000${Redacted.value(encrypted)}`)) ?? origin
    })
    return yield* SessionEngine.make<Gunbot>({
      spanPrefix: "GunbotAuth",
      coordination,
      ...options.engine,
      provider,
      acquire,
      expiresAt: (session) => session.claims === undefined ? undefined : Jwt.expiresAtMillis(session.claims),
      issuedAt: (session) => session.claims === undefined ? undefined : Jwt.issuedAtMillis(session.claims)
    })
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<GunbotAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.scoped(GunbotAuth, make(options))

/**
 * The configuration `layerConfig` reads: `GUNBOT_URL`, `GUNBOT_PASSWORD`
 * (plain or `ENC:`) and `GUNBOT_WALLET` (needed for a plain password).
 *
 * @since 0.1.0
 * @category configuration
 */
export const config: Config.Config<Pick<Options, "url" | "password" | "gunthyWallet">> = Config.all({
  url: Config.string("GUNBOT_URL"),
  password: Config.redacted("GUNBOT_PASSWORD"),
  gunthyWallet: Config.option(Config.redacted("GUNBOT_WALLET")).pipe(Config.map(Option.getOrUndefined))
})

/**
 * Reads {@link config}; a missing variable is a `ConfigurationError` naming it, and later errors about a
 * setting name the variable it came from (`configKeys`). Another `source` is read as it is, and errors name
 * the options.
 *
 * @since 0.1.0
 * @category configuration
 */
export const fromConfig = (
  source: Config.Config<Pick<Options, "url" | "password" | "gunthyWallet">> = config
): Effect.Effect<Pick<Options, "url" | "password" | "gunthyWallet" | "configKeys">, AuthError.ConfigurationError> =>
  source === config
    ? Effect.mapBoth(config, {
      onFailure: (error) =>
        new AuthError.ConfigurationError({
          provider,
          reason: "Missing",
          key: /GUNBOT_URL/.test(String(error)) ? "GUNBOT_URL" : "GUNBOT_PASSWORD",
          description: "set GUNBOT_URL and GUNBOT_PASSWORD (and GUNBOT_WALLET for a plain password)"
        }),
      // Read from these variables: errors about them name them.
      onSuccess: (options) => ({ ...options, configKeys: ConfigKeys.gunbotEnvironment })
    })
    // A configuration of the application's own: its names are not known here, so errors name the options.
    : Effect.mapError(source, () =>
      new AuthError.ConfigurationError({
        provider,
        reason: "Missing",
        key: "configuration",
        description: "the configuration given to fromConfig could not be read"
      }))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  extra: Omit<Options, "url" | "password" | "gunthyWallet"> = {}
): Layer.Layer<GunbotAuth, AuthError.ConfigurationError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(fromConfig(), (options) => layer({ ...extra, ...options })))
