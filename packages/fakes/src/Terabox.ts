/**
 * A loopback Terabox web API, written from what the maintained open-source
 * clients (alist and OpenList `drivers/terabox/util.go`, seiya's terabox-api
 * `TeraBoxApp`, rclone's backend) send and expect of the real site: the
 * `ndus` cookie; a homepage (`/main` as seiya reads it, `/` as alist and
 * OpenList read it) that embeds the jsToken as the real page does — fully
 * percent-encoded `fn%28%22<token>%22%29` inside
 * ``eval(decodeURIComponent(`…`))`` and inside `templateData.jsToken`, the
 * latter on one line or pretty-printed; a redirect to `/login` for a dead
 * cookie; errno answers with HTTP 200; region moves through a
 * `region-domain-prefix` or `url-domain-prefix` header and through a homepage
 * redirect to the region's host; folders listed page by page (`page`, `num`,
 * an empty page past the end) by `GET` or by `POST` with a form body. Both
 * Effect lines' testkits wrap it (`TeraboxFake.make`), so the fake is written
 * once.
 *
 * One server cannot serve several hostnames, so a region is a second server
 * sharing the same state: `regionOrigins` maps each prefix to its origin
 * (all on 127.0.0.1: clients configure `allowedDomains: ["127.0.0.1"]`).
 * Each rule the fake enforces says where it comes from; what is unknown about
 * the real site is switchable: bdstoken enforcement on writes, the errno of a
 * stale jsToken, which routes need the jsToken, what a `num` above 1000 gets,
 * whether the common query is required, the region header's name, the login
 * redirect's form, where the page carries the token.
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Faults from "./Faults.js"
import { type Body, makeFiles } from "./internal/teraboxFiles.js"
import { cookiesOf, render } from "./internal/teraboxPage.js"
import * as Random from "./Random.js"
import * as Server from "./Server.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly uname?: string | undefined
  /** Whether `/api/filemanager` refuses a missing or wrong bdstoken (default false: unknown). */
  readonly enforceBdstoken?: boolean | undefined
  /**
   * The errno of a stale jsToken (default 4000023, which alist and OpenList both check; OpenList also checks 450016
   * since OpenList#1547 — the seven-digit 4500016 it carried before was a typo it corrected).
   */
  readonly staleJsTokenErrno?: 4000023 | 450016 | undefined
  /**
   * The API routes that answer the stale-jsToken errno to a missing or old jsToken (default `["/api/filemanager"]`).
   * Evidence: seiya-dev's terabox-api calls `GET /api/check/login` with no query at all, `GET /api/quota` with
   * `checkexpire`/`checkfree` only, and lists with `POST /api/list` and a form body without jsToken (it dropped the
   * jsToken from listing in mid-2025, when it moved out of terabox-node's `modules/api.js`); OpenList calls
   * `check/login` with an empty jsToken at start (`drivers/terabox/driver.go`, `Init`). Writes are where the
   * stale-jsToken errnos are reported (the project's provider notes). The other routes are unknown, so free by
   * default; `"all"` makes every API route demand it, as alist's and OpenList's `request` helper assumes by sending
   * it everywhere.
   */
  readonly jsTokenRequiredOn?: ReadonlyArray<ApiRoute> | "all" | undefined
  /**
   * What `/api/list` does with a `num` above 1000 (unknown: Baidu's netdisk API, whose shapes Terabox's shares,
   * advises 1000 at most; seiya-dev's terabox-api asks for 20000): `"cap"` serves 1000 (default), `"reject"`
   * answers errno 2, `"serve"` serves as many as asked.
   */
  readonly numAbove1000?: "cap" | "reject" | "serve" | undefined
  /** `/api/list` ignores `page` and serves the first page every time (a broken server; default false). */
  readonly ignorePage?: boolean | undefined
  /** Whether the page carries bdstoken in templateData (default true; else only `/api/gettemplatevariable`). */
  readonly bdstokenInPage?: boolean | undefined
  /** Where the page carries the jsToken (default `"both"`). */
  readonly tokenPlacement?: "both" | "eval" | "templateData" | undefined
  /** `templateData` on one line (default, as seiya's extractor expects) or pretty-printed over several lines. */
  readonly templateDataLayout?: "line" | "pretty" | undefined
  /** The header that names a region (default `region-domain-prefix`; alist and OpenList read `url-domain-prefix`). */
  readonly regionHeader?: "region-domain-prefix" | "url-domain-prefix" | undefined
  /** The dead-cookie redirect's `Location`: `"relative"` (`/login`, default: what seiya compares with) or absolute. */
  readonly loginRedirect?: "relative" | "absolute" | undefined
  /** Whether API calls without `app_id=250528&web=1` get errno 2 (default false: unknown). */
  readonly requireCommonQuery?: boolean | undefined
}

