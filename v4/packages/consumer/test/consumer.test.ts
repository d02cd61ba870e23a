import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Consumer from "../src/Consumer.js"
import * as Fakes from "../src/Fakes.js"
import * as Runtimes from "../src/Runtimes.js"

/**
 * The providers' programs: `app/<name>.ts` (see `app/main.ts` for what it exports) and what it prints. A provider
 * joins the test with its program file and its line here.
 */
const programs: ReadonlyArray<{
  readonly name: string
  /** Its `authenticated: …` and `call: …` lines, the same under every runtime. */
  readonly authenticated: RegExp
  readonly call: RegExp
  /** The typed error the program provokes (a wrong credential). */
  readonly typedError: RegExp
  /** What its package's README examples (every file) print against the fakes, line by line, in order. */
  readonly readme: ReadonlyArray<RegExp>
  /** The variables of the fake's environment that hold a secret: their values never appear in the output. */
  readonly secrets: ReadonlyArray<string>
}> = [
  {
    name: "whatsgate",
    authenticated: /^authenticated: device is connected$/m,
    call: /^call: balance \{.+\}$/m,
    typedError: /^typed error: CredentialsRejected \(InvalidToken\)$/m,
    readme: [/^readme whatsgate: Message sent successfully$/],
    secrets: ["WHATSGATE_ACCESS_TOKEN"]
  },
  {
    name: "gunbot",
    authenticated: /^authenticated: Authenticated$/m,
    call: /^call: 2 balances$/m,
    typedError: /^typed error: CredentialsRejected \(WrongPassword\)$/m,
    readme: [/^readme gunbot: Authenticated; assets: .+ on .+$/],
    secrets: ["GUNBOT_PASSWORD", "GUNBOT_WALLET"]
  },
  {
    name: "nabi",
    authenticated: /^authenticated: wallet 0:0a9ce5e9d87571757f526dd832161955ae5ebd453412c344ba3dbcd96bc0c134$/m,
    call: /^call: profiles p-demo$/m,
    // A wallet at an address whose contract holds another key: Nabi refuses the signature.
    typedError: /^typed error: CredentialsRejected \(BadSignature\)$/m,
    readme: [
      /^readme nabi: renamed p-demo to mine$/,
      // The fake's wallet (NabiFake.demoAccount.address, its NABI_ADDRESS) does not own p-other.
      /^readme nabi: 0:0a9ce5e9d87571757f526dd832161955ae5ebd453412c344ba3dbcd96bc0c134 does not own p-other$/,
      /^readme nabi: signer: 1 signature, 1 login$/,
      /^readme nabi: tonConnect: 1 signData, 1 login$/
    ],
    secrets: ["NABI_MNEMONIC"]
  },
  {
    name: "nandbox",
    authenticated: /^authenticated: bot authfx test bot$/m,
    call: /^call: sendMessage written on the authenticated socket$/m,
    typedError: /^typed error: CredentialsRejected \(InvalidToken\)$/m,
    readme: [/^readme nandbox: echoed 2: echo: one, echo: two$/],
    secrets: ["NANDBOX_TOKEN"]
  },
  {
    name: "terabox",
    // The fake's account id: 4,398,000,000,000 plus a random million.
    authenticated: /^authenticated: account 4398\d{9}$/m,
    call: /^call: user alice$/m,
    typedError: /^typed error: CredentialsRejected \(CookieExpired\)$/m,
    readme: [
      // No /archive folder on the fake: the move is refused with a typed errno.
      /^readme terabox: not done: NotFound$/,
      // app/terabox.ts's fake holds 1,005 files of 1,024 + i bytes in /big: two pages of the listing.
      new RegExp(`^readme terabox: usage /big: 1005 files, ${1005 * 1024 + (1004 * 1005) / 2} bytes$`)
    ],
    secrets: ["TERABOX_NDUS"]
  }
]

/** Issue 29's `npm install @authfx/<pkg> effect@4`, each with its program in `latest/`, and what it prints. */
const latest: ReadonlyArray<
  { readonly name: string; readonly with?: ReadonlyArray<string>; readonly prints: RegExp }
> = [
  { name: "whatsgate", prints: /^typed error: ConfigurationError \(Missing WHATSGATE_URL\)$/m },
  // The line of issue 29's "done when", with the testkit for the fake it authenticates against.
  {
    name: "gunbot",
    with: ["@authfx/testkit"],
    prints: /^authenticated: Authenticated; logins 1, authorized calls 1$/m
  },
  {
    name: "nabi",
    with: ["@authfx/testkit"],
    prints: /^authenticated: profiles p-demo; logins 1, nonces 1$/m
  },
  {
    name: "nandbox",
    with: ["@authfx/testkit"],
    prints: /^authenticated: bot authfx test bot; authentications 1, frames received 1$/m
  },
  {
    name: "terabox",
    with: ["@authfx/testkit"],
    // The homepage (its jsToken), then check/login and the user's info.
    prints: /^authenticated: alice; homepage loads 1, requests 3$/m
  }
]

