/**
 * `origin + pathname` of a URL: query strings, fragments and user info are
 * where tokens travel (Terabox's `jsToken`), so they never reach a message.
 */
export const sanitizeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`
  } catch {
    const cut = url.search(/[?#]/)
    const noQuery = cut === -1 ? url : url.slice(0, cut)
    return noQuery.replace(/\/\/[^/@]*@/, "//")
  }
}
