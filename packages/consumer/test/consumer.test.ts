import { assert, beforeAll, describe, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Consumer from "../src/Consumer.js"

const programs = ["gunbot", "whatsgate", "terabox", "nabi", "nandbox"] as const

let app: Consumer.App

describe("the packed packages, installed with npm into an app outside the workspace", () => {
  beforeAll(async () => {
    app = await Consumer.install()
  })

  it("type-check with strict settings and skipLibCheck: false, moduleResolution NodeNext", async () => {
    writeFileSync(join(app.dir, "tsconfig.json"), JSON.stringify(Consumer.tsconfig("NodeNext")))
    await app.exec("npx", ["tsc", "-p", "tsconfig.json"])
  })

  it("type-check with strict settings and skipLibCheck: false, moduleResolution Bundler", async () => {
    writeFileSync(join(app.dir, "tsconfig.bundler.json"), JSON.stringify(Consumer.tsconfig("Bundler")))
    await app.exec("npx", ["tsc", "-p", "tsconfig.bundler.json"])
  })

  for (const provider of programs) {
    it(`${provider}: authenticates, makes a call and catches a typed error under plain node`, async () => {
      const output = await app.exec(process.execPath, [join("out", `${provider}.js`)])
      assert.match(output, /^authenticated: /m)
      assert.match(output, /^typed error: CredentialsRejected/m)
    })
  }

  it("npm ls finds one copy of effect", async () => {
    const tree = JSON.parse(await app.exec("npm", ["ls", "effect", "--all", "--json"])) as unknown
    const versions = new Set<string>()
    const walk = (node: unknown): void => {
      if (typeof node !== "object" || node === null) return
      const deps = (node as { dependencies?: Record<string, { version?: string }> }).dependencies ?? {}
      for (const [name, dep] of Object.entries(deps)) {
        if (name === "effect" && dep.version !== undefined) versions.add(dep.version)
        walk(dep)
      }
    }
    walk(tree)
    assert.strictEqual(versions.size, 1, `effect versions: ${[...versions].join(", ")}`)
    assert.match([...versions][0]!, /^3\./)
  })

  it("the installed authfx runs from compiled JavaScript: --version and the demo", async () => {
    assert.strictEqual((await app.exec(join("node_modules", ".bin", "authfx"), ["--version"])).trim(), "0.1.0")
    const demo = await app.exec(join("node_modules", ".bin", "authfx"), ["demo"])
    assert.match(demo, /gunbot/)
    assert.notMatch(demo, /tsx/)
  })
})