/**
 * The API routes of the fake.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiRoute =
  | "/api/check/login"
  | "/api/user/getinfo"
  | "/api/list"
  | "/api/quota"
  | "/api/gettemplatevariable"
  | "/api/filemanager"

/**
 * An API request as the fake received it, to check what a client sends where.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** The `application/x-www-form-urlencoded` body's fields (empty for a GET). */
  readonly form: Readonly<Record<string, string>>
  readonly contentType: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  requests: number
  /** Homepage loads (jsToken scrapes). */
  pages: number
  /** API answers with the stale-jsToken errno (4000023 or 450016). */
  staleJsToken: number
  /** API answers with errno -6. */
  notLoggedIn: number
  /** Answers that carried a `region-domain-prefix` move. */
  regionMoves: number
  /** Write operations applied. */
  writes: number
  /** `/api/list` pages served (empty ones included). */
  listPages: number
}

/**
 * A file or folder of the fake.
 *
 * @since 0.1.0
 * @category models
 */
export interface File {
  readonly path: string
  readonly isdir: 0 | 1
  readonly size: number
  readonly fs_id: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TeraboxFake extends Faults.Faults {
  /** The origin a client starts from. */
  readonly url: string
  /** Origins of the regions, by prefix (`dm`). */
  readonly regionOrigins: Readonly<Record<string, string>>
  readonly ndus: () => string
  readonly jsToken: () => string
  readonly bdstoken: () => string
  readonly uk: number
  readonly env: () => Readonly<Record<string, string>>
  readonly counters: Counters
  /** A new jsToken: the old one answers errno 4000023 (or 450016) on the routes that need it. */
  readonly rotateJsToken: () => string
  /** The cookie dies: the homepage redirects to `/login`, the API answers errno -6. */
  readonly expireCookie: () => void
  /** The session moves to region `prefix`: the current origin answers -6 with `region-domain-prefix`. */
  readonly moveRegion: (prefix: string) => void
  /** The homepage stops embedding the jsToken (as if the site changed). */
  readonly removeTokenFromPage: (removed: boolean) => void
  readonly setBdstokenEnforcement: (on: boolean) => void
  readonly files: () => ReadonlyArray<File>
  /** Adds `count` files `<dir>/file-00001.bin`, … (`dir` is created if missing); returns their paths. */
  readonly addFiles: (dir: string, count: number) => ReadonlyArray<string>
  /** The Cookie header of the last API request. */
  readonly lastCookie: () => string | undefined
  /** The last API request (method, path, query, form body). */
  readonly lastApiRequest: () => ApiRequest | undefined
  /** The homepage answers a redirect to `location` (e.g. another host) instead of the page; `undefined` stops. */
  readonly redirectHomepageTo: (location: string | undefined) => void
}

/**
 * A started fake and how to stop it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle extends TeraboxFake {
  /** Stops both servers (the primary and the region's) and destroys their connections. */
  readonly close: () => Promise<void>
}

const redirect = (response: ServerResponse, location: string) => {
  response.writeHead(302, { location, "content-length": "0" })
  response.end()
}

const apiRoutes: ReadonlyArray<readonly [method: string, path: ApiRoute]> = [
  ["GET", "/api/check/login"],
  ["GET", "/api/user/getinfo"],
  ["GET", "/api/list"],
  ["POST", "/api/list"],
  ["GET", "/api/quota"],
  ["GET", "/api/gettemplatevariable"],
  ["POST", "/api/filemanager"]
]

