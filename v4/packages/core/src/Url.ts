/**
 * Checking configured URLs before any request.
 *
 * @since 1.0.0
 */
import * as ProtocolUrl from "@authfx/protocol/Url"
import * as Effect from "effect/Effect"
import { ConfigurationError } from "./AuthError.js"

/**
 * `url` if it parses and uses one of `protocols` (default http and https),
 * without a trailing slash; otherwise a `ConfigurationError` naming `key`. The
 * rules are `@authfx/protocol`'s, shared with the effect 3 line.
 *
 * @since 1.0.0
 * @category validation
 */
export const validate = (options: {
  readonly provider: string
  readonly key: string
  readonly url: string
  readonly protocols?: ReadonlyArray<string> | undefined
  /** Shown in the error: what a valid value looks like. */
  readonly example: string
  /** Keep only the origin (default false). */
  readonly originOnly?: boolean | undefined
  /** Drop trailing slashes, for a base URL that paths are appended to (default true). */
  readonly trimTrailingSlash?: boolean | undefined
}): Effect.Effect<string, ConfigurationError> =>
  Effect.suspend(() => {
    const url = ProtocolUrl.normalize(options)
    return url !== undefined ? Effect.succeed(url) : Effect.fail(
      new ConfigurationError({
        provider: options.provider,
        reason: "Invalid",
        key: options.key,
        description: `expected a URL such as ${options.example}`
      })
    )
  })
