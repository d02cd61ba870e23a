/**
 * What a release publishes, read from the manifests: every public package of the v4 line is a 1.x version with its
 * changelog, published under npm's `latest` tag, and its v3 namesake a 0.x version published under `effect3`, so that
 * `npm install @authfx/<pkg>` gives the effect 4 line and a release of either line never moves the other's tag.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
  readonly publishConfig?: { readonly tag?: string; readonly access?: string }
}

const v4 = fileURLToPath(new URL("../../", import.meta.url))
const v3 = fileURLToPath(new URL("../../../../packages/", import.meta.url))

const manifests = (root: string): Map<string, Manifest> =>
  new Map(
    readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "package.json")))
      .map((
        entry
      ) => [entry.name, JSON.parse(readFileSync(join(root, entry.name, "package.json"), "utf8")) as Manifest])
  )

describe("the release of the two lines", () => {
  const four = [...manifests(v4)].filter(([, m]) => m.private !== true)
  const three = manifests(v3)

  it("every public v4 package is 1.x, public, under npm's latest tag, with a changelog of its version", () => {
    assert.isAtLeast(four.length, 8)
    for (const [dir, manifest] of four) {
      assert.match(manifest.version, /^1\.\d+\.\d+$/, manifest.name)
      assert.strictEqual(manifest.publishConfig?.access, "public", manifest.name)
      assert.isUndefined(manifest.publishConfig?.tag, `${manifest.name} publishes as latest`)
      const changelog = readFileSync(join(v4, dir, "CHANGELOG.md"), "utf8")
      assert.isTrue(changelog.startsWith(`# ${manifest.name}\n`), manifest.name)
      assert.include(changelog, `\n## ${manifest.version}\n`, `${manifest.name}'s changelog has its version`)
    }
  })

  it("each v4 package's v3 namesake is 0.x under the effect3 tag; the packages only v3 has keep latest", () => {
    const names = new Set(four.map(([, m]) => m.name))
    for (const [, manifest] of three) {
      if (manifest.private === true) continue
      if (names.has(manifest.name)) {
        assert.match(manifest.version, /^0\./, manifest.name)
        assert.strictEqual(manifest.publishConfig?.tag, "effect3", manifest.name)
      } else {
        // The CLI and the effect-free packages both lines share (protocol, ton, fakes) have one line.
        assert.isUndefined(manifest.publishConfig?.tag, manifest.name)
      }
    }
    for (const name of names) assert.isTrue([...three.values()].some((m) => m.name === name), `${name} has a v3 line`)
  })
})
