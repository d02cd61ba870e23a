/**
 * Checking configured URLs before any request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { ConfigurationError } from "./AuthError.js"

/**
 * `url` if it parses and uses one of `protocols` (default http and https),
 * without a trailing slash; otherwise a `ConfigurationError` naming `key`.
 *
 * @since 0.1.0
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
  Effect.try({
    try: () => {
      const parsed = new URL(options.url)
      if (!(options.protocols ?? ["http:", "https:"]).includes(parsed.protocol)) throw new Error("protocol")
      // A fragment is never sent on the wire (and a WebSocket refuses one): it can only be a mistake.
      if (parsed.hash !== "" || options.url.includes("#")) throw new Error("fragment")
      if (options.originOnly === true) return parsed.origin
      return options.trimTrailingSlash === false ? options.url : options.url.replace(/\/+$/, "")
    },
    catch: () =>
      new ConfigurationError({
        provider: options.provider,
        reason: "Invalid",
        key: options.key,
        description: `expected a URL such as ${options.example}`
      })
  })
