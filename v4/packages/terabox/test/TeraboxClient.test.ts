import { SecretScan, TeraboxFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { TeraboxAuth } from "../src/TeraboxAuth.js"
import * as TeraboxClient from "../src/TeraboxClient.js"

// The v4 workspace has no `@effect/platform-node`: effect 4's own `fetch` client, over real loopback sockets.
const Http = FetchHttpClient.layer

const setup = (
  options: TeraboxFake.Options & {
    readonly client?: Partial<TeraboxClient.Options>
    readonly cookie?: (fake: TeraboxFake.TeraboxFake) => string
  } = {}
) =>
  Effect.gen(function*() {
    const fake = yield* TeraboxFake.make(options)
    const context = yield* Layer.build(
      TeraboxClient.layer({
        url: fake.url,
        ndus: Redacted.make(options.cookie?.(fake) ?? fake.ndus()),
        regionOrigin: (prefix) => fake.regionOrigins[prefix] ?? `http://unknown-${prefix}.invalid`,
        // The fake's regions are all on 127.0.0.1.
        allowedDomains: ["127.0.0.1"],
        ...options.client
      }).pipe(Layer.provide(Http))
    )
    return { fake, terabox: Context.get(context, TeraboxClient.TeraboxClient), auth: Context.get(context, TeraboxAuth) }
  })

describe("TeraboxClient", () => {
  it.effect("the generic authenticated client reads answers that are not JSON (a page) as they are", () =>
    Effect.gen(function*() {
      const { terabox } = yield* setup()
      const page = yield* terabox.http.get("/")
      assert.strictEqual(page.status, 200)
      assert.include(yield* Effect.orDie(page.text), "<")
    }).pipe(Effect.provide(Http)))

  it.effect("only the ndus cookie: tokens read from the homepage, userInfo returned", () =>
    Effect.gen(function*() {
      const { auth, fake, terabox } = yield* setup({ uname: "alice" })
      const info = yield* terabox.userInfo
      assert.deepStrictEqual([info.uname, info.uk], ["alice", fake.uk])
      const session = yield* auth.session
      assert.strictEqual(Redacted.value(session.jsToken), fake.jsToken())
      assert.strictEqual(Redacted.value(session.bdstoken!), fake.bdstoken())
      assert.strictEqual(fake.counters.pages, 1)
      const list = yield* terabox.list("/docs")
      assert.deepStrictEqual(list.map((e) => e.name).sort(), ["notes.txt", "report.pdf"])
      const quota = yield* terabox.quota
      assert.strictEqual(quota.used, 48213 + 312)
      // The cookie the site set on the homepage is sent back.
      assert.include(fake.lastCookie() ?? "", "csrfToken=")
    }).pipe(Effect.provide(Http)))

  it.effect("a whole browser cookie string is accepted; given tokens skip the homepage", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const context = yield* Layer.build(
        TeraboxClient.layer({
          url: fake.url,
          ndus: Redacted.make(`PANWEB=1; ndus=${fake.ndus()}; lang=en`),
          jsToken: Redacted.make(fake.jsToken()),
          bdstoken: Redacted.make(fake.bdstoken())
        }).pipe(Layer.provide(Http))
      )
      yield* Context.get(context, TeraboxClient.TeraboxClient).quota
      assert.strictEqual(fake.counters.pages, 0)
      assert.include(fake.lastCookie() ?? "", "PANWEB=1")
    }).pipe(Effect.provide(Http)))

  it.effect("the jsToken rotated: one re-read of the page, one replay, no failure", () =>
    Effect.gen(function*() {
      for (const staleJsTokenErrno of [4000023, 450016] as const) {
        // By default only writes need the jsToken (as the evidence says): a rename meets the rotation.
        const { fake, terabox } = yield* setup({ staleJsTokenErrno })
        yield* terabox.quota
        fake.rotateJsToken()
        yield* terabox.list("/")
        assert.deepStrictEqual([fake.counters.pages, fake.counters.staleJsToken], [1, 0])
        yield* terabox.rename("/docs/notes.txt", "todo.txt")
        assert.deepStrictEqual([fake.counters.pages, fake.counters.staleJsToken, fake.counters.writes], [2, 1, 1])
        // A site that demands it on every route: a listing meets it the same way.
        const strict = yield* setup({ staleJsTokenErrno, jsTokenRequiredOn: "all" })
        yield* strict.terabox.quota
        strict.fake.rotateJsToken()
        yield* strict.terabox.list("/")
        assert.deepStrictEqual([strict.fake.counters.pages, strict.fake.counters.staleJsToken], [2, 1])
      }
      // The seven-digit 4500016 (a typo OpenList carried from July to November 2025) is no stale-jsToken code.
      const { fake, terabox } = yield* setup()
      yield* terabox.quota
      fake.failNext(1, 200, { body: { errno: 4500016 } })
      const error = yield* Effect.flip(terabox.quota)
      assert.strictEqual(error._tag === "TeraboxApiError" && error.errno, 4500016)
      assert.strictEqual(fake.counters.pages, 1)
    }).pipe(Effect.provide(Http)))

  it.effect("1,000 concurrent calls after a jsToken rotation: one re-read", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup({ jsTokenRequiredOn: "all" })
      yield* terabox.quota
      fake.rotateJsToken()
      const results = yield* Effect.all(Array.from({ length: 1000 }, () => Effect.result(terabox.quota)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.filter((r) => r._tag === "Success").length, 1000)
      assert.deepStrictEqual([fake.counters.pages, fake.counters.staleJsToken], [2, 1000])
      // 2,000 exchanges through `fetch` (each stale answer, then its replay): about 3 s on a quiet 2-core machine,
      // 25 to 60 s at a load average of 15; the bound leaves room for a loaded CI runner.
    }).pipe(Effect.provide(Http)), 180_000)

  it.effect("an expired cookie: CredentialsRejected naming the ndus cookie", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup()
      yield* terabox.quota
      fake.expireCookie()
      const error = yield* Effect.flip(terabox.list("/"))
      assert.strictEqual(error._tag, "CredentialsRejected")
      if (error._tag === "CredentialsRejected") assert.strictEqual(error.reason, "CookieExpired")
      assert.include(error.message, "ndus")
      // At start, the homepage's redirect to /login says the same.
      const cold = yield* Effect.flip(
        Effect.flatMap(setup({ cookie: () => "ndus=dead" }), ({ terabox }) => terabox.quota)
      )
      assert.strictEqual(cold._tag === "CredentialsRejected" && cold.reason, "CookieExpired")
    }).pipe(Effect.provide(Http)))

  it.effect("a region move is followed once, at start and during use", () =>
    Effect.gen(function*() {
      const { auth, fake, terabox } = yield* setup()
      yield* terabox.quota
      fake.moveRegion("dm")
      yield* terabox.list("/")
      assert.strictEqual((yield* auth.session).origin, fake.regionOrigins["dm"])
      assert.strictEqual(fake.counters.regionMoves, 1)
      // A fresh client starting on the old origin moves at check/login.
      const second = yield* TeraboxClient.make({
        url: fake.url,
        ndus: Redacted.make(fake.ndus()),
        regionOrigin: (prefix) => fake.regionOrigins[prefix]!,
        allowedDomains: ["127.0.0.1"]
      })
      yield* second.client.quota
      assert.strictEqual((yield* second.auth.session).origin, fake.regionOrigins["dm"])
    }).pipe(Effect.provide(Http)))

  it.effect("writes carry bdstoken, with enforcement off and on; errno failures are typed", () =>
    Effect.gen(function*() {
      for (const enforceBdstoken of [false, true]) {
        const { fake, terabox } = yield* setup({ enforceBdstoken, bdstokenInPage: !enforceBdstoken })
        yield* terabox.rename("/docs/notes.txt", "todo.txt")
        yield* terabox.copy("/docs/todo.txt", "/photos")
        yield* terabox.move("/docs/report.pdf", "/photos", "r.pdf")
        yield* terabox.delete(["/photos/todo.txt"])
        const paths = fake.files().map((f) => f.path).sort()
        assert.deepStrictEqual(paths, ["/docs", "/docs/todo.txt", "/photos", "/photos/r.pdf"])
        const missing = yield* Effect.flip(terabox.delete(["/nope"]))
        assert.deepStrictEqual([missing._tag, missing._tag === "TeraboxApiError" && missing.reason], [
          "TeraboxApiError",
          "NotFound"
        ])
        const exists = yield* Effect.flip(terabox.rename("/docs/todo.txt", "todo.txt"))
        assert.strictEqual(exists._tag === "TeraboxApiError" && exists.reason, "AlreadyExists")
      }
    }).pipe(Effect.provide(Http)))

  it.effect("a homepage without the token: a clear ProtocolError", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      fake.removeTokenFromPage(true)
      const context = yield* Layer.build(
        TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()) }).pipe(Layer.provide(Http))
      )
      const error = yield* Effect.flip(Context.get(context, TeraboxClient.TeraboxClient).quota)
      assert.strictEqual(error._tag, "ProtocolError")
      if (error._tag === "ProtocolError") assert.strictEqual(error.reason, "MissingToken")
      // Configured in code: the option is named (layerConfig's TERABOX_JS_TOKEN is for a value read from it).
      assert.include(error.message, "set jsToken meanwhile")
      assert.notInclude(error.message, "TERABOX_")
    }).pipe(Effect.provide(Http)))

  it.effect("31034 (too frequent) is a RateLimited TransportError; malformed answers are ProtocolErrors", () =>
    Effect.gen(function*() {
      const { fake, terabox } = yield* setup({ client: { retry: false } })
      yield* terabox.quota
      fake.invalidJsonNext(1)
      assert.strictEqual((yield* Effect.flip(terabox.quota))._tag, "ProtocolError")
      fake.wrongShapeNext(1)
      assert.strictEqual((yield* Effect.flip(terabox.list("/")))._tag, "ProtocolError")
      fake.failNext(1, 200, { body: { errno: 31034 } })
      const limited = yield* Effect.flip(terabox.quota)
      assert.deepStrictEqual([limited._tag, limited._tag === "TransportError" && limited.reason], [
        "TransportError",
        "RateLimited"
      ])
    }).pipe(Effect.provide(Http)))

  it.effect("an empty TERABOX_NDUS or a bad URL: typed before any request", () =>
    Effect.gen(function*() {
      const empty = yield* Effect.flip(
        Layer.build(TeraboxClient.layer({ ndus: Redacted.make("PANWEB=1") }).pipe(Layer.provide(Http)))
      )
      assert.strictEqual(empty._tag, "CredentialsMissing")
      const url = yield* Effect.flip(
        Layer.build(TeraboxClient.layer({ url: "terabox", ndus: Redacted.make("x") }).pipe(Layer.provide(Http)))
      )
      assert.strictEqual(url._tag, "ConfigurationError")
    }))

  it.effect("configuration errors name the option in code, the variable when layerConfig read it", () =>
    Effect.gen(function*() {
      const build = <E>(layer: Layer.Layer<TeraboxClient.TeraboxClient, E, never>) => Effect.flip(Layer.build(layer))
      // Given in code: the options are named, never a variable.
      const badUrl = yield* build(
        TeraboxClient.layer({ url: "terabox", ndus: Redacted.make("x") }).pipe(Layer.provide(Http))
      )
      assert.strictEqual(badUrl._tag, "ConfigurationError")
      assert.strictEqual((badUrl as { key?: unknown }).key, "url")
      assert.notInclude(String(badUrl), "TERABOX_")
      const noCookie = yield* build(
        TeraboxClient.layer({ ndus: Redacted.make("PANWEB=1") }).pipe(Layer.provide(Http))
      )
      assert.strictEqual(noCookie._tag, "CredentialsMissing")
      assert.include(String(noCookie), "ndus holds no ndus cookie")
      assert.notInclude(String(noCookie), "TERABOX_")
      const { fake, terabox } = yield* setup({ client: { retry: false } })
      fake.expireCookie()
      const expired = yield* Effect.flip(terabox.quota)
      assert.strictEqual(expired._tag, "CredentialsRejected")
      assert.include(expired.message, "copy a new one from the browser into ndus")
      assert.notInclude(expired.message, "TERABOX_")
      // Read by layerConfig from the environment: the variables are named.
      yield* Effect.scoped(Effect.gen(function*() {
        yield* TestEnv.set({ TERABOX_URL: "terabox", TERABOX_NDUS: "x" })
        const fromEnv = yield* build(TeraboxClient.layerConfig().pipe(Layer.provide(Http)))
        assert.strictEqual((fromEnv as { key?: unknown }).key, "TERABOX_URL")
      }))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* TestEnv.set({ TERABOX_URL: fake.url, TERABOX_NDUS: "PANWEB=1" })
        const fromEnv = yield* build(TeraboxClient.layerConfig().pipe(Layer.provide(Http)))
        assert.include(String(fromEnv), "TERABOX_NDUS holds no ndus cookie")
      }))
      const other = yield* TeraboxFake.make()
      const expiredFromEnv = yield* Effect.scoped(Effect.gen(function*() {
        yield* TestEnv.set({ TERABOX_URL: other.url, TERABOX_NDUS: other.ndus() })
        const context = yield* Layer.build(TeraboxClient.layerConfig({ retry: false }).pipe(Layer.provide(Http)))
        other.expireCookie()
        return yield* Effect.flip(Context.get(context, TeraboxClient.TeraboxClient).quota)
      }))
      assert.include(expiredFromEnv.message, "copy a new one from the browser into TERABOX_NDUS")
    }).pipe(Effect.provide(Http), Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it.effect("the cookie and the tokens appear in no log, span or error", () =>
    Effect.gen(function*() {
      const capture = SecretScan.makeCapture()
      const seen: Array<unknown> = []
      const secrets: Array<string> = []
      const fake = yield* TeraboxFake.make()
      const context = yield* Layer.build(
        TeraboxClient.layer({ url: fake.url, ndus: Redacted.make(fake.ndus()) }).pipe(Layer.provide(Http))
      ).pipe(Effect.provide(capture.layer))
      // What the program runs with when `TeraboxClient.layer` is provided to it: effect 4 sets no fiber-wide
      // reference from a built layer, so the program's context is where the redacted header names are, and where
      // logs and dumps are made.
      yield* Effect.gen(function*() {
        const terabox = Context.get(context, TeraboxClient.TeraboxClient)
        const auth = Context.get(context, TeraboxAuth)
        secrets.push(fake.ndus(), fake.bdstoken())
        yield* terabox.userInfo
        secrets.push(fake.jsToken())
        yield* terabox.rename("/docs/notes.txt", "n.txt")
        secrets.push(fake.rotateJsToken())
        yield* terabox.list("/")
        seen.push(yield* auth.session)
        yield* Effect.logDebug("session", yield* auth.session)
        fake.expireCookie()
        seen.push(yield* Effect.flip(terabox.quota))
        assert.isTrue(capture.spans.some((s) => s.name === "terabox.request"))
        assert.isTrue(capture.spans.some((s) => s.name === "TeraboxAuth.scrape"))
        yield* SecretScan.assertClean(secrets, { capture, values: seen })
      }).pipe(Effect.provide(capture.layer), Effect.provide(context))
    }))
})

