/**
 * Terabox's session rules that need no Effect: where the web app lives, the
 * query every API call carries, which errnos mean a stale jsToken, which
 * answers move the session to another region and where a session may move, and
 * how a dead cookie is recognised. Both Effect lines build their session on
 * these (`@authfx/terabox`'s `internal/session.ts`).
 *
 * @since 0.1.0
 */

/**
 * The origin a session starts from when none is configured.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultUrl = "https://www.terabox.com"

/**
 * The `User-Agent` sent with every request: a desktop browser's, as the web app is a browser's.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36"

/**
 * The domains the web app lives on: a homepage redirect to a host under one of them is a region move. From the
 * hosts the maintained clients and the seed use (`www.terabox.com`, `www.1024terabox.com`, `jp.`/`dm.terabox.com`)
 * and Terabox's other web domains.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultAllowedDomains: ReadonlyArray<string> = [
  "terabox.com",
  "1024terabox.com",
  "terabox.app",
  "teraboxapp.com",
  "1024tera.com",
  "4funbox.com",
  "mirrobox.com",
  "nephobox.com",
  "freeterabox.com",
  "momerybox.com",
  "tibibox.com",
  "terabox.fun"
]

/**
 * The query every API call carries, besides jsToken (alist-org/alist and OpenListTeam/OpenList
 * `drivers/terabox/util.go`, `request`).
 *
 * @since 0.1.0
 * @category constants
 */
export const commonQuery = { app_id: "250528", web: "1", channel: "dubox", clienttype: "0" } as const

/**
 * The origin of a region prefix when none is configured: `https://<prefix>.terabox.com`.
 *
 * @since 0.1.0
 * @category regions
 */
export const defaultRegionOrigin = (prefix: string): string => `https://${prefix}.terabox.com`

/**
 * The errnos after which a client fetches a new jsToken: 4000023 ("need verify": alist-org/alist and
 * OpenListTeam/OpenList `drivers/terabox/util.go`, `request`) and 450016 (OpenList's check beside it since
 * OpenList#1547, November 2025, "wrong return code used", which corrected the seven-digit `4500016` it had carried
 * since OpenList#733, July 2025; the project's provider notes name 450016 for filemanager and precreate answers).
 * `4500016` is no code of the site's: no source shows it sent, and the one client that checked it replaced it.
 *
 * @since 0.1.0
 * @category errnos
 */
export const staleJsTokenErrnos: ReadonlySet<number> = new Set([4000023, 450016])

/**
 * Whether an errno says the jsToken is stale (see {@link staleJsTokenErrnos}).
 *
 * @since 0.1.0
 * @category errnos
 */
export const isStaleJsToken = (errno: number): boolean => staleJsTokenErrnos.has(errno)

/**
 * The errno of "not logged in" (alist, OpenList and seiya-dev's terabox-api read `-6` so): a dead cookie, or a
 * session that lives in another region when the answer names one.
 *
 * @since 0.1.0
 * @category errnos
 */
export const notLoggedInErrno = -6

/**
 * The errno of "too frequent" (31034): a transient refusal, retried.
 *
 * @since 0.1.0
 * @category errnos
 */
export const rateLimitedErrno = 31034

const dnsLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i

/**
 * The region an answer's headers point to: `region-domain-prefix` (the web app) or `url-domain-prefix` (what alist
 * and OpenList read on errno -6), lower-cased. Only a DNS label is taken: a header cannot point the session at
 * another domain. `headers` has lower-case names, as both lines' responses do.
 *
 * @since 0.1.0
 * @category regions
 */
export const regionPrefix = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  const prefix = headers["region-domain-prefix"] ?? headers["url-domain-prefix"]
  return prefix !== undefined && dnsLabel.test(prefix.trim()) ? prefix.trim().toLowerCase() : undefined
}

/**
 * Whether `target` is a host the session may move to: under an allowed domain (the domain itself or a subdomain,
 * any case, a leading dot ignored), never a downgrade to http from https.
 *
 * @since 0.1.0
 * @category regions
 */
