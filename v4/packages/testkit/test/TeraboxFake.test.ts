/**
 * The fake accepts what the independent clients that work against the real site send, spoken here over raw HTTP
 * (no authfx code): seiya-dev's terabox-api (`GET /main`, `GET /api/check/login` with no query at all,
 * `GET /api/quota?checkexpire=1&checkfree=1`, `POST /api/list` with a form body and no jsToken, `num=20000`);
 * alist and OpenList (`drivers/terabox/util.go`: the token read from `GET /`, the common query with the jsToken on
 * every call, `GET /api/list` paged by `page`/`num` until an empty page, the page re-read on errno 4000023 or
 * 450016). These are the shapes, written out; no code of theirs runs here.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import * as TeraboxFake from "../src/TeraboxFake.js"

interface Answer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
  readonly json: Record<string, unknown>
}

const send = (
  url: string,
  options: { readonly method?: "GET" | "POST"; readonly cookie: string; readonly form?: Record<string, string> }
): Effect.Effect<Answer> =>
  Effect.callback<Answer>((resume) => {
    const body = options.form === undefined ? undefined : new URLSearchParams(options.form).toString()
    const request = Http.request(url, {
      method: options.method ?? "GET",
      agent: false,
      headers: {
        cookie: options.cookie,
        "user-agent": "terabox;1.37.0.7;PC;PC-Windows;10.0.22631;WindowsTeraBox",
        ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {})
      }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: Record<string, unknown> = {}
        try {
          json = JSON.parse(text)
        } catch {
          // A page, not JSON.
        }
        resume(Effect.succeed({ status: response.statusCode ?? 0, headers: response.headers, text, json }))
      })
    })
    request.on("error", (error) => resume(Effect.die(error)))
    request.setTimeout(5_000, () => request.destroy(new Error("timed out")))
    request.end(body)
  })

/** The token between `fn%28%22` and `%22%29` after the `window.jsToken` marker, as alist/OpenList take it. */
const evalToken = (html: string) => /window\.jsToken%20%3D%20a%7D%3Bfn%28%22(.*?)%22%29/.exec(html)?.[1]

/** `templateData.jsToken`, as seiya takes it. */
const templateToken = (html: string) => {
  const data = /<script>var templateData = (.*);<\/script>/.exec(html)?.[1]
  const token = data === undefined ? undefined : (JSON.parse(data) as { jsToken?: string }).jsToken
  return token === undefined ? undefined : /%28%22(.*)%22%29/.exec(token)?.[1]
}

const common = { app_id: "250528", web: "1", channel: "dubox", clienttype: "0" }

