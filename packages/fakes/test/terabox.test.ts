/**
 * The Terabox fake without Effect: `start` resolves to the whole interface, both of its servers (the primary and the
 * `dm` region) share one state, and `close` stops both. Spoken over `fetch` with the shapes the maintained clients
 * send (alist/OpenList: the token from `GET /`, the common query; seiya-dev: `/main`, `POST /api/list` with a form).
 */
import { assert, describe, it } from "vitest"
import * as Terabox from "../src/Terabox.js"
import { using } from "./utils.js"

const refused = (url: string) => fetch(url).then((r) => r.status, () => "refused")

const common = { app_id: "250528", web: "1", channel: "dubox", clienttype: "0" }

/** The token between `fn%28%22` and `%22%29` after the `window.jsToken` marker, as alist/OpenList take it. */
const evalToken = (html: string) => /window\.jsToken%20%3D%20a%7D%3Bfn%28%22(.*?)%22%29/.exec(html)?.[1]

/** `templateData.jsToken` on one line, as seiya takes it. */
const templateToken = (html: string) => {
  const data = /<script>var templateData = (.*);<\/script>/.exec(html)?.[1]
  const token = data === undefined ? undefined : (JSON.parse(data) as { jsToken?: string }).jsToken
  return token === undefined ? undefined : /%28%22(.*)%22%29/.exec(token)?.[1]
}

const call = async (
  url: string,
  init: {
    readonly cookie?: string
    readonly form?: Record<string, string>
    readonly origin?: string
    readonly userAgent?: string
  } = {}
) => {
  const response = await fetch(url, {
    method: init.form === undefined ? "GET" : "POST",
    redirect: "manual",
    headers: {
      ...(init.cookie !== undefined ? { cookie: init.cookie } : {}),
      ...(init.userAgent !== undefined ? { "user-agent": init.userAgent } : {}),
      ...(init.origin !== undefined ? { origin: init.origin } : {}),
      ...(init.form !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {})
    },
    ...(init.form !== undefined ? { body: new URLSearchParams(init.form).toString() } : {})
  })
  const text = await response.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text)
  } catch {
    // A page, not JSON.
  }
  return { status: response.status, headers: response.headers, text, json }
}

