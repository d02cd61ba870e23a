import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import * as Browser from "../src/Browser.js"
import * as Consumer from "../src/Consumer.js"
import * as Fakes from "../src/Fakes.js"
import * as Runtimes from "../src/Runtimes.js"

const programs = ["gunbot", "whatsgate", "terabox", "nabi", "nandbox"] as const

/** The typed error each portable program provokes: a wrong credential, or (Nabi) a profile of another wallet. */
const typedErrors: Record<(typeof programs)[number], RegExp> = {
  gunbot: /^typed error: CredentialsRejected \(WrongPassword\)$/m,
  whatsgate: /^typed error: CredentialsRejected \(InvalidToken\)$/m,
  terabox: /^typed error: CredentialsRejected \(CookieExpired\)$/m,
  nabi: /^typed error: ProfileMismatch \(NotOwner p-other\)$/m,
  nandbox: /^typed error: CredentialsRejected \(InvalidToken\)$/m
}

/** Screenshots and reports of this test, kept after the run. */
const output = fileURLToPath(new URL("../test-output", import.meta.url))

// Found before the tests are collected, so that a missing runtime decides between a failing test and a skip.
const [bun, deno, chromiumBrowser] = await Promise.all([
  Runtimes.find("bun"),
  Runtimes.find("deno"),
  Runtimes.find("chromium")
])

/**
 * A runtime that is missing fails its tests, loudly, unless `AUTHFX_SKIP_RUNTIMES` names it: then they are
 * skipped and the reason is printed.
 */
const describeRuntime = (runtime: Runtimes.Runtime, title: string, body: (command: string) => void) => {
  if (runtime._tag === "Found") return describe(`${title} (${runtime.version})`, () => body(runtime.command))
  if (Runtimes.skipped(runtime.name)) {
    console.warn(`\n*** SKIPPED (AUTHFX_SKIP_RUNTIMES): ${title}: ${runtime.why}\n`)
    return describe.skip(title, () => body(""))
  }
  return describe(title, () => {
    it(`${runtime.name} is installed and starts`, () => {
      assert.fail(`${runtime.why} (set AUTHFX_SKIP_RUNTIMES=${runtime.name} to skip these tests on purpose)`)
    })
  })
}

let app: Consumer.App
let compiled: Promise<string> | undefined
/** The NodeNext build of the app's programs into `out/`, once, for every test that runs them. */
const compile = () => {
  writeFileSync(join(app.dir, "tsconfig.json"), JSON.stringify(Consumer.tsconfig("NodeNext")))
  return compiled ??= app.exec("npx", ["tsc", "-p", "tsconfig.json"])
}

describe("the list of packages to pack", () => {
  it("names every publishable package of packages/ (a new one cannot be left out of the install)", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url))
    const publishable = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, "package.json")))
      .filter((entry) => {
        const manifest = JSON.parse(readFileSync(join(root, entry.name, "package.json"), "utf8")) as {
          readonly private?: boolean
        }
        return manifest.private !== true
      })
      .map((entry) => entry.name)
    assert.deepStrictEqual([...Consumer.packages].sort(), publishable.sort())
  })
})

