/**
 * `WhatsGateAuth`: the `Access-Token` as an `Authenticated<WhatsGate>`.
 *
 * The token never expires; it ends when it is regenerated. So the token source
 * is an Effect, read once at first use and re-read once after WhatsGate answers
 * `invalid Access-Token`: a rotated secret is picked up without a restart, and
 * an unchanged one fails with `CredentialsRejected` without another request.
 *
 * @since 1.0.0
 */
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { WhatsGate, WhatsGateAuthError, WhatsGateSession } from "./WhatsGate.js"

/**
 * @since 1.0.0
 * @category tags
 */
export class WhatsGateAuth extends Context.Service<WhatsGateAuth, Authenticated.Authenticated<WhatsGate>>()(
  "@authfx/whatsgate/WhatsGateAuth"
) {}

/**
 * Where the token comes from: a value, or an Effect read again after a
 * rejection (a secret manager, a file, the environment).
 *
 * @since 1.0.0
 * @category models
 */
export type TokenSource =
  | Redacted.Redacted<string>
  | Effect.Effect<Redacted.Redacted<string>, AuthError.CredentialsMissing | AuthError.ConfigurationError>

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  readonly token: TokenSource
  /**
   * How errors name the token: `token` (the option) by default; `layerConfig` sets `WHATSGATE_ACCESS_TOKEN`, the
   * variable it reads, so that a message names a variable only when the value came from it.
   */
  readonly configKeys?: { readonly token?: string | undefined } | undefined
}

const provider = "whatsgate"

/** The variable `tokenFromConfig` and `layerConfig` read by default. */
const variable = "WHATSGATE_ACCESS_TOKEN"

const readToken = (source: TokenSource): Effect.Effect<Redacted.Redacted<string>, WhatsGateAuthError> =>
  (Redacted.isRedacted(source) ? Effect.succeed(source) : source).pipe(
    Effect.filterOrFail(
      (token) => Redacted.value(token).trim().length > 0,
      () => new AuthError.CredentialsMissing({ provider, reason: "Empty", description: "the Access-Token is empty" })
    )
  )

/**
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Authenticated.Authenticated<WhatsGate>, never, Scope.Scope> => {
  const tokenKey = options.configKeys?.token ?? "token"
  return SessionEngine.make<WhatsGate>({
    provider,
    spanPrefix: "WhatsGateAuth",
    // Its login reads the token source and sends nothing: there is no server to spare, and a source rotated after
    // a rejection must be picked up by the very next call, so no floor spaces failed reads.
    failureBackoff: 0,
    acquire: Effect.map(readToken(options.token), (token): WhatsGateSession => ({ token })),
    refresh: (previous, { rejected }) =>
      Effect.flatMap(
        readToken(options.token),
        (token) =>
          rejected && Redacted.value(token) === Redacted.value(previous.token)
            ? Effect.fail(
              new AuthError.CredentialsRejected({
                provider,
                reason: "InvalidToken",
                status: 403,
                description: "invalid Access-Token, and its source still holds the same value: regenerate it in " +
                  `the WhatsGate dashboard and update ${tokenKey}`
              })
            )
            : Effect.succeed<WhatsGateSession>({ token })
      )
  })
}

/**
 * @since 1.0.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<WhatsGateAuth> => Layer.effect(WhatsGateAuth, make(options))

/**
 * The token source that re-reads `WHATSGATE_ACCESS_TOKEN` (or the given
 * config) from the current `ConfigProvider` each time. effect 4's default
 * provider copies `process.env` at its first load: a variable changed later in
 * the process is seen only through a provider that reads it again (a secret
 * manager's, or one built with `ConfigProvider.make` over the current
 * environment).
 *
 * @since 1.0.0
 * @category constructors
 */
export const tokenFromConfig = (
  config?: Config.Config<Redacted.Redacted<string>> | undefined
): TokenSource =>
  Effect.mapError(
    config ?? Config.Redacted(variable),
    () =>
      new AuthError.CredentialsMissing({
        provider,
        reason: "NotConfigured",
        // Another Config's names are the application's: not known here.
        description: config === undefined ? `${variable} is not set` : "the token's configuration could not be read"
      })
  )

/**
 * How errors name the token read by `tokenFromConfig(config)`: the variable for the default configuration.
 *
 * @since 1.0.0
 * @category constructors
 */
export const configKeysFor = (
  config: Config.Config<Redacted.Redacted<string>> | undefined
): Options["configKeys"] => config === undefined ? { token: variable } : undefined

/**
 * `WhatsGateAuth` from `WHATSGATE_ACCESS_TOKEN`, re-read after a rejection.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig = (
  config?: Config.Config<Redacted.Redacted<string>> | undefined
): Layer.Layer<WhatsGateAuth> => layer({ token: tokenFromConfig(config), configKeys: configKeysFor(config) })