/**
 * Starts the fake, and one region (`dm`) on a second server, on `127.0.0.1` until `close` (`server` sets the
 * primary's port, and the CORS setting of both).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}, server: Server.Options = {}): Promise<Handle> => {
  let ndus = Random.token("Y2YqaCTe")
  let jsToken = Random.token("JS").toUpperCase()
  const bdstoken = Random.token("bd").slice(3)
  const csrf = Random.token("csrf")
  const uk = 4_398_000_000_000 + Math.floor(Math.random() * 1_000_000)
  const uname = options.uname ?? "authfx_user"
  const staleErrno = options.staleJsTokenErrno ?? 4000023
  let enforce = options.enforceBdstoken ?? false
  const regionHeader = options.regionHeader ?? "region-domain-prefix"
  const loginRedirect = options.loginRedirect ?? "relative"
  const requireCommonQuery = options.requireCommonQuery ?? false
  const jsTokenRequiredOn = options.jsTokenRequiredOn ?? ["/api/filemanager"]
  const listOptions = { numAbove1000: options.numAbove1000 ?? "cap", ignorePage: options.ignorePage ?? false }
  let homepageRedirect: string | undefined
  let lastApiRequest: ApiRequest | undefined
  let tokenInPage = true
  /** The region the session lives in: `undefined` for the primary origin. */
  let region: string | undefined
  let lastCookie: string | undefined
  const counters: Counters = {
    requests: 0,
    pages: 0,
    staleJsToken: 0,
    notLoggedIn: 0,
    regionMoves: 0,
    writes: 0,
    listPages: 0
  }
  const faults = Faults.make()
  const files = makeFiles()
  const origins: Record<string, string> = {}

  /** Each route's answer once the checks every API call meets have passed. */
  const routes = (
    route: ApiRoute,
    query: URLSearchParams,
    form: Readonly<Record<string, string>>
  ): Body => {
    switch (route) {
      case "/api/check/login":
        return { errno: 0, uk, request_id: counters.requests }
      case "/api/user/getinfo":
        return query.get("user_list")?.includes(String(uk))
          ? { errno: 0, records: [{ uname, uk, vip_type: 0, avatar_url: "" }] }
          : { errno: 2, errmsg: "param error" }
      case "/api/list":
        counters.listPages += 1
        return files.list((name) => form[name] ?? query.get(name) ?? undefined, listOptions)
      case "/api/quota": {
        const used = files.used()
        return { errno: 0, total: 1_099_511_627_776, used, free: 1_099_511_627_776 - used, expire: false }
      }
      case "/api/gettemplatevariable":
        return (query.get("fields") ?? "").includes("bdstoken")
          ? { errno: 0, result: { bdstoken } }
          : { errno: 2, errmsg: "param error" }
      case "/api/filemanager": {
        // Unknown whether the site refuses a write without bdstoken: switchable, off by default.
        if (enforce && query.get("bdstoken") !== bdstoken) return { errno: 2, errmsg: "bdstoken invalid" }
        const result = files.filemanager(query.get("opera"), form["filelist"])
        counters.writes += result.writes
        return result.body
      }
    }
  }

  /** The checks every API call meets, in the order the maintained clients meet them. */
  const api = async (
    prefix: string | undefined,
    route: ApiRoute,
    request: IncomingMessage,
    response: ServerResponse
  ) => {
    counters.requests += 1
    if (await faults.next(request, response)) return void request.resume()
    const cookie = Server.header(request, "cookie")
    lastCookie = cookie
    const url = new URL(request.url ?? "/", "http://fake")
    const query = url.searchParams
    const form: Record<string, string> = {}
    if (request.method === "POST") {
      for (const [key, value] of new URLSearchParams((await Server.readBody(request)) ?? "")) form[key] = value
    } else request.resume()
    lastApiRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(query),
      form,
      contentType: Server.header(request, "content-type")
    }
    // A missing or dead `ndus`: errno -6 (alist/OpenList and seiya's check/login treat -6 as "not logged in").
    if (cookiesOf(cookie).get("ndus") !== ndus) {
      counters.notLoggedIn += 1
      return Server.json(response, 200, { errno: -6, request_id: counters.requests })
    }
    // The session lives in another region: -6 with the region's prefix in a header (OpenList moves its base URL
    // to `https://<url-domain-prefix>.terabox.com` on such an answer).
    if (region !== prefix) {
      counters.notLoggedIn += 1
      counters.regionMoves += 1
      return Server.json(response, 200, { errno: -6, request_id: counters.requests }, {
        [regionHeader]: region ?? "www"
      })
    }
    // Unknown whether the site refuses a call without the common query: switchable, off by default.
    if (requireCommonQuery && (query.get("app_id") !== "250528" || query.get("web") !== "1")) {
      return Server.json(response, 200, { errno: 2, errmsg: "param error" })
    }
    // A missing or stale jsToken on a route that needs it: "need verify" (alist and OpenList re-read the page
    // on 4000023, OpenList on 450016 too: `drivers/terabox/util.go`, `request`). Which routes need it is
    // switchable (`jsTokenRequiredOn`), and so is the errno.
    const needsToken = jsTokenRequiredOn === "all" || jsTokenRequiredOn.includes(route)
    if (needsToken && query.get("jsToken") !== jsToken) {
      counters.staleJsToken += 1
      return Server.json(response, 200, { errno: staleErrno, errmsg: "need verify" })
    }
    Server.json(response, 200, routes(route, query, form))
  }

  const page = async (prefix: string | undefined, request: IncomingMessage, response: ServerResponse) => {
    counters.requests += 1
    request.resume()
    if (await faults.next(request, response)) return
    const origin = origins[prefix ?? "www"]!
    if (homepageRedirect !== undefined) return redirect(response, homepageRedirect)
    // A dead cookie: a redirect to the login page (seiya reads `Location: /login` as "login required").
    if (cookiesOf(Server.header(request, "cookie")).get("ndus") !== ndus) {
      return redirect(response, loginRedirect === "relative" ? "/login" : `${origin}/login?redirect=%2Fmain`)
    }
    // The page of another region: a redirect to that region's host (seiya takes a homepage that lands on another
    // host as the session's new domain).
    if (region !== prefix) {
      counters.regionMoves += 1
      return redirect(response, `${origins[region ?? "www"]!}${new URL(request.url ?? "/", "http://fake").pathname}`)
    }
    counters.pages += 1
    const body = render({
      jsToken,
      bdstoken,
      csrf,
      uk,
      tokenInPage,
      placement: options.tokenPlacement ?? "both",
      layout: options.templateDataLayout ?? "line",
      bdstokenInPage: options.bdstokenInPage ?? true
    })
    response.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "set-cookie": `csrfToken=${csrf}; Path=/`
    })
    response.end(body)
  }

  const handle = (prefix: string | undefined): Server.Handler => async (request, response) => {
    const method = request.method ?? "GET"
    const path = new URL(request.url ?? "/", "http://fake").pathname
    if (method === "GET" && (path === "/main" || path === "/")) return page(prefix, request, response)
    if (method === "GET" && path === "/login") {
      request.resume()
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      return void response.end("<html>login</html>")
    }
    const route = apiRoutes.find(([m, p]) => m === method && p === path)
    if (route !== undefined) return api(prefix, route[1], request, response)
    // An unknown path or method: 404 with an errno body (not counted). What the real site answers is unknown; no
    // client of either line reads it (the v3 router's answer was an empty 404).
    request.resume()
    Server.json(response, 404, { errno: 404, errmsg: "not found" })
  }

  const primary = await Server.start(handle(undefined), server)
  const dm = await Server.start(handle("dm"), { cors: server.cors }).catch(async (error) => {
    await primary.close()
    throw error
  })
  faults.attach(primary)
  origins["www"] = primary.url
  origins["dm"] = dm.url

  return {
    ...faults.controls,
    url: primary.url,
    regionOrigins: { www: primary.url, dm: dm.url },
    ndus: () => ndus,
    jsToken: () => jsToken,
    bdstoken: () => bdstoken,
    uk,
    env: () => ({ TERABOX_URL: primary.url, TERABOX_NDUS: ndus }),
    counters,
    rotateJsToken: () => {
      jsToken = Random.token("JS").toUpperCase()
      return jsToken
    },
    expireCookie: () => void (ndus = Random.token("Y2YqaCTe")),
    moveRegion: (prefix) => void (region = prefix === "www" ? undefined : prefix),
    removeTokenFromPage: (removed) => void (tokenInPage = !removed),
    setBdstokenEnforcement: (on) => void (enforce = on),
    lastApiRequest: () => lastApiRequest,
    redirectHomepageTo: (location) => void (homepageRedirect = location),
    files: files.all,
    addFiles: files.addFiles,
    lastCookie: () => lastCookie,
    close: async () => {
      await Promise.all([primary.close(), dm.close()])
    }
  }
}