describe("the packed packages, installed with npm into an app outside the workspace", () => {
  beforeAll(async () => {
    app = await Consumer.install()
  })

  it("type-check with strict settings and skipLibCheck: false, moduleResolution NodeNext", async () => {
    await compile()
  })

  it("type-check with strict settings and skipLibCheck: false, moduleResolution Bundler", async () => {
    writeFileSync(join(app.dir, "tsconfig.bundler.json"), JSON.stringify(Consumer.tsconfig("Bundler")))
    await app.exec("npx", ["tsc", "-p", "tsconfig.bundler.json"])
  })

  for (const provider of programs) {
    it(`${provider}: authenticates, makes a call and catches a typed error under plain node`, async () => {
      await compile()
      const output = await app.exec(process.execPath, [join("out", `${provider}.js`)])
      assert.match(output, /^authenticated: /m)
      assert.match(output, /^typed error: CredentialsRejected/m)
    })
  }

  it("the README examples type-check (above) and run from the tarballs against the fakes (all six packages)", async () => {
    await compile()
    const output = await app.exec(process.execPath, [join("out", "readme.js")])
    assert.match(output, /^readme core: calling Acme with a token that expires at 4102444800$/m)
    assert.match(output, /^readme gunbot: Authenticated; assets: .+ on binance/m)
    assert.match(output, /^readme whatsgate: Message sent successfully$/m)
    assert.match(output, /^readme terabox: not done: NotFound$/m)
    // Nabi's three examples: the profile one from the environment (its wallet's profile, then a typed
    // ProfileMismatch for another wallet's), the custom signer, and the TON Connect wiring with signData.
    assert.match(output, /^readme nabi: renamed p-demo to mine$/m)
    assert.match(output, /^readme nabi: 0:[0-9a-f]{64} does not own p-other$/m)
    assert.match(output, /^readme nabi signer: 1 signature, 1 login$/m)
    assert.match(output, /^readme nabi tonConnect: 1 signData, 1 login$/m)
    assert.match(output, /^readme nandbox: echoed 2: echo: one, echo: two$/m)
  })

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

  describe("under other runtimes, against the testkit fakes in a Node process", () => {
    let fakes: Fakes.Running
    const page = () => join(app.dir, "page")

    beforeAll(async () => {
      await compile()
      mkdirSync(page(), { recursive: true })
      mkdirSync(output, { recursive: true })
      fakes = await Fakes.start(app, page())
    })

    afterAll(() => fakes?.stop())

    /** Runs a portable program with the fakes' environment and returns its output (its output and error if it fails). */
    const runProgram = async (command: string, args: ReadonlyArray<string>) =>
      app.exec(command, args, { ...fakes.env, DENO_NO_UPDATE_CHECK: "1" })

    describeRuntime(bun, "Bun", (command) => {
      for (const provider of programs) {
        it(`${provider}: authenticates, makes a call and catches a typed error`, async () => {
          const out = await runProgram(command, [join("out", "portable", `${provider}.js`)])
          assert.match(out, /^runtime: bun \d/m)
          assert.match(out, /^authenticated: /m)
          assert.match(out, /^call: /m)
          assert.match(out, typedErrors[provider])
        })
      }
    })

    describeRuntime(deno, "Deno", (command) => {
      for (const provider of programs) {
        it(`${provider}: authenticates, makes a call and catches a typed error`, async () => {
          // Only what the programs need: loopback sockets and the environment.
          const out = await runProgram(command, [
            "run",
            "--allow-net=127.0.0.1",
            "--allow-env",
            join("out", "portable", `${provider}.js`)
          ])
          assert.match(out, /^runtime: deno \d/m)
          assert.match(out, /^authenticated: /m)
          assert.match(out, /^call: /m)
          assert.match(out, typedErrors[provider])
        })
      }
    })

    it("the nandbox frames of each runtime reached the fake on an authenticated socket", async () => {
      const { nandboxReceived } = await fakes.counters()
      const texts = nandboxReceived.map((frame) => String(frame["text"]))
      if (bun._tag === "Found") assert.isTrue(texts.some((t) => t.startsWith("hello from bun")), texts.join("; "))
      if (deno._tag === "Found") assert.isTrue(texts.some((t) => t.startsWith("hello from deno")), texts.join("; "))
    })

    describe("browser bundles (esbuild, platform browser)", () => {
      it("the guard reports a Node builtin that lands in a bundle, with its importer", async () => {
        const bundle = await Browser.bundle({
          cwd: app.dir,
          contents:
            `import { readFileSync } from "node:fs"; import { hostname } from "os"; console.log(readFileSync, hostname)`
        })
        assert.deepStrictEqual(bundle.nodeImports, [
          "node:fs (imported by <stdin>)",
          "os (imported by <stdin>)"
        ])
      })

      it("no provider package pulls a Node builtin into a browser bundle; sizes beside @effect/platform's", async () => {
        const sizes = await Browser.sizes(app.dir)
        for (const size of sizes) {
          assert.deepStrictEqual(size.alone.nodeImports, [], `${size.name} brings Node builtins into a browser bundle`)
          assert.deepStrictEqual(size.whole.nodeImports, [], `${size.name} brings Node builtins into a browser bundle`)
          assert.isAbove(size.alone.gzip, 0)
        }
        const table = Browser.sizesTable(sizes).join("\n")
        writeFileSync(join(output, "bundle-sizes.md"), `${table}\n`)
        console.log(`\nbrowser bundle sizes (also in test-output/bundle-sizes.md):\n${table}\n`)
      })
    })

    describeRuntime(chromiumBrowser, "a browser page in headless Chromium", (command) => {
      it("Nabi through a TON Connect wallet's ton_proof (TonSigner.layerFromWallet) and nandbox through the browser's WebSocket: authenticated, renewed by refresh token, a typed ProfileMismatch, a typed refusal when the wallet declines, no secret in the console", async () => {
        const bundle = await Browser.bundle({
          cwd: app.dir,
          entry: join("app", "browser", "page.ts"),
          outfile: join(page(), "page.js")
        })
        assert.deepStrictEqual(bundle.nodeImports, [], "a Node builtin landed in the page's bundle")
        copyFileSync(join(app.dir, "app", "browser", "index.html"), join(page(), "index.html"))
        console.log(
          `page bundle: ${(bundle.bytes / 1024).toFixed(1)} KiB minified, ${(bundle.gzip / 1024).toFixed(1)} KiB gzip`
        )

        // Chromium runs as root in CI: no sandbox there.
        const browser = await chromium.launch({ executablePath: command, args: ["--no-sandbox"], timeout: 30_000 })
        try {
          const tab = await browser.newPage()
          tab.setDefaultTimeout(15_000)
          const consoleText: Array<string> = []
          const pageErrors: Array<string> = []
          tab.on("console", (message) => void consoleText.push(`${message.type()}: ${message.text()}`))
          tab.on("pageerror", (error) => void pageErrors.push(error.message))
          await tab.addInitScript((config) => {
            ;(globalThis as { authfxPageConfig?: unknown }).authfxPageConfig = config
          }, {
            nabiUrl: fakes.env["NABI_URL"]!,
            nandboxUrl: fakes.env["NANDBOX_URL"]!,
            nandboxToken: fakes.env["NANDBOX_TOKEN"]!,
            wallet: { jwk: fakes.wallet.jwk }
          })
          await tab.goto(fakes.page)
          await tab.waitForSelector("body[data-ready=true]", { state: "attached" })
          const press = async (button: string) => {
            await tab.click(`#${button}`)
            await tab.waitForSelector(`body[data-${button}=done], body[data-${button}=failed]`, { state: "attached" })
            const error = await tab.textContent("#error")
            assert.strictEqual(await tab.getAttribute("body", `data-${button}`), "done", `${button}: ${error}`)
          }
          const text = async (id: string) => (await tab.textContent(`#${id}`)) ?? ""

          // The fake takes nothing but a TON Connect ton_proof for the page's host: the page's wallet signed one.
          assert.strictEqual(fakes.env["NABI_SIGNATURE_MODE"], "ton_proof")
          const initially = await fakes.counters()
          await press("connect")
          // The address the page's wallet derived (v4r2, @ton/ton) is the one the fakes process registered.
          assert.strictEqual(await text("nabi-status"), `authenticated: wallet ${fakes.wallet.address}`)
          assert.strictEqual(await text("nabi-profiles"), "p-wallet: profile p-wallet")
          assert.strictEqual(await text("nandbox-status"), "authenticated: bot authfx fake bot")
          assert.strictEqual(await text("nandbox-sent"), "sendMessage written on the authenticated socket")
          const before = await fakes.counters()
          assert.strictEqual(before.nabi["logins"]! - initially.nabi["logins"]!, 1, "one sign-in by ton_proof")
          assert.strictEqual(before.nabi["badSignatures"], initially.nabi["badSignatures"], "no refused proof")

          // The server expires every access token: the next call meets a 401 and renews by refresh token,
          // without asking the wallet to sign again.
          await fakes.expireNabiAccessTokens()
          await press("profiles")
          assert.match(await text("nabi-renewal"), /^renewed by refresh token \(generation 2\)$/)
          assert.strictEqual(await text("nabi-profiles"), "p-wallet: profile p-wallet")
          const after = await fakes.counters()
          assert.strictEqual(after.nabi["refreshes"]! - before.nabi["refreshes"]!, 1)
          assert.strictEqual(after.nabi["logins"], before.nabi["logins"], "a renewal must not sign in again")

          await press("rename-other")
          assert.strictEqual(
            await text("nabi-mismatch"),
            `typed error: ProfileMismatch (NotOwner): ${fakes.wallet.address} does not own p-other`
          )
          assert.isTrue(after.nandboxReceived.some((frame) => frame["text"] === "hello from a browser"))

          // A sign-in the user declines in the wallet: TonSigner.fromWallet's typed refusal, no getToken sent.
          await press("decline")
          assert.strictEqual(
            await text("nabi-declined"),
            "typed error: CredentialsRejected (Unknown): the wallet did not give a ton_proof"
          )
          const declined = await fakes.counters()
          assert.strictEqual(declined.nabi["logins"], after.nabi["logins"])
          assert.strictEqual(declined.nabi["badSignatures"], after.nabi["badSignatures"])

          await tab.screenshot({ path: join(output, "browser-page.png"), fullPage: true })

          // The page logs both sessions and the refused call on purpose: what it logged must hold no secret.
          const logged = consoleText.join("\n")
          assert.match(logged, /nabi session/)
          assert.match(logged, /<redacted>/)
          const shown = (await tab.textContent("body")) ?? ""
          for (const where of [logged, shown]) {
            assert.notInclude(where, fakes.env["NANDBOX_TOKEN"]!.split(":")[2]!)
            assert.notInclude(where, fakes.wallet.jwk.d)
            assert.notMatch(where, /eyJ[\w-]+\.eyJ[\w-]+\./, "a JWT (Nabi's access or refresh token)")
          }
          assert.deepStrictEqual(pageErrors, [])
        } finally {
          await browser.close()
        }
      })
    })
  })
})