describe("TeraboxClient.keyed", () => {
  it.effect("one client per account, each with its own cookie and session; an unknown account fails typed", () =>
    Effect.gen(function*() {
      const a = yield* TeraboxFake.make({ uname: "alice" })
      const b = yield* TeraboxFake.make({ uname: "bob" })
      const fakes: Record<string, TeraboxFake.TeraboxFake> = { a, b }
      const accounts = yield* TeraboxClient.keyed({
        config: (account) => {
          const fake = fakes[account]
          return fake === undefined
            ? Effect.fail(`no account ${account}` as const)
            : Effect.succeed({ url: fake.url, ndus: Redacted.make(fake.ndus()) })
        }
      })
      assert.strictEqual((yield* accounts.use("a", (client) => client.userInfo)).uname, "alice")
      assert.strictEqual((yield* accounts.use("b", (client) => client.userInfo)).uname, "bob")
      yield* accounts.use("b", (client) => client.rename("/docs/notes.txt", "todo.txt"))
      // Each account read its own homepage once; the write went to b alone, with b's cookie.
      assert.deepStrictEqual([a.counters.pages, b.counters.pages, a.counters.writes, b.counters.writes], [1, 1, 0, 1])
      assert.include(b.lastCookie() ?? "", `ndus=${b.ndus()}`)
      assert.notInclude(a.lastCookie() ?? "", b.ndus())
      assert.deepStrictEqual([...(yield* accounts.keys)].sort(), ["a", "b"])
      assert.strictEqual(yield* Effect.flip(accounts.use("c", (client) => client.quota)), "no account c")
    }).pipe(Effect.provide(Http)))
})
