/**
 * The connection's settings: its defaults, the URL and token checks, the reconnection schedule.
 */
import * as AuthError from "@authfx/core/AuthError"
import * as Url from "@authfx/core/Url"
import * as ConfigKeys from "@authfx/protocol/ConfigKeys"
import * as NandboxFrames from "@authfx/protocol/NandboxFrames"
import * as ProtocolUrl from "@authfx/protocol/Url"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type { NandboxAuthError } from "../Nandbox.js"

export const provider = "nandbox"

export const defaultUrl = "wss://w1.nandbox.net:5020/nandbox/api/"

/** Inbound frames dropped for subscribers that did not keep up (see `inboundCapacity`). */
export const droppedFrames = Metric.counter("authfx_nandbox_inbound_dropped_total", {
  description: "inbound frames dropped for a subscriber whose buffer was full",
  incremental: true
})

/** Default largest inbound frame, in UTF-8 bytes: 1 MiB. */
export const defaultMaxFrameSize = 1_048_576

export type TokenSource = import("../NandboxConnection.js").TokenSource

export type Options = import("../NandboxConnection.js").Options

export const defaultReconnect: Schedule.Schedule<unknown, unknown> = Schedule.exponential("200 millis", 2).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((metadata) => Effect.succeed(Duration.min(metadata.duration, Duration.seconds(30)))),
  Schedule.map(() => undefined)
)

/** A failure no reconnection can fix: the token or the settings. */
export const isPermanent = (error: NandboxAuthError) =>
  error._tag === "CredentialsRejected" || error._tag === "CredentialsMissing" || error._tag === "ConfigurationError"

/**
 * The URL as the socket will use it: `ws:`/`wss:` only (a WHATWG `WebSocket` would quietly turn `http:` into `ws:`,
 * the `ws` package would refuse it), no fragment (a `WebSocket` throws on one). The string is handed to the
 * socket unchanged, so what was checked is what is dialled.
 */
export const validateUrl = (url: string, key = "url"): Effect.Effect<string, AuthError.ConfigurationError> =>
  Url.validate({
    provider,
    key,
    url,
    protocols: ["ws:", "wss:"],
    example: defaultUrl,
    trimTrailingSlash: false
  })

/** `url` as errors show it: scheme, host, port and path; never user info or a query. */
export const displayUrl: (url: string) => string = ProtocolUrl.sanitize

/** How errors name the URL and the token: the options, or the variables `layerConfig` read them from. */
export const keysOf = (options: Pick<Options, "configKeys">) => ConfigKeys.resolve(["url", "token"], options.configKeys)

export const checkToken = (
  token: Redacted.Redacted<string>,
  key = "token"
): Result.Result<Redacted.Redacted<string>, NandboxAuthError> => {
  const value = Redacted.value(token).trim()
  if (value.length === 0) {
    return Result.fail(
      new AuthError.CredentialsMissing({ provider, reason: "Empty", description: `${key} is empty` })
    )
  }
  if (!NandboxFrames.isToken(value)) {
    return Result.fail(
      new AuthError.ConfigurationError({
        provider,
        reason: "Invalid",
        key,
        description: "expected <bot id>:0:<secret>"
      })
    )
  }
  return Result.succeed(token)
}

export const readToken = (
  source: TokenSource,
  key: string
): Effect.Effect<Redacted.Redacted<string>, NandboxAuthError> =>
  Redacted.isRedacted(source)
    ? Effect.fromResult(checkToken(source, key))
    : Effect.flatMap(source, (token) => Effect.fromResult(checkToken(token, key)))
