import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const src = fileURLToPath(new URL("../src", import.meta.url))
const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))

describe("@authfx/protocol", () => {
  it("imports nothing but its own modules: no effect (either line), no Node builtin, no third party", () => {
    assert.isAbove(files.length, 4)
    for (const file of files) {
      const text = readFileSync(join(src, file), "utf8")
      const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!)
      for (const specifier of specifiers) assert.match(specifier, /^\.\.?\//, `${file} imports ${specifier}`)
      assert.notMatch(text, /\bBuffer\b|\bprocess\./, `${file} uses a Node global`)
    }
  })

  it("has no dependencies, so both Effect lines can depend on it", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    assert.isUndefined(manifest.dependencies)
    assert.isUndefined(manifest.peerDependencies)
  })
})