describe("TeraboxFake (v4): independent clients' requests", () => {
  it.live("seiya-dev's terabox-api: /main, check/login with no query, quota, POST /api/list without jsToken", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const cookie = `ndus=${fake.ndus()}`
      const page = yield* send(`${fake.url}/main`, { cookie })
      assert.strictEqual(page.status, 200)
      assert.strictEqual(templateToken(page.text), fake.jsToken())
      const check = yield* send(`${fake.url}/api/check/login`, { cookie })
      assert.deepStrictEqual([check.json["errno"], check.json["uk"]], [0, fake.uk])
      const quota = yield* send(`${fake.url}/api/quota?checkexpire=1&checkfree=1`, { cookie })
      assert.strictEqual(quota.json["errno"], 0)
      fake.addFiles("/big", 1005)
      // num=20000 in one page: served capped at 1000 by default; the client pages on until an empty page.
      const names: Array<string> = []
      for (let pageNo = 1;; pageNo++) {
        const listed = yield* send(`${fake.url}/api/list`, {
          method: "POST",
          cookie,
          form: { order: "name", desc: "0", dir: "/big", num: "20000", page: String(pageNo), showempty: "0" }
        })
        assert.strictEqual(listed.json["errno"], 0, `page ${pageNo}`)
        const list = listed.json["list"] as ReadonlyArray<{ readonly server_filename: string }>
        if (list.length === 0) break
        assert.isAtMost(list.length, 1000)
        names.push(...list.map((e) => e.server_filename))
      }
      assert.strictEqual(names.length, 1005)
      assert.strictEqual(new Set(names).size, 1005)
      assert.strictEqual(fake.counters.staleJsToken, 0)
    }))

  it.live("alist / OpenList: the token from GET /, GET /api/list with the jsToken paged by 100 to an empty page", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make()
      const cookie = `ndus=${fake.ndus()}`
      const home = yield* send(`${fake.url}/`, { cookie })
      const jsToken = evalToken(home.text)
      assert.strictEqual(jsToken, fake.jsToken())
      // OpenList's Init calls check/login before it has read any token (an empty jsToken).
      const init = yield* send(`${fake.url}/api/check/login?${new URLSearchParams({ ...common, jsToken: "" })}`, {
        cookie
      })
      assert.strictEqual(init.json["errno"], 0)
      fake.addFiles("/big", 1005)
      let total = 0
      let pages = 0
      for (let pageNo = 1;; pageNo++) {
        const query = new URLSearchParams({
          ...common,
          jsToken: jsToken!,
          dir: "/big",
          page: String(pageNo),
          num: "100"
        })
        const listed = yield* send(`${fake.url}/api/list?${query}`, { cookie })
        const list = listed.json["list"] as ReadonlyArray<unknown>
        pages += 1
        if (list.length === 0) break
        total += list.length
      }
      assert.deepStrictEqual([total, pages], [1005, 12])
    }))

  it.live("writes need the jsToken: missing or stale is 4000023 (or 450016), re-read from the page and replayed", () =>
    Effect.gen(function*() {
      for (const staleJsTokenErrno of [4000023, 450016] as const) {
        const fake = yield* TeraboxFake.make({ staleJsTokenErrno })
        const cookie = `ndus=${fake.ndus()}`
        const rename = (jsToken: string | undefined) =>
          send(
            `${fake.url}/api/filemanager?${new URLSearchParams({
              ...common,
              ...(jsToken !== undefined ? { jsToken } : {}),
              opera: "rename",
              onnest: "fail"
            })}`,
            {
              method: "POST",
              cookie,
              form: { async: "0", filelist: JSON.stringify([{ path: "/docs/notes.txt", newname: "todo.txt" }]) }
            }
          )
        assert.strictEqual((yield* rename(undefined)).json["errno"], staleJsTokenErrno)
        const old = fake.jsToken()
        fake.rotateJsToken()
        assert.strictEqual((yield* rename(old)).json["errno"], staleJsTokenErrno)
        const fresh = evalToken((yield* send(`${fake.url}/main`, { cookie })).text)
        assert.strictEqual((yield* rename(fresh)).json["errno"], 0)
        assert.strictEqual(fake.counters.writes, 1)
      }
    }))

  it.live("switches: num above 1000 capped, rejected or served; a fake that demands the jsToken everywhere", () =>
    Effect.gen(function*() {
      const list = (fake: TeraboxFake.TeraboxFake, num: string) =>
        send(`${fake.url}/api/list?dir=%2Fbig&page=1&num=${num}`, { cookie: `ndus=${fake.ndus()}` })
      for (const [numAbove1000, errno, length] of [["cap", 0, 1000], ["reject", 2, 0], ["serve", 0, 1005]] as const) {
        const fake = yield* TeraboxFake.make({ numAbove1000 })
        fake.addFiles("/big", 1005)
        const answer = yield* list(fake, "20000")
        assert.strictEqual(answer.json["errno"], errno, numAbove1000)
        assert.strictEqual(((answer.json["list"] ?? []) as ReadonlyArray<unknown>).length, length, numAbove1000)
      }
      const strict = yield* TeraboxFake.make({ jsTokenRequiredOn: "all" })
      const check = yield* send(`${strict.url}/api/check/login`, { cookie: `ndus=${strict.ndus()}` })
      assert.strictEqual(check.json["errno"], 4000023)
      // Past the end: an empty page, not an error.
      const fake = yield* TeraboxFake.make()
      const past = yield* send(`${fake.url}/api/list?dir=%2Fdocs&page=2&num=100`, { cookie: `ndus=${fake.ndus()}` })
      assert.deepStrictEqual([past.json["errno"], past.json["list"]], [0, []])
    }))

  it.live("a dead cookie, a region move, bdstoken enforcement and the fault controls, as the v3 fake has them", () =>
    Effect.gen(function*() {
      const fake = yield* TeraboxFake.make({ loginRedirect: "absolute", regionHeader: "url-domain-prefix" })
      const cookie = `ndus=${fake.ndus()}`
      // The region: the primary answers -6 with the header and its page redirects to the region's host.
      fake.moveRegion("dm")
      const moved = yield* send(`${fake.url}/api/quota`, { cookie })
      assert.deepStrictEqual([moved.json["errno"], moved.headers["url-domain-prefix"]], [-6, "dm"])
      const page = yield* send(`${fake.url}/main`, { cookie })
      assert.deepStrictEqual([page.status, page.headers["location"]], [302, `${fake.regionOrigins["dm"]}/main`])
      assert.strictEqual((yield* send(`${fake.regionOrigins["dm"]}/api/quota`, { cookie })).json["errno"], 0)
      assert.strictEqual((yield* send(`${fake.regionOrigins["dm"]}/main`, { cookie })).status, 200)
      assert.deepStrictEqual([fake.counters.regionMoves, fake.counters.notLoggedIn], [2, 1])
      fake.moveRegion("www")
      // bdstoken enforcement: a write without it is errno 2, with it applied.
      fake.setBdstokenEnforcement(true)
      const write = (bdstoken: string | undefined) =>
        send(
          `${fake.url}/api/filemanager?${new URLSearchParams({
            ...common,
            jsToken: fake.jsToken(),
            opera: "delete",
            ...(bdstoken !== undefined ? { bdstoken } : {})
          })}`,
          { method: "POST", cookie, form: { filelist: JSON.stringify(["/docs/notes.txt"]) } }
        )
      assert.strictEqual((yield* write(undefined)).json["errno"], 2)
      assert.strictEqual((yield* write(fake.bdstoken())).json["errno"], 0)
      assert.strictEqual(fake.counters.writes, 1)
      assert.deepStrictEqual(fake.lastApiRequest()?.form, { filelist: JSON.stringify(["/docs/notes.txt"]) })
      // Faults: an errno body with HTTP 200, then the page again.
      fake.failNext(1, 200, { body: { errno: 31034 } })
      assert.strictEqual((yield* send(`${fake.url}/api/quota`, { cookie })).json["errno"], 31034)
      fake.redirectHomepageTo("http://localhost:1/main")
      assert.strictEqual((yield* send(`${fake.url}/main`, { cookie })).headers["location"], "http://localhost:1/main")
      fake.redirectHomepageTo(undefined)
      // The cookie dies: the page redirects to the absolute login URL, the API answers -6.
      fake.expireCookie()
      assert.strictEqual(
        (yield* send(`${fake.url}/main`, { cookie })).headers["location"],
        `${fake.url}/login?redirect=%2Fmain`
      )
      assert.strictEqual((yield* send(`${fake.url}/api/quota`, { cookie })).json["errno"], -6)
      assert.include(fake.lastCookie() ?? "", "ndus=")
      // The page without the token; a server that ignores `page`.
      const plain = yield* TeraboxFake.make()
      plain.removeTokenFromPage(true)
      const html = (yield* send(`${plain.url}/main`, { cookie: `ndus=${plain.ndus()}` })).text
      assert.notInclude(html, plain.jsToken())
      assert.include(html, "templateData")
      const stuck = yield* TeraboxFake.make({ ignorePage: true })
      const pageOf = (n: number) =>
        send(`${stuck.url}/api/list?dir=%2Fdocs&num=1&page=${n}`, { cookie: `ndus=${stuck.ndus()}` })
      assert.deepStrictEqual((yield* pageOf(1)).json["list"], (yield* pageOf(2)).json["list"])
    }))
})