export const isAllowedHost = (target: URL, from: string, allowedDomains: ReadonlyArray<string>): boolean => {
  let fromProtocol: string
  try {
    fromProtocol = new URL(from).protocol
  } catch {
    return false
  }
  const host = target.hostname.toLowerCase()
  const protocolOk = target.protocol === "https:" || target.protocol === fromProtocol
  return protocolOk && allowedDomains.some((domain) => {
    const d = domain.toLowerCase().replace(/^\./, "")
    return d.length > 0 && (host === d || host.endsWith(`.${d}`))
  })
}

/**
 * A redirect's `Location` resolved against the URL it answered; `undefined` when missing or not a URL.
 *
 * @since 0.1.0
 * @category redirects
 */
export const redirectTarget = (location: string | undefined, base: string): URL | undefined => {
  if (location === undefined) return undefined
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

/**
 * Whether a path is the login page (`/login`, or `/<lang>/login`): where the homepage sends a dead cookie (seiya
 * compares `Location` with the relative `/login`; an absolute URL's path is read the same).
 *
 * @since 0.1.0
 * @category cookies
 */
export const isLoginPath = (pathname: string): boolean => /^\/(?:[\w-]+\/)?login\b/.test(pathname)

/**
 * The path of a URL, `""` when it is not one.
 *
 * @since 0.1.0
 * @category redirects
 */
export const pathOf = (url: string): string => {
  try {
    return new URL(url).pathname
  } catch {
    return ""
  }
}

/**
 * Whether an API answer's redirect (`Location`) goes to the login page: the cookie is dead.
 *
 * @since 0.1.0
 * @category cookies
 */
export const isLoginRedirect = (location: string | undefined): boolean => /\/login/.test(location ?? "")

/**
 * Whether an answer of this `Content-Type` may carry an errno (JSON, JavaScript, plain text, or no type): the
 * generic client also reads pages and files, which carry none and come back as they are.
 *
 * @since 0.1.0
 * @category classifying
 */
export const mayCarryErrno = (contentType: string | undefined): boolean =>
  contentType === undefined || contentType === "" || /json|javascript|text\/plain/i.test(contentType)

/**
 * What a dead cookie's error says: renew it, naming where it is configured.
 *
 * @since 0.1.0
 * @category messages
 */
export const cookieExpiredDescription = (ndusKey: string): string =>
  `the ndus cookie has expired or was logged out: copy a new one from the browser into ${ndusKey}`

/**
 * What a homepage without the jsToken's error says, naming where a token can be configured.
 *
 * @since 0.1.0
 * @category messages
 */
export const missingTokenDescription = (jsTokenKey: string): string =>
  `the homepage no longer embeds the jsToken where it used to (the site changed?); set ${jsTokenKey} meanwhile`

/**
 * What a homepage redirect to a host outside the allowed domains' error says.
 *
 * @since 0.1.0
 * @category messages
 */
export const disallowedRedirectDescription = (host: string): string =>
  `the homepage redirected to ${host}, which is not an allowed Terabox domain ` +
  `(allowedDomains): not followed, nothing was sent there`

/**
 * The name a moved or copied entry gets: the one given, or the last segment of its path.
 *
 * @since 0.1.0
 * @category requests
 */
export const nameOf = (path: string, newName: string | undefined): string => newName ?? path.split("/").at(-1) ?? path

/**
 * The query of one page of `/api/list`: what alist and OpenList send (`dir`, `order`, `desc`, `num`, `page`;
 * `drivers/terabox/util.go`, `getFiles`), which the site serves as it serves seiya-dev's form-body `POST`.
 *
 * @since 0.1.0
 * @category requests
 */
export const listQuery = (dir: string, page: number, size: number): Record<string, string> => ({
  dir,
  order: "name",
  desc: "0",
  num: String(size),
  page: String(page)
})

/**
 * What a homepage redirect means: a dead cookie (to the login page), a move to another allowed Terabox host (seiya
 * follows such a redirect as the session's new domain), a host outside the allowed domains (not followed), or
 * another page of the same site (unexpected).
 *
 * @since 0.1.0
 * @category models
 */
export type HomepageRedirect =
  | { readonly _tag: "CookieExpired" }
  | { readonly _tag: "Moved"; readonly origin: string }
  | { readonly _tag: "Disallowed"; readonly description: string }
  | { readonly _tag: "SameSite"; readonly description: string }

/**
 * Reads the homepage's redirect (`location`) from `origin`.
 *
 * @since 0.1.0
 * @category redirects
 */
export const homepageRedirect = (
  location: string | undefined,
  origin: string,
  allowedDomains: ReadonlyArray<string>
): HomepageRedirect => {
  const target = redirectTarget(location, `${origin}/main`)
  // A dead cookie: `/login` (seiya compares Location with the relative `/login`; an absolute URL is read too).
  if (target !== undefined && isLoginPath(target.pathname)) return { _tag: "CookieExpired" }
  if (target !== undefined && target.origin !== origin) {
    return isAllowedHost(target, origin, allowedDomains)
      ? { _tag: "Moved", origin: target.origin }
      : { _tag: "Disallowed", description: disallowedRedirectDescription(target.host) }
  }
  return { _tag: "SameSite", description: "the homepage redirected to another page of the same site" }
}

/**
 * What `check/login` answered: logged in (perhaps with a region to move to), a move to another region (errno -6
 * with a region header, OpenList's `url-domain-prefix` reading), a dead cookie (-6 without one), a stale jsToken,
 * or anything else.
 *
 * @since 0.1.0
 * @category models
 */
export type CheckLogin =
  | { readonly _tag: "LoggedIn"; readonly movedTo: string | undefined }
  | { readonly _tag: "Moved"; readonly origin: string }
  | { readonly _tag: "CookieExpired" }
  | { readonly _tag: "Stale" }
  | { readonly _tag: "Unexpected"; readonly description: string }

/**
 * Reads `check/login`'s errno (`undefined` for an answer without one) and the region its headers name
 * ({@link regionPrefix}) at `origin`; `regionOrigin` turns a prefix into an origin. A region that is the current
 * origin is no move.
 *
 * @since 0.1.0
 * @category classifying
 */
export const checkLogin = (
  errno: number | undefined,
  prefix: string | undefined,
  origin: string,
  regionOrigin: (prefix: string) => string
): CheckLogin => {
  const movedTo = prefix === undefined ? undefined : regionOrigin(prefix)
  const moved = movedTo !== undefined && movedTo !== origin ? movedTo : undefined
  if (errno === 0) return { _tag: "LoggedIn", movedTo: moved }
  if (errno === notLoggedInErrno) {
    return moved !== undefined
      ? { _tag: "Moved", origin: moved }
      : { _tag: "CookieExpired" }
  }
  if (errno !== undefined && isStaleJsToken(errno)) return { _tag: "Stale" }
  return { _tag: "Unexpected", description: "check/login did not answer errno 0" }
}

/**
 * What an API answer's errno means for the session: a stale jsToken (re-read the page, replay once), too frequent
 * (a transient refusal), a move to the region its headers name, a dead cookie (-6 without a region), or nothing
 * the session handles (the call's own result or error).
 *
 * @since 0.1.0
 * @category models
 */
export type ApiAnswer =
  | { readonly _tag: "Stale" }
  | { readonly _tag: "RateLimited" }
  | { readonly _tag: "Moved"; readonly prefix: string }
  | { readonly _tag: "CookieExpired" }
  | { readonly _tag: "Other" }

/**
 * Reads an API answer's errno and the region its headers name ({@link regionPrefix}).
 *
 * @since 0.1.0
 * @category classifying
 */
export const apiAnswer = (errno: number, prefix: string | undefined): ApiAnswer => {
  if (isStaleJsToken(errno)) return { _tag: "Stale" }
  if (errno === rateLimitedErrno) return { _tag: "RateLimited" }
  if (errno === notLoggedInErrno) return prefix !== undefined ? { _tag: "Moved", prefix } : { _tag: "CookieExpired" }
  return { _tag: "Other" }
}
