/**
 * The Terabox fake without Effect: `start` resolves to the whole interface, both of its servers (the primary and the
 * `dm` region) share one state, and `close` stops both. Spoken over `fetch` with the shapes the maintained clients
 * send (alist/OpenList: the token from `GET /`, the common query; seiya-dev: `/main`, `POST /api/list` with a form).
 */
import { assert, describe, it } from "vitest"
import * as Terabox from "../src/Terabox.js"

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
  init: { readonly cookie?: string; readonly form?: Record<string, string>; readonly origin?: string } = {}
) => {
  const response = await fetch(url, {
    method: init.form === undefined ? "GET" : "POST",
    redirect: "manual",
    headers: {
      ...(init.cookie !== undefined ? { cookie: init.cookie } : {}),
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
