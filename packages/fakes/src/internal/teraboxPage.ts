/**
 * The Terabox homepage as the fake serves it: the jsToken embedded where the
 * real page carries it, fully percent-encoded `fn%28%22<token>%22%29` inside
 * ``eval(decodeURIComponent(`…`))`` (what alist and OpenList extract,
 * `drivers/terabox/util.go`) and inside `templateData.jsToken` (what seiya-dev's
 * terabox-api reads), the latter on one line or pretty-printed.
 */
import type { Options } from "../Terabox.js"

/**
 * Percent-encodes everything but letters, digits and `-_.~`, as the real page's eval block is encoded
 * (`function%20fn%28a%29%7Bwindow.jsToken%20%3D%20a%7D%3Bfn%28%22…%22%29`): `encodeURIComponent` leaves `(`, `)`
 * and `!*'` alone, which no independent extractor would read.
 */
export const percentEncode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const templateData = (values: Record<string, unknown>, layout: PageInput["layout"]) =>
  layout === "pretty"
    ? `<script>\n  var templateData = ${JSON.stringify(values, null, 2)};\n</script>`
    : `<script>var templateData = ${JSON.stringify(values)};</script>`

/** What the page shows of the session, and where it carries the token. */
export interface PageInput {
  readonly jsToken: string
  readonly bdstoken: string
  readonly csrf: string
  readonly uk: number
  /** Whether the page carries the token at all (a site that changed does not). */
  readonly tokenInPage: boolean
  readonly placement: NonNullable<Options["tokenPlacement"]>
  readonly layout: NonNullable<Options["templateDataLayout"]>
  /** Whether templateData carries bdstoken (else only `/api/gettemplatevariable` does). */
  readonly bdstokenInPage: boolean
}

/** The homepage's HTML. */
export const render = (input: PageInput): string => {
  const inEval = input.tokenInPage && input.placement !== "templateData"
  const inTemplate = input.tokenInPage && input.placement !== "eval"
  const encoded = percentEncode(`function fn(a){window.jsToken = a};fn("${input.jsToken}")`)
  return [
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>TeraBox</title>",
    templateData({
      bdstoken: input.bdstokenInPage ? input.bdstoken : "",
      csrf: input.csrf,
      ...(inTemplate ? { jsToken: percentEncode(`fn("${input.jsToken}")`) } : {}),
      loginstate: 1,
      uk: input.uk
    }, input.layout),
    "</head><body><div id=\"app\"></div>",
    inEval ? `<script>eval(decodeURIComponent(\`${encoded}\`))</script>` : "",
    "</body></html>"
  ].join("\n")
}

/** The cookies of a `Cookie` header, by name. */
export const cookiesOf = (header: string | undefined): Map<string, string> => {
  const out = new Map<string, string>()
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=")
    if (index > 0) out.set(part.slice(0, index).trim(), part.slice(index + 1).trim())
  }
  return out
}
