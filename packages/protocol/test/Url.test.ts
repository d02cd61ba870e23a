import { assert, describe, it } from "vitest"
import * as Url from "../src/Url.js"

const SECRET = "sentinel-secret-value-0xdeadbeef"

describe("Url.normalize", () => {
  it("keeps a valid URL, trims trailing slashes unless told not to, keeps only the origin when told", () => {
    assert.strictEqual(Url.normalize({ url: "https://a.example.com/api/" }), "https://a.example.com/api")
    assert.strictEqual(Url.normalize({ url: "https://a.example.com/api///" }), "https://a.example.com/api")
    assert.strictEqual(
      Url.normalize({ url: "wss://w1.example.com:5020/x/", protocols: ["wss:"], trimTrailingSlash: false }),
      "wss://w1.example.com:5020/x/"
    )
    assert.strictEqual(
      Url.normalize({ url: "https://www.example.com/main?x=1", originOnly: true }),
      "https://www.example.com"
    )
  })

  it("refuses what does not parse, another scheme and any fragment", () => {
    for (const url of ["", "example.com", "ftp://example.com", "http://", "https://x/#", "https://x/a#b"]) {
      assert.isUndefined(Url.normalize({ url }), url)
    }
    assert.isUndefined(Url.normalize({ url: "https://x", protocols: ["wss:"] }))
    // What a JavaScript caller or a loose configuration may pass despite the types.
    assert.isUndefined(Url.normalize({ url: { toString: () => "https://x" } as unknown as string }))
    assert.isUndefined(Url.normalize({ url: undefined as unknown as string }))
    assert.isUndefined(Url.normalize({ url: "wss://x/#f", protocols: ["wss:"], trimTrailingSlash: false }))
  })
})

describe("Url.sanitize", () => {
  it("keeps origin and path, drops user info, query and fragment", () => {
    assert.strictEqual(
      Url.sanitize(`https://user:${SECRET}@example.com/api/list?jsToken=${SECRET}#x`),
      "https://example.com/api/list"
    )
    assert.strictEqual(Url.sanitize(`/relative?t=${SECRET}`), "/relative")
    assert.strictEqual(Url.sanitize(`/relative#${SECRET}`), "/relative")
    assert.strictEqual(Url.sanitize(`//user:${SECRET}@host/p`), "//host/p")
  })
})
