import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const src = fileURLToPath(new URL("../src", import.meta.url))
const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))

describe("@authfx/fakes", () => {
  it("imports no effect (either line): only its own modules, Node builtins, `ws` (the nandbox fake's server), `graphql` and `@ton/*` (the Nabi fake's executor and TON signature checks)", () => {
    assert.isAbove(files.length, 5)
    for (const file of files) {
      const text = readFileSync(join(src, file), "utf8")
      const specifiers = [
        ...text.matchAll(/^(?:import|export)\b[^"]*?\bfrom\s+"([^"]+)"/gm),
        ...text.matchAll(/^import\s+"([^"]+)"/gm),
        ...text.matchAll(/\b(?:import|require)\(\s*"([^"]+)"\s*\)/g)
      ].map((m) => m[1]!)
      assert.isAbove(specifiers.length, 0, file)
      for (const specifier of specifiers) {
        assert.match(
          specifier,
          /^(?:\.\.?\/|node:|ws$|graphql$|@ton\/(?:core|crypto)$)/,
          `${file} imports ${specifier}`
        )
        assert.notMatch(specifier, /effect/, `${file} imports ${specifier}`)
      }
    }
  })

  it("depends on `ws`, `graphql` and `@ton/*` alone (no effect), so both Effect lines' testkits can depend on it", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    assert.deepStrictEqual(Object.keys(manifest.dependencies ?? {}), ["@ton/core", "@ton/crypto", "graphql", "ws"])
    assert.isUndefined(manifest.peerDependencies)
  })
})
