/**
 * The cookie Terabox's web API authenticates with: `ndus`, as a user copies
 * it from a browser — the bare value, or a whole `Cookie` header that holds it
 * beside the site's other cookies (all sent back on every call).
 *
 * @since 0.1.0
 */

/**
 * The name of the session cookie.
 *
 * @since 0.1.0
 * @category constants
 */
export const sessionCookie = "ndus"

/**
 * The cookies of `input`, in order: a value without `=` is the bare `ndus`;
 * otherwise `name=value` pairs split on `;`, trimmed, a pair without a name
 * skipped. Never throws.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (input: string): ReadonlyArray<readonly [string, string]> => {
  const trimmed = input.trim()
  if (!trimmed.includes("=")) return [[sessionCookie, trimmed]]
  const cookies: Array<readonly [string, string]> = []
  for (const part of trimmed.split(";")) {
    const index = part.indexOf("=")
    if (index > 0) cookies.push([part.slice(0, index).trim(), part.slice(index + 1).trim()])
  }
  return cookies
}

/**
 * The `Cookie` header of `cookies`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const header = (cookies: Iterable<readonly [string, string]>): string =>
  Array.from(cookies, ([name, value]) => `${name}=${value}`).join("; ")
