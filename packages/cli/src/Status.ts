/**
 * `authfx status`: authenticate each configured provider from the environment
 * and say who we are, never what the secret is.
 *
 * @since 0.1.0
 */
import * as AuthError from "@authfx/core/AuthError"
import { GunbotClient } from "@authfx/gunbot"
import { NabiAuth, NabiClient } from "@authfx/nabi"
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { TeraboxClient } from "@authfx/terabox"
import { WhatsGateClient } from "@authfx/whatsgate"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category models
 */
export const providers = ["nandbox", "nabi", "whatsgate", "gunbot", "terabox"] as const

/**
 * @since 0.1.0
 * @category models
 */
export type ProviderName = typeof providers[number]

/** The variable whose presence says a provider is configured. */
const secretOf: Record<ProviderName, string> = {
  nandbox: "NANDBOX_TOKEN",
  nabi: "NABI_MNEMONIC",
  whatsgate: "WHATSGATE_ACCESS_TOKEN",
  gunbot: "GUNBOT_PASSWORD",
  terabox: "TERABOX_NDUS"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly provider: ProviderName
  readonly ok: boolean
  /** Who we are authenticated as, or the typed error's tag and message. */
  readonly text: string
}

const Http = NodeHttpClient.layerUndici

/** What each provider says about who we are. */
const check: Record<ProviderName, Effect.Effect<string, { readonly _tag: string; readonly message: string }>> = {
  nandbox: Effect.gen(function*() {
    const auth = yield* NandboxAuth.NandboxAuth
    const session = yield* auth.session
    return `bot "${session.name}" (id ${session.botId})`
  }).pipe(
    Effect.scoped,
    Effect.provide(NandboxConnection.layerConfig().pipe(Layer.provide(NodeSocket.layerWebSocketConstructor)))
  ),
  nabi: Effect.gen(function*() {
    const auth = yield* NabiAuth.NabiAuth
    const session = yield* auth.session
    return `wallet ${session.address}`
  }).pipe(Effect.provide(NabiClient.layerConfig().pipe(Layer.provide(Http)))),
  whatsgate: Effect.gen(function*() {
    const client = yield* WhatsGateClient.WhatsGateClient
    const device = yield* Config.option(Config.string("WHATSGATE_DEVICE")).pipe(
      Effect.orElseSucceed(() => Option.none())
    )
    if (Option.isNone(device)) {
      return yield* new AuthError.ConfigurationError({
        provider: "whatsgate",
        reason: "Missing",
        key: "WHATSGATE_DEVICE",
        description: "WhatsGate has no endpoint that checks a token alone: name a device to ask its status"
      })
    }
    return `device ${device.value} is ${yield* client.status(device.value)}`
  }).pipe(Effect.provide(WhatsGateClient.layerConfig().pipe(Layer.provide(Http)))),
  gunbot: Effect.gen(function*() {
    const client = yield* GunbotClient.GunbotClient
    const status = yield* client.status
    return `Gunbot says "${status.message}"${status.isDemo === true ? " (demo mode)" : ""}`
  }).pipe(Effect.provide(GunbotClient.layerConfig({ retry: false }).pipe(Layer.provide(Http)))),
  terabox: Effect.gen(function*() {
    const client = yield* TeraboxClient.TeraboxClient
    const info = yield* client.userInfo
    return `user ${info.uname} (uk ${info.uk})`
  }).pipe(Effect.provide(TeraboxClient.layerConfig({ retry: false }).pipe(Layer.provide(Http))))
}

/**
 * The providers to check: the ones named, or every configured one.
 *
 * @since 0.1.0
 * @category status
 */
export const selected = (named: ReadonlyArray<ProviderName>): Effect.Effect<ReadonlyArray<ProviderName>> =>
  named.length > 0
    ? Effect.succeed([...new Set(named)])
    : Effect.filter(
      providers,
      (provider) =>
        Config.option(Config.string(secretOf[provider])).pipe(
          Effect.map(Option.isSome),
          Effect.orElseSucceed(() => false)
        )
    )

/**
 * Authenticates each provider, concurrently, each bounded in time.
 *
 * @since 0.1.0
 * @category status
 */
export const run = (named: ReadonlyArray<ProviderName>): Effect.Effect<ReadonlyArray<Result>> =>
  Effect.flatMap(selected(named), (list) =>
    Effect.forEach(list, (provider) =>
      check[provider].pipe(
        Effect.timeoutFail({
          duration: "30 seconds",
          onTimeout: () =>
            new AuthError.TransportError({ provider, reason: "Timeout", description: "no answer in 30 s" })
        }),
        Effect.match({
          onSuccess: (text): Result => ({ provider, ok: true, text }),
          onFailure: (error): Result => ({ provider, ok: false, text: `${error._tag}: ${error.message}` })
        })
      ), { concurrency: "unbounded" }))

/**
 * @since 0.1.0
 * @category formatting
 */
export const format = (result: Result): string =>
  `${result.ok ? "✓" : "✗"} ${result.provider.padEnd(10)} ${result.text}`
