/**
 * URL rules: what a configured URL must look like, and what of a URL may be
 * shown in a message.
 *
 * @since 0.1.0
 */

/**
 * `origin + pathname` of a URL: query strings, fragments and user info are
 * where tokens travel (Terabox's `jsToken`), so they never reach a message.
 *
 * @since 0.1.0
 * @category formatting
 */
export const sanitize = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`
  } catch {
    const cut = url.search(/[?#]/)
    const noQuery = cut === -1 ? url : url.slice(0, cut)
    return noQuery.replace(/\/\/[^/@]*@/, "//")
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NormalizeOptions {
  readonly url: string
  /** The accepted schemes, with their colon (default `["http:", "https:"]`). */
  readonly protocols?: ReadonlyArray<string> | undefined
  /** Keep only the origin (default false). */
  readonly originOnly?: boolean | undefined
  /** Drop trailing slashes, for a base URL that paths are appended to (default true). */
  readonly trimTrailingSlash?: boolean | undefined
}

/**
 * A configured URL as requests use it, or `undefined` if it cannot work: it
 * does not parse, its scheme is not one of `protocols`, or it has a fragment
 * (never sent on the wire, and refused by a WebSocket: it can only be a
 * mistake). Never throws.
 *
 * @since 0.1.0
 * @category validation
 */
export const normalize = (options: NormalizeOptions): string | undefined => {
  // Configuration is read at run time: a value that is not a string is refused, not thrown on.
  if (typeof options.url !== "string") return undefined
  let parsed: URL
  try {
    parsed = new URL(options.url)
  } catch {
    return undefined
  }
  if (!(options.protocols ?? ["http:", "https:"]).includes(parsed.protocol)) return undefined
  if (parsed.hash !== "" || options.url.includes("#")) return undefined
  if (options.originOnly === true) return parsed.origin
  return options.trimTrailingSlash === false ? options.url : options.url.replace(/\/+$/, "")
}
