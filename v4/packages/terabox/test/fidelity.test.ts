/**
 * What the maintained clients (alist/OpenList `drivers/terabox`, seiya's terabox-api, rclone) show of the real site,
 * checked against the fake over real sockets: the page's two jsToken placements, region moves by redirect and by
 * either header, the dead-cookie redirect in both forms and under a redirect-following client, and where each
 * request parameter travels.
 */
import { fromEvalBlock, fromTemplateData, pageTokens, templateData } from "@authfx/protocol/TeraboxPage"
import { TeraboxFake } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { TeraboxAuth } from "../src/TeraboxAuth.js"
import * as TeraboxClient from "../src/TeraboxClient.js"

// The v4 workspace has no `@effect/platform-node`: effect 4's own `fetch` client, over real loopback sockets.
const Http = FetchHttpClient.layer

/** Another origin (`localhost`, outside the allowed domains) that counts what reaches it. */
const elsewhereServer = (): Effect.Effect<
  { readonly port: number; readonly hits: () => number; readonly cookies: () => ReadonlyArray<string> },
  never,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.callback<
      { readonly server: ReturnType<typeof createServer>; hits: number; readonly cookies: Array<string> }
    >((resume) => {
      const state = {
        server: createServer((request, response) => {
          state.hits += 1
          if (request.headers.cookie !== undefined) state.cookies.push(request.headers.cookie)
          response.writeHead(200, { "content-type": "text/html" })
          response.end("<html></html>")
        }),
        hits: 0,
        cookies: [] as Array<string>
      }
      state.server.listen(0, "127.0.0.1", () => resume(Effect.succeed(state)))
    }),
    (state) =>
      Effect.callback<void>((resume) => {
        state.server.close(() => resume(Effect.void))
        state.server.closeAllConnections()
      })
  ).pipe(Effect.map((state) => ({
    port: (state.server.address() as AddressInfo).port,
    hits: () => state.hits,
    cookies: () => state.cookies
  })))

const client = (
  fake: TeraboxFake.TeraboxFake,
  options: Partial<TeraboxClient.Options> = {},
  http: Layer.Layer<HttpClient.HttpClient> = Http
) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      TeraboxClient.layer({
        url: fake.url,
        ndus: Redacted.make(fake.ndus()),
        regionOrigin: (prefix) => fake.regionOrigins[prefix] ?? `http://unknown-${prefix}.invalid`,
        allowedDomains: ["127.0.0.1"],
        ...options
      }).pipe(Layer.provide(http))
    )
    return { terabox: Context.get(context, TeraboxClient.TeraboxClient), auth: Context.get(context, TeraboxAuth) }
  })

const homepage = (fake: TeraboxFake.TeraboxFake) =>
  Effect.promise(() => fetch(`${fake.url}/main`, { headers: { cookie: `ndus=${fake.ndus()}` } }).then((r) => r.text()))

describe("Terabox homepage: the jsToken where the real page carries it", () => {
  it.effect("the page carries fn%28%22<token>%22%29 in the eval block and in templateData; each extractor reads it", () =>
    Effect.gen(function*() {
      for (const templateDataLayout of ["line", "pretty"] as const) {
        const fake = yield* TeraboxFake.make({ templateDataLayout })
        const html = yield* homepage(fake)
        const token = fake.jsToken()
        // Fully percent-encoded, as on the real page: `(` and `)` are %28 / %29.
        assert.include(html, `window.jsToken%20%3D%20a%7D%3Bfn%28%22${token}%22%29`)
        assert.include(
          html,
          `"jsToken": "fn%28%22${token}%22%29"`.replace(": ", templateDataLayout === "line" ? ":" : ": ")
        )
        assert.strictEqual(fromEvalBlock(html), token)
        assert.strictEqual(fromTemplateData(templateData(html)), token)
        assert.strictEqual(templateData(html)?.["bdstoken"], fake.bdstoken())
        if (templateDataLayout === "pretty") assert.isAbove(html.split("\n").length, 10)
      }
    }))

  it.effect("the client reads the token from either place alone, templateData on one line or pretty-printed", () =>
    Effect.gen(function*() {
      const cases = [
        { tokenPlacement: "eval", templateDataLayout: "line" },
        { tokenPlacement: "eval", templateDataLayout: "pretty" },
        { tokenPlacement: "templateData", templateDataLayout: "line" },
        { tokenPlacement: "templateData", templateDataLayout: "pretty" }
      ] as const
      for (const options of cases) {
        const fake = yield* TeraboxFake.make(options)
        const html = yield* homepage(fake)
        assert.strictEqual(pageTokens(html).source, options.tokenPlacement)
        const { auth, terabox } = yield* client(fake)
        yield* terabox.quota
        const session = yield* auth.session
        assert.strictEqual(Redacted.value(session.jsToken), fake.jsToken(), JSON.stringify(options))
        assert.strictEqual(Redacted.value(session.bdstoken!), fake.bdstoken())
        // One load by the test above, one by the client.
        assert.deepStrictEqual([fake.counters.pages, fake.counters.staleJsToken], [2, 0])
      }
    }).pipe(Effect.provide(Http)))
})

