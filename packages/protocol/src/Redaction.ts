/**
 * What of a request may be shown: the secret header names and query
 * parameters a client declares, matched without regard to case, their values
 * replaced by {@link placeholder} wherever a request or a URL is rendered (a
 * span's `url.full`, an error's request, a log line).
 *
 * @since 0.1.0
 */

/**
 * What a secret value is shown as.
 *
 * @since 0.1.0
 * @category constants
 */
export const placeholder = "<redacted>"

/**
 * A set of secret names (header names or query parameters), matched without
 * regard to case: a server reads `Authorization` and `authorization` alike,
 * and a parameter sent as `JSToken` must not show because the client declared
 * `jsToken`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Names {
  readonly size: number
  readonly has: (name: string) => boolean
}

/**
 * The set of `names`, built once per client.
 *
 * @since 0.1.0
 * @category constructors
 */
export const names = (list: ReadonlyArray<string>): Names => {
  const lower = new Set(list.map((name) => name.toLowerCase()))
  return { size: lower.size, has: (name) => lower.has(name.toLowerCase()) }
}

/**
 * `pairs` (query parameters or headers as `[name, value]`) with the values of
 * secret names replaced; the same array when none is secret.
 *
 * @since 0.1.0
 * @category redacting
 */
export const pairs = (
  entries: ReadonlyArray<readonly [string, string]>,
  secret: Names
): ReadonlyArray<readonly [string, string]> =>
  secret.size === 0 || !entries.some(([name]) => secret.has(name))
    ? entries
    : entries.map(([name, value]) => [name, secret.has(name) ? placeholder : value] as const)

/**
 * A URL with the values of `secret` query parameters replaced, those of the
 * URL itself and those in `params` (sent beside it) alike; user info and the
 * fragment are dropped. Never throws: a URL that does not parse keeps what
 * precedes its query.
 *
 * @since 0.1.0
 * @category redacting
 */
export const urlParams = (
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
  secret: ReadonlyArray<string> | Names
): string => {
  const hidden = isNames(secret) ? secret : names(secret)
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  const base = parsed === undefined ? url.split(/[?#]/)[0]! : `${parsed.origin}${parsed.pathname}`
  const all = [...(parsed === undefined ? [] : [...parsed.searchParams.entries()]), ...params]
  if (all.length === 0) return base
  const query = all.map(([key, value]) =>
    `${encodeURIComponent(key)}=${hidden.has(key) ? placeholder : encodeURIComponent(value)}`
  )
  return `${base}?${query.join("&")}`
}

const isNames = (u: ReadonlyArray<string> | Names): u is Names => !Array.isArray(u)

/**
 * The user info of a URL (`redis://user:password@host`) replaced, the rest
 * kept: for a connection URL whose host and database a message should name.
 *
 * @since 0.1.0
 * @category redacting
 */
export const userInfo = (url: string): string => url.replace(/\/\/[^@/]*@/, `//${placeholder}@`)

/**
 * The names of `list` that `current` (a list of names and patterns, as a
 * platform's redacted header names are) does not already cover, lowercased.
 *
 * @since 0.1.0
 * @category redacting
 */
export const missingNames = (
  current: ReadonlyArray<string | RegExp>,
  list: ReadonlyArray<string>
): ReadonlyArray<string> =>
  list.filter((name) =>
    !current.some((c) => typeof c === "string" ? c.toLowerCase() === name.toLowerCase() : c.test(name))
  ).map((name) => name.toLowerCase())