describe("Terabox.start: the fake without Effect", () => {
  it("the page carries the jsToken both ways; writes need it; a stale one is 4000023 until the page is re-read", async () => {
    const fake = await Terabox.start()
    try {
      const cookie = `ndus=${fake.ndus()}`
      const page = await call(`${fake.url}/`, { cookie })
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.headers.get("set-cookie")?.startsWith("csrfToken="), true)
      assert.deepStrictEqual([evalToken(page.text), templateToken(page.text)], [fake.jsToken(), fake.jsToken()])
      const write = (jsToken: string) =>
        call(`${fake.url}/api/filemanager?${new URLSearchParams({ ...common, jsToken, opera: "rename" })}`, {
          cookie,
          form: { filelist: JSON.stringify([{ path: "/docs/notes.txt", newname: "n.txt" }]) }
        })
      const old = fake.jsToken()
      fake.rotateJsToken()
      assert.deepStrictEqual((await write(old)).json, { errno: 4000023, errmsg: "need verify" })
      const fresh = evalToken((await call(`${fake.url}/`, { cookie })).text)!
      assert.strictEqual((await write(fresh)).json["errno"], 0)
      assert.include(fake.files().map((f) => f.path), "/docs/n.txt")
      // A list item that is neither a path nor an object is not found (-9), never a 500.
      const odd = await call(
        `${fake.url}/api/filemanager?${new URLSearchParams({ jsToken: fresh, opera: "delete" })}`,
        {
          cookie,
          form: { filelist: "[null, 7]" }
        }
      )
      assert.deepStrictEqual([odd.status, odd.json["errno"]], [200, 12])
      assert.deepStrictEqual(
        { ...fake.counters },
        { requests: 5, pages: 2, staleJsToken: 1, notLoggedIn: 0, regionMoves: 0, writes: 1, listPages: 0 }
      )
    } finally {
      await fake.close()
    }
  })

  it("lists page by page by GET or by POST with a form, to an empty page; num above 1000 capped or rejected", async () => {
    const fake = await Terabox.start()
    const strict = await Terabox.start({ numAbove1000: "reject" })
    try {
      fake.addFiles("/big", 1500)
      const cookie = `ndus=${fake.ndus()}`
      const page = async (n: number) =>
        (await call(
          `${fake.url}/api/list?${new URLSearchParams({ ...common, dir: "/big", page: String(n), num: "700" })}`,
          {
            cookie
          }
        )).json["list"] as Array<{ path: string }>
      assert.deepStrictEqual([(await page(1)).length, (await page(3)).length, (await page(4)).length], [700, 100, 0])
      const posted = await call(`${fake.url}/api/list`, { cookie, form: { dir: "/big", num: "20000", page: "1" } })
      assert.strictEqual((posted.json["list"] as Array<unknown>).length, 1000)
      assert.deepStrictEqual(fake.lastApiRequest()?.form, { dir: "/big", num: "20000", page: "1" })
      const rejected = await call(`${strict.url}/api/list?num=20000`, { cookie: `ndus=${strict.ndus()}` })
      assert.deepStrictEqual(rejected.json, { errno: 2, errmsg: "param error" })
      assert.strictEqual(fake.counters.listPages, 4)
    } finally {
      await Promise.all([fake.close(), strict.close()])
    }
  })

  it("a region is a second server on the same state; a dead cookie is -6 and a redirect to /login", async () => {
    const fake = await Terabox.start({ regionHeader: "url-domain-prefix" })
    const dm = fake.regionOrigins["dm"]!
    try {
      const cookie = `ndus=${fake.ndus()}`
      assert.notStrictEqual(dm, fake.url)
      assert.strictEqual((await call(`${dm}/api/quota`, { cookie })).headers.get("url-domain-prefix"), "www")
      fake.moveRegion("dm")
      const moved = await call(`${fake.url}/api/quota`, { cookie })
      assert.deepStrictEqual([moved.json["errno"], moved.headers.get("url-domain-prefix")], [-6, "dm"])
      const page = await call(`${fake.url}/main`, { cookie })
      assert.deepStrictEqual([page.status, page.headers.get("location")], [302, `${dm}/main`])
      assert.strictEqual((await call(`${dm}/api/check/login`, { cookie })).json["errno"], 0)
      fake.expireCookie()
      assert.strictEqual((await call(`${dm}/main`, { cookie })).headers.get("location"), "/login")
      assert.strictEqual((await call(`${dm}/api/check/login`, { cookie })).json["errno"], -6)
      assert.strictEqual(fake.lastCookie(), cookie)
      assert.deepStrictEqual([fake.counters.regionMoves, fake.counters.notLoggedIn], [3, 3])
    } finally {
      await fake.close()
    }
    assert.deepStrictEqual([await refused(fake.url), await refused(dm)], ["refused", "refused"])
  })

  it("faults, an unknown path's JSON 404, and the CORS setting on both servers", async () => {
    const fake = await Terabox.start({}, { cors: ["http://127.0.0.1:5173"] })
    try {
      const cookie = `ndus=${fake.ndus()}`
      fake.failNext(1, 200, { body: { errno: 31034 } })
      assert.strictEqual((await call(`${fake.url}/api/quota`, { cookie })).json["errno"], 31034)
      fake.redirectNext(1, "http://localhost:1/elsewhere")
      assert.strictEqual(
        (await call(`${fake.url}/`, { cookie })).headers.get("location"),
        "http://localhost:1/elsewhere"
      )
      fake.dropNext(1)
      assert.strictEqual(await refused(`${fake.url}/api/quota`), "refused")
      const unknown = await call(`${fake.url}/api/nope`, { cookie })
      assert.deepStrictEqual([unknown.status, unknown.json], [404, { errno: 404, errmsg: "not found" }])
      for (const origin of [fake.url, fake.regionOrigins["dm"]!]) {
        const answer = await call(`${origin}/api/quota`, { cookie, origin: "http://127.0.0.1:5173" })
        assert.strictEqual(answer.headers.get("access-control-allow-origin"), "http://127.0.0.1:5173")
      }
    } finally {
      await fake.close()
    }
  })
})

/**
 * The fake accepts what the independent clients that work against the real site send, spoken here over `fetch` (no
 * authfx code): seiya-dev's terabox-api (`GET /main`, `GET /api/check/login` with no query at all,
 * `GET /api/quota?checkexpire=1&checkfree=1`, `POST /api/list` with a form body and no jsToken, `num=20000`);
 * alist and OpenList (`drivers/terabox/util.go`: the token read from `GET /`, the common query with the jsToken on
 * every call, `GET /api/list` paged by `page`/`num` until an empty page, the page re-read on errno 4000023 or
 * 450016). These are the shapes, written out; no code of theirs runs here. (Both testkits' `TeraboxFake` tests held
 * these cases until both lines' wrappers were found to run this same fake.)
 */
