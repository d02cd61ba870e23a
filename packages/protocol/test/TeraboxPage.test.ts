import { assert, describe, it } from "vitest"
import * as TeraboxPage from "../src/TeraboxPage.js"
import { fuzz } from "./utils/fuzz.js"

const token = "A1b2-C3d4_E5"
const evalBlock = (t: string) =>
  `<script>eval(decodeURIComponent(\`function%20fn%28a%29%7Bwindow.jsToken%20%3D%20a%7D%3Bfn%28%22${t}%22%29\`))</script>`

describe("TeraboxPage.pageTokens", () => {
  it("reads the eval block first, then templateData.jsToken (fn(…) percent-encoded, or bare), and bdstoken", () => {
    const data = (jsToken: string, bdstoken = "bds") =>
      `<script>var templateData = {"jsToken":"${jsToken}","bdstoken":"${bdstoken}","n":{"a":"}"}};</script>`
    assert.deepStrictEqual(TeraboxPage.pageTokens(evalBlock(token) + data("fn%28%22other%22%29")), {
      jsToken: token,
      bdstoken: "bds",
      source: "eval"
    })
    assert.deepStrictEqual(TeraboxPage.pageTokens(data(`fn%28%22${token}%22%29`)), {
      jsToken: token,
      bdstoken: "bds",
      source: "templateData"
    })
    assert.strictEqual(TeraboxPage.pageTokens(data(token)).jsToken, token)
    // A logged-out page: bdstoken empty; a bare value that is not a token is not taken.
    assert.deepStrictEqual(TeraboxPage.pageTokens(data("not a token", "")), {
      jsToken: undefined,
      bdstoken: undefined,
      source: undefined
    })
  })

  it("templateData pretty-printed over lines or on window./locals., with braces inside strings", () => {
    const html =
      `<script>\nwindow.templateData = {\n  "jsToken": "${token}",\n  "s": "{\\"}\\"",\n  "o": { "x": 1 }\n};\n</script>`
    assert.strictEqual(TeraboxPage.templateData(html)?.["jsToken"], token)
    assert.strictEqual(TeraboxPage.templateData(html.replace("window.", "locals."))?.["s"], "{\"}\"")
  })

  it("a broken page gives undefined, never a throw: bad percent-encoding, unbalanced or invalid JSON", () => {
    assert.strictEqual(TeraboxPage.fromEvalBlock(evalBlock("%E0%A4%A")), "%E0%A4%A")
    assert.isUndefined(TeraboxPage.fromEvalBlock(evalBlock("")))
    assert.isUndefined(TeraboxPage.fromEvalBlock("window.jsToken%20%3D%20a fn%28%22unterminated"))
    assert.isUndefined(TeraboxPage.templateData("var templateData = {\"a\": 1"))
    assert.isUndefined(TeraboxPage.templateData("var templateData = {a: 1};"))
    assert.isUndefined(TeraboxPage.fromTemplateData({ jsToken: 5 }))
    assert.isUndefined(TeraboxPage.fromTemplateData(undefined))
    fuzz(1_000, (random) => {
      const html = `var templateData = ${random.string(60)} window.jsToken%20%3D%20a fn%28%22${random.string(20)}`
      const tokens = TeraboxPage.pageTokens(html)
      assert.isTrue(tokens.jsToken === undefined || typeof tokens.jsToken === "string")
    })
  })
})