describe("Terabox redirects", () => {
  it.effect("a homepage redirect to another allowed Terabox host is a region move, not UnexpectedStatus", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      fake.moveRegion("dm")
      const { auth, terabox } = yield* client(fake)
      yield* terabox.quota
      assert.strictEqual((yield* auth.session).origin, fake.regionOrigins["dm"])
      // The move came from the page: no API call was made at the old origin.
      assert.deepStrictEqual([fake.counters.regionMoves, fake.counters.notLoggedIn, fake.counters.pages], [1, 0, 1])
    }).pipe(Effect.provide(Http)))

  it.effect("a redirect to a host outside allowedDomains is a ProtocolError, and nothing is sent there", () =>
    Effect.gen(function*() {
      const other = yield* elsewhereServer()
      const fake = yield* TeraboxFake.make()
      // `localhost` is not in the allowed list (["127.0.0.1"]), nor any Terabox domain.
      fake.redirectHomepageTo(`http://localhost:${other.port}/main`)
      for (const options of [{}, { allowedDomains: undefined }]) {
        const { terabox } = yield* client(fake, options)
        const error = yield* Effect.flip(terabox.quota)
        assert.strictEqual(error._tag, "ProtocolError")
        if (error._tag === "ProtocolError") assert.strictEqual(error.status, 302)
        assert.include(error.message, "not an allowed Terabox domain")
      }
      assert.strictEqual(other.hits(), 0)
      // A client that follows redirects itself goes there (the application chose it), but effect 4's
      // followRedirects drops the cookie on a cross-origin hop, and the page found there is no Terabox session.
      const followed = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (c) => HttpClient.followRedirects(c, 5))
      ).pipe(Layer.provide(Http))
      const viaFollowing = yield* client(fake, {}, followed)
      assert.strictEqual((yield* Effect.flip(viaFollowing.terabox.quota))._tag, "ProtocolError")
      assert.strictEqual(other.hits(), 1)
      assert.deepStrictEqual(other.cookies(), [])
    }).pipe(Effect.provide(Http)))

  it.effect("a dead cookie: Location /login (relative or absolute) is CookieExpired, with fetch and followRedirects", () =>
    Effect.gen(function*() {
      const followed = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (c) => HttpClient.followRedirects(c, 5))
      ).pipe(Layer.provide(Http))
      for (const loginRedirect of ["relative", "absolute"] as const) {
        for (
          const [name, http] of [["fetch", Http], ["followRedirects", followed]] as const
        ) {
          const fake = yield* TeraboxFake.make({ loginRedirect })
          const { terabox } = yield* client(fake, { ndus: Redacted.make("ndus=a-dead-cookie") }, http)
          const error = yield* Effect.flip(terabox.quota)
          assert.deepStrictEqual(
            [error._tag, error._tag === "CredentialsRejected" && error.reason],
            ["CredentialsRejected", "CookieExpired"],
            `${loginRedirect} ${name}`
          )
        }
      }
    }))

  it.effect("FetchHttpClient: the whole session works, and a cookie that dies mid-session is CookieExpired", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make({ jsTokenRequiredOn: "all" })
      const { terabox } = yield* client(fake, {}, FetchHttpClient.layer)
      assert.strictEqual((yield* terabox.userInfo).uk, fake.uk)
      fake.rotateJsToken()
      yield* terabox.list("/")
      assert.strictEqual(fake.counters.pages, 2)
      fake.expireCookie()
      const error = yield* Effect.flip(terabox.list("/"))
      assert.strictEqual(error._tag === "CredentialsRejected" && error.reason, "CookieExpired")
    }))
})

describe("Terabox region headers", () => {
  it.effect("region-domain-prefix and url-domain-prefix both move the session, at check/login and mid-session", () =>
    Effect.gen(function*() {
      for (const regionHeader of ["region-domain-prefix", "url-domain-prefix"] as const) {
        // At check/login: tokens given, so the page is not read first and check/login meets the header.
        const fake = yield* TeraboxFake.make({ regionHeader })
        fake.moveRegion("dm")
        const given = yield* client(fake, { jsToken: Redacted.make(fake.jsToken()) })
        yield* given.terabox.quota
        assert.strictEqual((yield* given.auth.session).origin, fake.regionOrigins["dm"], regionHeader)
        assert.strictEqual(fake.counters.notLoggedIn, 1)
        // Mid-session: an API call answered -6 with the header.
        const moving = yield* TeraboxFake.make({ regionHeader })
        const { auth, terabox } = yield* client(moving)
        yield* terabox.quota
        moving.moveRegion("dm")
        const list = yield* terabox.list("/docs")
        assert.strictEqual(list.length, 2)
        assert.strictEqual((yield* auth.session).origin, moving.regionOrigins["dm"], regionHeader)
      }
    }).pipe(Effect.provide(Http)))
})

describe("Terabox request shapes", () => {
  it.effect("reads carry the common query and jsToken; filemanager has opera/onnest in the query, async and filelist in the form", () =>
    Effect.gen(function*() {
      // With the common query required, as a stricter site would.
      const fake = yield* TeraboxFake.make({ requireCommonQuery: true })
      const { terabox } = yield* client(fake)
      yield* terabox.list("/docs")
      const list = fake.lastApiRequest()!
      assert.deepStrictEqual([list.method, list.path, list.form], ["GET", "/api/list", {}])
      assert.deepStrictEqual(
        [list.query["app_id"], list.query["web"], list.query["channel"], list.query["clienttype"], list.query["dir"]],
        ["250528", "1", "dubox", "0", "/docs"]
      )
      assert.strictEqual(list.query["jsToken"], fake.jsToken())
      yield* terabox.rename("/docs/notes.txt", "todo.txt")
      const write = fake.lastApiRequest()!
      assert.deepStrictEqual([write.method, write.path], ["POST", "/api/filemanager"])
      assert.deepStrictEqual([write.query["opera"], write.query["onnest"], write.query["async"]], [
        "rename",
        "fail",
        undefined
      ])
      assert.strictEqual(write.query["bdstoken"], fake.bdstoken())
      assert.deepStrictEqual(write.form, {
        async: "0",
        filelist: JSON.stringify([{ path: "/docs/notes.txt", newname: "todo.txt" }])
      })
      assert.include(write.contentType ?? "", "application/x-www-form-urlencoded")
    }).pipe(Effect.provide(Http)))
})