describe("Terabox.start: independent clients' requests", () => {
  /** As seiya-dev's terabox-api and the desktop app identify themselves. */
  const userAgent = "terabox;1.37.0.7;PC;PC-Windows;10.0.22631;WindowsTeraBox"

  it("seiya-dev's terabox-api: /main, check/login with no query, quota, POST /api/list without jsToken", () =>
    using(Terabox.start, {}, async (fake) => {
      const cookie = `ndus=${fake.ndus()}`
      const page = await call(`${fake.url}/main`, { cookie, userAgent })
      assert.strictEqual(page.status, 200)
      assert.strictEqual(templateToken(page.text), fake.jsToken())
      const check = await call(`${fake.url}/api/check/login`, { cookie, userAgent })
      assert.deepStrictEqual([check.json["errno"], check.json["uk"]], [0, fake.uk])
      const quota = await call(`${fake.url}/api/quota?checkexpire=1&checkfree=1`, { cookie, userAgent })
      assert.strictEqual(quota.json["errno"], 0)
      fake.addFiles("/big", 1005)
      // num=20000 in one page: served capped at 1000 by default; the client pages on until an empty page.
      const names: Array<string> = []
      for (let pageNo = 1;; pageNo++) {
        const listed = await call(`${fake.url}/api/list`, {
          cookie,
          userAgent,
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

  it("alist / OpenList: the token from GET /, GET /api/list with the jsToken paged by 100 to an empty page", () =>
    using(Terabox.start, {}, async (fake) => {
      const cookie = `ndus=${fake.ndus()}`
      const home = await call(`${fake.url}/`, { cookie, userAgent })
      const jsToken = evalToken(home.text)
      assert.strictEqual(jsToken, fake.jsToken())
      // OpenList's Init calls check/login before it has read any token (an empty jsToken).
      const init = await call(`${fake.url}/api/check/login?${new URLSearchParams({ ...common, jsToken: "" })}`, {
        cookie,
        userAgent
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
        const listed = await call(`${fake.url}/api/list?${query}`, { cookie, userAgent })
        const list = listed.json["list"] as ReadonlyArray<unknown>
        pages += 1
        if (list.length === 0) break
        total += list.length
      }
      assert.deepStrictEqual([total, pages], [1005, 12])
    }))

  it("writes need the jsToken: missing or stale is 4000023 (or 450016), re-read from the page and replayed", async () => {
    for (const staleJsTokenErrno of [4000023, 450016] as const) {
      using(Terabox.start, { staleJsTokenErrno }, async (fake) => {
        const cookie = `ndus=${fake.ndus()}`
        // OpenList's rename: the common query with opera/onnest, async and filelist in the form.
        const rename = (jsToken: string | undefined) =>
          call(
            `${fake.url}/api/filemanager?${new URLSearchParams({
              ...common,
              ...(jsToken !== undefined ? { jsToken } : {}),
              opera: "rename",
              onnest: "fail"
            })}`,
            {
              cookie,
              userAgent,
              form: { async: "0", filelist: JSON.stringify([{ path: "/docs/notes.txt", newname: "todo.txt" }]) }
            }
          )
        assert.strictEqual((await rename(undefined)).json["errno"], staleJsTokenErrno)
        const old = fake.jsToken()
        fake.rotateJsToken()
        assert.strictEqual((await rename(old)).json["errno"], staleJsTokenErrno)
        const fresh = evalToken((await call(`${fake.url}/main`, { cookie, userAgent })).text)
        assert.strictEqual((await rename(fresh)).json["errno"], 0)
        assert.strictEqual(fake.counters.writes, 1)
      })
    }
  })

  it("switches: num above 1000 capped, rejected or served; a fake that demands the jsToken everywhere", async () => {
    for (const [numAbove1000, errno, length] of [["cap", 0, 1000], ["reject", 2, 0], ["serve", 0, 1005]] as const) {
      using(Terabox.start, { numAbove1000 }, async (fake) => {
        fake.addFiles("/big", 1005)
        const answer = await call(`${fake.url}/api/list?dir=%2Fbig&page=1&num=20000`, {
          cookie: `ndus=${fake.ndus()}`,
          userAgent
        })
        assert.strictEqual(answer.json["errno"], errno, numAbove1000)
        assert.strictEqual(((answer.json["list"] ?? []) as ReadonlyArray<unknown>).length, length, numAbove1000)
      })
    }
    using(Terabox.start, { jsTokenRequiredOn: "all" }, async (strict) => {
      const check = await call(`${strict.url}/api/check/login`, { cookie: `ndus=${strict.ndus()}`, userAgent })
      assert.strictEqual(check.json["errno"], 4000023)
    })
    // Past the end: an empty page, not an error.
    using(Terabox.start, {}, async (fake) => {
      const past = await call(`${fake.url}/api/list?dir=%2Fdocs&page=2&num=100`, {
        cookie: `ndus=${fake.ndus()}`,
        userAgent
      })
      assert.deepStrictEqual([past.json["errno"], past.json["list"]], [0, []])
    })
  })

  it("the absolute login redirect, the region's own page and API, bdstoken enforcement, the page's controls", async () => {
    using(Terabox.start, { loginRedirect: "absolute", regionHeader: "url-domain-prefix" }, async (fake) => {
      const cookie = `ndus=${fake.ndus()}`
      const dm = fake.regionOrigins["dm"]!
      // The region: the primary answers -6 with the header and its page redirects to the region's host, which
      // serves its page and its API.
      fake.moveRegion("dm")
      assert.deepStrictEqual((await call(`${fake.url}/api/quota`, { cookie })).json["errno"], -6)
      assert.strictEqual((await call(`${fake.url}/main`, { cookie })).headers.get("location"), `${dm}/main`)
      assert.strictEqual((await call(`${dm}/api/quota`, { cookie })).json["errno"], 0)
      assert.strictEqual((await call(`${dm}/main`, { cookie })).status, 200)
      assert.deepStrictEqual([fake.counters.regionMoves, fake.counters.notLoggedIn], [2, 1])
      fake.moveRegion("www")
      // bdstoken enforcement: a write without it is errno 2, with it applied.
      fake.setBdstokenEnforcement(true)
      const write = (bdstoken: string | undefined) =>
        call(
          `${fake.url}/api/filemanager?${new URLSearchParams({
            ...common,
            jsToken: fake.jsToken(),
            opera: "delete",
            ...(bdstoken !== undefined ? { bdstoken } : {})
          })}`,
          { cookie, form: { filelist: JSON.stringify(["/docs/notes.txt"]) } }
        )
      assert.strictEqual((await write(undefined)).json["errno"], 2)
      assert.strictEqual((await write(fake.bdstoken())).json["errno"], 0)
      assert.strictEqual(fake.counters.writes, 1)
      assert.deepStrictEqual(fake.lastApiRequest()?.form, { filelist: JSON.stringify(["/docs/notes.txt"]) })
      // The homepage redirected elsewhere, then not.
      fake.redirectHomepageTo("http://localhost:1/main")
      assert.strictEqual(
        (await call(`${fake.url}/main`, { cookie })).headers.get("location"),
        "http://localhost:1/main"
      )
      fake.redirectHomepageTo(undefined)
      // The cookie dies: the page redirects to the absolute login URL, the API answers -6.
      fake.expireCookie()
      assert.strictEqual(
        (await call(`${fake.url}/main`, { cookie })).headers.get("location"),
        `${fake.url}/login?redirect=%2Fmain`
      )
      assert.strictEqual((await call(`${fake.url}/api/quota`, { cookie })).json["errno"], -6)
    })
    // The page without the token; a server that ignores `page`.
    using(Terabox.start, {}, async (plain) => {
      plain.removeTokenFromPage(true)
      const html = (await call(`${plain.url}/main`, { cookie: `ndus=${plain.ndus()}` })).text
      assert.notInclude(html, plain.jsToken())
      assert.include(html, "templateData")
    })
    using(Terabox.start, { ignorePage: true }, async (stuck) => {
      const pageOf = (n: number) =>
        call(`${stuck.url}/api/list?dir=%2Fdocs&num=1&page=${n}`, { cookie: `ndus=${stuck.ndus()}` })
      assert.deepStrictEqual((await pageOf(1)).json["list"], (await pageOf(2)).json["list"])
    })
  })
})
