import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const src = fileURLToPath(new URL("../src", import.meta.url))
const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))

describe("@authfx/ton", () => {
  it("imports its own modules, @authfx/protocol and @ton/* only: no effect (either line), no Node builtin", () => {
    assert.isAbove(files.length, 2)
    for (const file of files) {
      const text = readFileSync(join(src, file), "utf8")
      const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!)
      for (const specifier of specifiers) {
        assert.match(
          specifier,
          /^(\.\.?\/|@authfx\/protocol\/|@ton\/(core|crypto|ton)$)/,
          `${file} imports ${specifier}`
        )
      }
      assert.notMatch(text, /\bprocess\./, `${file} uses a Node global`)
    }
  })

  it("depends on @authfx/protocol and the @ton packages only, at nabi's versions, with no peer", () => {
    assert.deepStrictEqual(Object.keys(manifest.dependencies).sort(), [
      "@authfx/protocol",
      "@ton/core",
      "@ton/crypto",
      "@ton/ton"
    ])
    assert.isUndefined(manifest.peerDependencies)
  })

  it("the index exports every module as a namespace", async () => {
    const index = await import("../src/index.js")
    const modules = files.filter((f) => !f.includes("/") && f !== "index.ts").map((f) => f.replace(/\.ts$/, ""))
    assert.deepStrictEqual(Object.keys(index).sort(), modules.sort())
  })
})