// Found before the tests are collected, so that a missing runtime decides between a failing test and a skip.
const [bun, deno] = await Promise.all([Runtimes.find("bun"), Runtimes.find("deno")])

/** A runtime that is missing fails its tests unless `AUTHFX_SKIP_RUNTIMES` names it: then they are skipped. */
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

/** A promise awaited by a test later: its failure is that test's, not an unhandled rejection meanwhile. */
const later = <A>(promise: Promise<A>): Promise<A> => {
  promise.catch(() => undefined)
  return promise
}

let packed: Consumer.Packed
let app: Consumer.App
// Started as soon as the app is installed and awaited by the tests that need them, so that they overlap.
let compiled: Promise<string>
let bundler: Promise<string>
let latestApps: ReadonlyMap<string, Promise<Consumer.App>>

const tsc = (config: string) =>
  app.exec(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", config])

describe("the packed v4 packages, installed with npm and effect 4 into an app outside the workspace", () => {
  beforeAll(async () => {
    packed = await Consumer.pack()
    latestApps = new Map(
      latest.map(({ name, with: extra }) => [name, later(Consumer.installLatest(packed, `@authfx/${name}`, extra))])
    )
    app = await Consumer.install(packed)
    writeFileSync(join(app.dir, "tsconfig.json"), JSON.stringify(Consumer.tsconfig("NodeNext")))
    writeFileSync(join(app.dir, "tsconfig.bundler.json"), JSON.stringify(Consumer.tsconfig("Bundler")))
    compiled = later(tsc("tsconfig.json"))
    bundler = later(tsc("tsconfig.bundler.json"))
  })

  // The apps take about 120 MB; AUTHFX_CONSUMER_KEEP=1 keeps them (and prints where) to look into a failure.
  afterAll(async () => {
    if (packed === undefined) return
    await Promise.allSettled([compiled, bundler, ...(latestApps?.values() ?? [])])
    if (process.env["AUTHFX_CONSUMER_KEEP"] === "1") console.log(`the consumer apps are kept in ${packed.base}`)
    else rmSync(packed.base, { recursive: true, force: true })
  })

  it("every publishable v4 package and the effect-free ones it shares are packed, with versions for workspace ranges", async () => {
    const names = packed.packages.map((pkg) => pkg.name)
    for (
      const name of [
        "@authfx/protocol",
        "@authfx/ton",
        "@authfx/fakes",
        "@authfx/core",
        "@authfx/testkit",
        "@authfx/whatsgate"
      ]
    ) {
      assert.include(names, name)
    }
    assert.notInclude(names, "@authfx/consumer")
    for (const pkg of packed.packages) {
      const tarball = packed.tarballs.get(pkg.name)!
      const files = (await Consumer.run("tar", ["-tzf", tarball])).split("\n").filter((f) => f !== "")
      assert.include(files, "package/dist/index.js", pkg.name)
      assert.include(files, "package/dist/index.d.ts", pkg.name)
      assert.deepStrictEqual(
        files.filter((f) => /^package\/(test|build|examples)\/|tsbuildinfo$/.test(f)),
        [],
        pkg.name
      )
      const manifest = JSON.parse(
        await Consumer.run("tar", ["-xzOf", tarball, "package/package.json"])
      ) as {
        readonly version: string
        readonly exports: Record<string, unknown>
        readonly dependencies?: Record<string, string>
        readonly peerDependencies?: Record<string, string>
      }
      assert.strictEqual(manifest.version, pkg.version)
      assert.notMatch(JSON.stringify(manifest.dependencies ?? {}), /workspace:|link:/, pkg.name)
      assert.deepStrictEqual(manifest.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" })
      if (Consumer.isShared(pkg)) {
        // Shared by both lines: no Effect at all.
        assert.notMatch(
          JSON.stringify([manifest.dependencies, manifest.peerDependencies]),
          /"effect"|@effect\//,
          pkg.name
        )
      } else {
        assert.strictEqual(manifest.peerDependencies?.["effect"], "~4.1.5", pkg.name)
        assert.match(pkg.version, /^1\./, pkg.name)
      }
    }
  })

  it("type-check with strict settings and skipLibCheck: false, moduleResolution NodeNext", async () => {
    await compiled
  })

  it("type-check with strict settings and skipLibCheck: false, moduleResolution Bundler", async () => {
    await bundler
  })

  it("npm ls finds one copy of effect, 4.1.5, beside @effect/platform-node 4.1.5", async () => {
    assert.deepStrictEqual(await Consumer.installedVersions(app.dir, "effect"), ["4.1.5"])
    assert.deepStrictEqual(await Consumer.installedVersions(app.dir, "@effect/platform-node"), ["4.1.5"])
  })

  for (const { authenticated, call, name, typedError } of programs) {
    it(`${name}: authenticates, makes a call and catches a typed error under Node 22 (undici)`, async () => {
      await compiled
      const out = await app.exec(process.execPath, [join("out", "node.js"), name])
      assert.match(out, /^runtime: node 2[2-9]\./m)
      assert.match(out, authenticated)
      assert.match(out, call)
      assert.match(out, typedError)
    })
  }

  /**
   * README examples that type-check here (above) but run in their own package's tests, against what the app has no
   * fake for: @authfx/redis's `fleet.ts` needs a real redis-server (v4/packages/redis/test/examples.test.ts starts
   * one and runs it there).
   */
  const runElsewhere = ["@authfx/redis"]

  it("each README example (examples/*.ts of each package) type-checks (above) and runs against the fakes", async () => {
    await compiled
    await Promise.all(
      packed.packages.filter((p) => p.examples && !runElsewhere.includes(p.name)).map(async (pkg) => {
        const name = pkg.name.replace("@authfx/", "")
        const entry = programs.find((p) => p.name === name)
        assert.isDefined(entry, `${pkg.name} has README examples: app/${name}.ts runs them (its readme export)`)
        // Every example file, not a sample: the program imports each one.
        const source = readFileSync(fileURLToPath(new URL(`../app/${name}.ts`, import.meta.url)), "utf8")
        for (const file of readdirSync(join(pkg.dir, "examples")).filter((f) => f.endsWith(".ts"))) {
          assert.include(source, `"./readme/${name}/${file.replace(/\.ts$/, ".js")}"`, `app/${name}.ts runs ${file}`)
        }
        const out = await app.exec(process.execPath, [join("out", "readme.js"), name])
        const lines = out.split("\n").filter((line) => line.startsWith("readme "))
        assert.strictEqual(lines.length, entry!.readme.length, `${name}'s README lines:\n${out}`)
        entry!.readme.forEach((expected, i) => assert.match(lines[i]!, expected, name))
      })
    )
  })

  for (const { name, prints } of latest) {
    it(`npm install @authfx/${name} effect@4 in an empty app: effect 4.1.5, once; the package runs`, async () => {
      const empty = await latestApps.get(name)!
      assert.deepStrictEqual(await Consumer.installedVersions(empty.dir, "effect"), ["4.1.5"])
      const program = join(empty.dir, "main.mjs")
      copyFileSync(fileURLToPath(new URL(`../latest/${name}.mjs`, import.meta.url)), program)
      assert.match(await empty.exec(process.execPath, [program]), prints)
    })
  }

  describe("under Bun and Deno, against the testkit fakes in a Node process", () => {
    let fakes: Fakes.Running

    beforeAll(async () => {
      await compiled
      fakes = await Fakes.start(app, programs.map((p) => p.name))
    })

    afterAll(() => fakes?.stop())

    /** Runs a program with the fakes' environment; its output never holds a secret of that environment. */
    const runProgram = async (command: string, args: ReadonlyArray<string>) => {
      const out = await app.exec(command, args, { ...fakes.env, DENO_NO_UPDATE_CHECK: "1" })
      for (const name of programs.flatMap((p) => p.secrets)) {
        assert.isAbove(fakes.env[name]?.length ?? 0, 8, `${name} is not in the fakes' environment`)
        assert.notInclude(out, fakes.env[name]!, `${name}'s value in the output`)
      }
      return out
    }

    describeRuntime(bun, "Bun", (command) => {
      for (const { authenticated, call, name, typedError } of programs) {
        it(`${name}: authenticates, makes a call and catches a typed error`, async () => {
          const out = await runProgram(command, [join("out", "portable.js"), name])
          assert.match(out, /^runtime: bun \d/m)
          assert.match(out, authenticated)
          assert.match(out, call)
          assert.match(out, typedError)
        })
      }
    })

    describeRuntime(deno, "Deno", (command) => {
      for (const { authenticated, call, name, typedError } of programs) {
        it(`${name}: authenticates, makes a call and catches a typed error`, async () => {
          // Only what the programs need: loopback sockets and the environment.
          const out = await runProgram(command, [
            "run",
            "--allow-net=127.0.0.1",
            "--allow-env",
            join("out", "portable.js"),
            name
          ])
          assert.match(out, /^runtime: deno \d/m)
          assert.match(out, authenticated)
          assert.match(out, call)
          assert.match(out, typedError)
        })
      }
    })

    it("the nandbox frame each runtime sent reached the fake on an authenticated socket", async () => {
      const found = [bun, deno].filter((runtime) => runtime._tag === "Found").map((runtime) => runtime.name)
      const sent = (texts: ReadonlyArray<string>, name: string) =>
        texts.some((t) => t.startsWith(`hello from ${name} `))
      // The programs have exited; a frame still on its way gets up to a second.
      let texts: ReadonlyArray<string> = []
      for (let i = 0; i < 20; i++) {
        texts = ((await fakes.seen())["nandbox"] ?? []) as ReadonlyArray<string>
        if (found.every((name) => sent(texts, name))) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      for (const name of found) assert.isTrue(sent(texts, name), `${name}: ${texts.join("; ")}`)
    })
  })
})
