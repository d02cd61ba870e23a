/** What the homepage tells: the jsToken, and bdstoken when the page carries it. */
export interface PageTokens {
  readonly jsToken: string | undefined
  readonly bdstoken: string | undefined
}

const fromFn = (text: string): string | undefined => {
  const match = /fn\("([^"]+)"\)/.exec(text)
  return match?.[1]
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Reads the tokens from the homepage HTML, as the maintained clients do: the
 * URL-encoded `fn("…")` after the `window.jsToken = a` marker, else the
 * one-line `templateData`.
 */
export const pageTokens = (html: string): PageTokens => {
  let jsToken: string | undefined
  const marker = html.indexOf("window.jsToken%20%3D%20a")
  if (marker !== -1) {
    const start = html.indexOf("fn%28%22", marker)
    const end = start === -1 ? -1 : html.indexOf("%22%29", start)
    if (start !== -1 && end !== -1) jsToken = safeDecode(html.slice(start + "fn%28%22".length, end))
  }
  let bdstoken: string | undefined
  const template = /var\s+templateData\s*=\s*(\{.*?\});\s*<\/script>/.exec(html)
  if (template !== null) {
    try {
      const data = JSON.parse(template[1]!) as Record<string, unknown>
      if (jsToken === undefined && typeof data["jsToken"] === "string") jsToken = fromFn(safeDecode(data["jsToken"]))
      if (typeof data["bdstoken"] === "string" && data["bdstoken"].length > 0) bdstoken = data["bdstoken"]
    } catch {
      // A templateData that is not JSON: the marker above is the other source.
    }
  }
  return { jsToken: jsToken !== undefined && jsToken.length > 0 ? jsToken : undefined, bdstoken }
}
