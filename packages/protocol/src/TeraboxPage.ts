/**
 * Reading Terabox's homepage: the `jsToken` every API call carries in its
 * query, and `bdstoken`, in the two places the maintained clients read them
 * (the `eval` block and `templateData`).
 *
 * @since 0.1.0
 */
/**
 * What the homepage tells: the jsToken, and bdstoken when the page carries it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageTokens {
  readonly jsToken: string | undefined
  readonly bdstoken: string | undefined
  /** Which part of the page the jsToken came from. */
  readonly source: "eval" | "templateData" | undefined
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The argument of `fn("…")` in decoded text. */
const fnArgument = (text: string): string | undefined => /fn\(\s*"([^"]+)"\s*\)/.exec(text)?.[1]

/**
 * The first extractor (alist, OpenList, rclone): the page runs
 * ``eval(decodeURIComponent(`function%20fn%28a%29%7Bwindow.jsToken%20%3D%20a%7D%3Bfn%28%22<TOKEN>%22%29`))``;
 * the token is the text between `fn%28%22` and `%22%29` after the `window.jsToken%20%3D%20a` marker.
 *
 * @since 0.1.0
 * @category reading
 */
export const fromEvalBlock = (html: string): string | undefined => {
  const marker = html.indexOf("window.jsToken%20%3D%20a")
  if (marker === -1) return undefined
  const start = html.indexOf("fn%28%22", marker)
  const end = start === -1 ? -1 : html.indexOf("%22%29", start)
  if (start === -1 || end === -1) return undefined
  const token = safeDecode(html.slice(start + "fn%28%22".length, end))
  return token.length > 0 ? token : undefined
}

/**
 * The page's `templateData` object (seiya's terabox-api reads `var templateData = {...};` on one line; a page that
 * pretty-prints it over several lines, or assigns it to `window.`/`locals.templateData`, is read too).
 *
 * @since 0.1.0
 * @category reading
 */
export const templateData = (html: string): Record<string, unknown> | undefined => {
  const assignment = /(?:var\s+|window\.|locals\.)templateData\s*=\s*\{/.exec(html)
  if (assignment === null) return undefined
  const start = assignment.index + assignment[0].length - 1
  // The object's extent by balanced braces (strings skipped), so nesting and line breaks do not matter.
  let depth = 0
  let inString = false
  for (let i = start; i < html.length; i++) {
    const c = html[i]
    if (inString) {
      if (c === "\\") i++
      else if (c === "\"") inString = false
      continue
    }
    if (c === "\"") inString = true
    else if (c === "{") depth++
    else if (c === "}" && --depth === 0) {
      try {
        const data = JSON.parse(html.slice(start, i + 1)) as unknown
        return typeof data === "object" && data !== null ? data as Record<string, unknown> : undefined
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

/**
 * The second extractor (seiya): `templateData.jsToken` holds the same call, percent-encoded
 * (`fn%28%22<TOKEN>%22%29`); decoded, the token is the argument of `fn("…")`. A bare token is taken as it is.
 *
 * @since 0.1.0
 * @category reading
 */
export const fromTemplateData = (data: Record<string, unknown> | undefined): string | undefined => {
  const raw = data?.["jsToken"]
  if (typeof raw !== "string" || raw.length === 0) return undefined
  const decoded = safeDecode(raw)
  if (decoded.includes("fn(")) return fnArgument(decoded)
  return /^[\w-]+$/.test(decoded) ? decoded : undefined
}

/**
 * Reads the tokens from the homepage HTML: the `eval` block first, then `templateData.jsToken`; bdstoken from
 * `templateData.bdstoken` (empty on a logged-out page). Never throws.
 *
 * @since 0.1.0
 * @category reading
 */
export const pageTokens = (html: string): PageTokens => {
  const data = templateData(html)
  const fromEval = fromEvalBlock(html)
  const fromTemplate = fromEval === undefined ? fromTemplateData(data) : undefined
  const bdstoken = data?.["bdstoken"]
  return {
    jsToken: fromEval ?? fromTemplate,
    bdstoken: typeof bdstoken === "string" && bdstoken.length > 0 ? bdstoken : undefined,
    source: fromEval !== undefined ? "eval" : fromTemplate !== undefined ? "templateData" : undefined
  }
}
