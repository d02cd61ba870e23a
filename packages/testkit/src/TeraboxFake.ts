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
 * an empty page past the end) by `GET` or by `POST` with a form body.
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
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as FakeServer from "./FakeServer.js"
import { type Faults, makeFaults } from "./internal/faults.js"
import { randomToken } from "./internal/random.js"

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
 * @since 0.2.0
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
export interface TeraboxFake extends Faults {
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
 * Percent-encodes everything but letters, digits and `-_.~`, as the real page's eval block is encoded
 * (`function%20fn%28a%29%7Bwindow.jsToken%20%3D%20a%7D%3Bfn%28%22…%22%29`): `encodeURIComponent` leaves `(`, `)`
 * and `!*'` alone, which no independent extractor would read.
 */
const percentEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const templateData = (values: Record<string, unknown>, layout: "line" | "pretty") =>
  layout === "pretty"
    ? `<script>\n  var templateData = ${JSON.stringify(values, null, 2)};\n</script>`
    : `<script>var templateData = ${JSON.stringify(values)};</script>`

const cookiesOf = (header: string | undefined): Map<string, string> => {
  const out = new Map<string, string>()
  for (const part of (header ?? "").split(";")) {
    const index = part.indexOf("=")
    if (index > 0) out.set(part.slice(0, index).trim(), part.slice(index + 1).trim())
  }
  return out
}

/**
 * Starts the fake (and one region, `dm`) for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<TeraboxFake, never, Scope.Scope> =>
  Effect.gen(function*() {
    let ndus = randomToken("Y2YqaCTe")
    let jsToken = randomToken("JS").toUpperCase()
    const bdstoken = randomToken("bd").slice(3)
    const csrf = randomToken("csrf")
    const uk = 4_398_000_000_000 + Math.floor(Math.random() * 1_000_000)
    const uname = options.uname ?? "authfx_user"
    const staleErrno = options.staleJsTokenErrno ?? 4000023
    let enforce = options.enforceBdstoken ?? false
    const bdstokenInPage = options.bdstokenInPage ?? true
    const placement = options.tokenPlacement ?? "both"
    const layout = options.templateDataLayout ?? "line"
    const regionHeader = options.regionHeader ?? "region-domain-prefix"
    const loginRedirect = options.loginRedirect ?? "relative"
    const requireCommonQuery = options.requireCommonQuery ?? false
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
    const jsTokenRequiredOn = options.jsTokenRequiredOn ?? ["/api/filemanager"]
    const numAbove1000 = options.numAbove1000 ?? "cap"
    const ignorePage = options.ignorePage ?? false
    const faults = makeFaults()
    const files = new Map<string, File>([
      ["/docs", { path: "/docs", isdir: 1, size: 0, fs_id: 1 }],
      ["/docs/report.pdf", { path: "/docs/report.pdf", isdir: 0, size: 48213, fs_id: 2 }],
      ["/docs/notes.txt", { path: "/docs/notes.txt", isdir: 0, size: 312, fs_id: 3 }],
      ["/photos", { path: "/photos", isdir: 1, size: 0, fs_id: 4 }]
    ])
    let fsIds = 10
    const origins: Record<string, string> = {}

    const json = (body: unknown, headers: Record<string, string> = {}) =>
      HttpServerResponse.unsafeJson(body, { headers })

    /** The checks every API call meets, in the order the maintained clients meet them. */
    const api = (
      prefix: string | undefined,
      route: ApiRoute,
      handler: (
        query: URLSearchParams,
        form: Readonly<Record<string, string>>
      ) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
    ) =>
      Effect.gen(function*() {
        counters.requests += 1
        const fault = yield* faults.next
        if (fault !== undefined) return fault
        const request = yield* HttpServerRequest.HttpServerRequest
        lastCookie = request.headers["cookie"]
        const url = new URL(request.url, "http://fake")
        const query = url.searchParams
        const form: Record<string, string> = {}
        if (request.method === "POST") {
          const entries = yield* request.urlParamsBody.pipe(
            Effect.orElseSucceed(() => [] as ReadonlyArray<readonly [string, string]>)
          )
          for (const [key, value] of entries) form[key] = value
        }
        lastApiRequest = {
          method: request.method,
          path: url.pathname,
          query: Object.fromEntries(query),
          form,
          contentType: request.headers["content-type"]
        }
        // A missing or dead `ndus`: errno -6 (alist/OpenList and seiya's check/login treat -6 as "not logged in").
        if (cookiesOf(request.headers["cookie"]).get("ndus") !== ndus) {
          counters.notLoggedIn += 1
          return json({ errno: -6, request_id: counters.requests })
        }
        // The session lives in another region: -6 with the region's prefix in a header (OpenList moves its base URL
        // to `https://<url-domain-prefix>.terabox.com` on such an answer).
        if (region !== prefix) {
          counters.notLoggedIn += 1
          counters.regionMoves += 1
          return json({ errno: -6, request_id: counters.requests }, { [regionHeader]: region ?? "www" })
        }
        // Unknown whether the site refuses a call without the common query: switchable, off by default.
        if (requireCommonQuery && (query.get("app_id") !== "250528" || query.get("web") !== "1")) {
          return json({ errno: 2, errmsg: "param error" })
        }
        // A missing or stale jsToken on a route that needs it: "need verify" (alist and OpenList re-read the page
        // on 4000023, OpenList on 450016 too: `drivers/terabox/util.go`, `request`). Which routes need it is
        // switchable (`jsTokenRequiredOn`), and so is the errno.
        const needsToken = jsTokenRequiredOn === "all" || jsTokenRequiredOn.includes(route)
        if (needsToken && query.get("jsToken") !== jsToken) {
          counters.staleJsToken += 1
          return json({ errno: staleErrno, errmsg: "need verify" })
        }
        return yield* handler(query, form)
      })

    const page = (prefix: string | undefined) =>
      Effect.gen(function*() {
        counters.requests += 1
        const fault = yield* faults.next
        if (fault !== undefined) return fault
        const request = yield* HttpServerRequest.HttpServerRequest
        const origin = prefix === undefined ? origins["www"]! : origins[prefix]!
        if (homepageRedirect !== undefined) {
          return HttpServerResponse.empty({ status: 302, headers: { location: homepageRedirect } })
        }
        // A dead cookie: a redirect to the login page (seiya reads `Location: /login` as "login required").
        if (cookiesOf(request.headers["cookie"]).get("ndus") !== ndus) {
          const location = loginRedirect === "relative" ? "/login" : `${origin}/login?redirect=%2Fmain`
          return HttpServerResponse.empty({ status: 302, headers: { location } })
        }
        // The page of another region: a redirect to that region's host (seiya takes a homepage that lands on another
        // host as the session's new domain).
        if (region !== prefix) {
          counters.regionMoves += 1
          return HttpServerResponse.empty({
            status: 302,
            headers: { location: `${origins[region ?? "www"]!}${new URL(request.url, "http://fake").pathname}` }
          })
        }
        counters.pages += 1
        const inEval = tokenInPage && placement !== "templateData"
        const inTemplate = tokenInPage && placement !== "eval"
        const encoded = percentEncode(`function fn(a){window.jsToken = a};fn("${jsToken}")`)
        const body = [
          "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>TeraBox</title>",
          templateData({
            bdstoken: bdstokenInPage ? bdstoken : "",
            csrf,
            ...(inTemplate ? { jsToken: percentEncode(`fn("${jsToken}")`) } : {}),
            loginstate: 1,
            uk
          }, layout),
          "</head><body><div id=\"app\"></div>",
          inEval ? `<script>eval(decodeURIComponent(\`${encoded}\`))</script>` : "",
          "</body></html>"
        ].join("\n")
        return HttpServerResponse.html(body).pipe(
          HttpServerResponse.unsafeSetCookie("csrfToken", csrf, { path: "/" })
        )
      })

    const entries = (dir: string) =>
      [...files.values()]
        .filter((f) =>
          f.path.startsWith(dir === "/" ? "/" : `${dir}/`) &&
          !f.path.slice(dir === "/" ? 1 : dir.length + 1).includes("/")
        )
        .map((f) => ({
          server_filename: f.path.split("/").at(-1),
          path: f.path,
          isdir: f.isdir,
          size: f.size,
          fs_id: f.fs_id,
          server_mtime: 1_700_000_000
        }))
        .sort((
          a,
          b
        ) => (a.server_filename! < b.server_filename! ? -1 : a.server_filename! > b.server_filename! ? 1 : 0))

    // `POST /api/filemanager?opera=…&onnest=fail` with the form field `filelist` (all three maintained clients send it
    // that way; `async` and `ondup` ride in the form too with alist/OpenList, and are not required).
    const filemanager = (query: URLSearchParams, form: Readonly<Record<string, string>>) =>
      Effect.gen(function*() {
        // Unknown whether the site refuses a write without bdstoken: switchable, off by default.
        if (enforce && query.get("bdstoken") !== bdstoken) return json({ errno: 2, errmsg: "bdstoken invalid" })
        const raw = form["filelist"]
        let list: Array<unknown>
        try {
          list = JSON.parse(raw ?? "")
          if (!Array.isArray(list)) throw new Error("not a list")
        } catch {
          return json({ errno: 2, errmsg: "param error" })
        }
        const opera = query.get("opera")
        const info: Array<{ errno: number; path: string }> = []
        for (const item of list) {
          const entry = item as Record<string, unknown>
          const path = typeof item === "string" ? item : String(entry["path"] ?? "")
          const file = files.get(path)
          if (file === undefined) {
            info.push({ errno: -9, path })
            continue
          }
          const name = String(entry["newname"] ?? path.split("/").at(-1))
          const target = opera === "rename"
            ? `${path.split("/").slice(0, -1).join("/")}/${name}`
            : opera === "move" || opera === "copy"
            ? `${String(entry["dest"] ?? "/").replace(/\/$/, "")}/${name}`
            : undefined
          const dest = String(entry["dest"] ?? "/").replace(/\/$/, "") || "/"
          if ((opera === "move" || opera === "copy") && dest !== "/" && files.get(dest)?.isdir !== 1) {
            info.push({ errno: -9, path })
            continue
          }
          if (opera !== "delete" && (target === undefined || /[\\:*?"<>|]/.test(name))) {
            info.push({ errno: -7, path })
            continue
          }
          if (target !== undefined && files.has(target)) {
            info.push({ errno: -8, path })
            continue
          }
          if (opera !== "copy") files.delete(path)
          if (target !== undefined) {
            fsIds += 1
            files.set(target, { ...file, path: target, fs_id: opera === "copy" ? fsIds : file.fs_id })
          }
          counters.writes += 1
          info.push({ errno: 0, path })
        }
        const failed = info.some((i) => i.errno !== 0)
        return json({ errno: failed ? (info.length > 1 ? 12 : info[0]!.errno) : 0, info, taskid: 0 })
      })

    /**
     * `/api/list`: `GET` with the parameters in the query (alist and OpenList, `drivers/terabox/util.go`,
     * `getFiles`) or `POST` with them in a form body (seiya-dev's terabox-api, `getRemoteDir`). `page` from 1 and
     * `num` per page (both clients page until a page comes back empty; past the end the page is empty, `list: []`).
     * Without `num` a page holds 1000 (Baidu's netdisk API default, unknown here); above 1000, `numAbove1000`.
     */
    const list = (query: URLSearchParams, form: Readonly<Record<string, string>>) =>
      Effect.sync(() => {
        counters.listPages += 1
        const param = (name: string) => form[name] ?? query.get(name) ?? undefined
        const dir = param("dir") ?? "/"
        if (dir !== "/" && files.get(dir)?.isdir !== 1) return json({ errno: -9 })
        // What the site does with a missing or malformed `page`/`num` is unknown: the defaults, never a refusal.
        const whole = (value: string | undefined, fallback: number) => {
          const n = Number(value ?? fallback)
          return Number.isInteger(n) && n >= 1 ? n : fallback
        }
        const asked = whole(param("num"), 1000)
        const pageNo = ignorePage ? 1 : whole(param("page"), 1)
        if (asked > 1000 && numAbove1000 === "reject") return json({ errno: 2, errmsg: "param error" })
        const num = asked > 1000 && numAbove1000 === "cap" ? 1000 : asked
        const all = entries(dir)
        if (param("desc") === "1") all.reverse()
        return json({ errno: 0, list: all.slice((pageNo - 1) * num, pageNo * num), guid: 0 })
      })

    const router = (prefix: string | undefined) =>
      HttpRouter.empty.pipe(
        HttpRouter.get("/main", page(prefix)),
        HttpRouter.get("/", page(prefix)),
        HttpRouter.get("/login", Effect.succeed(HttpServerResponse.html("<html>login</html>"))),
        HttpRouter.get(
          "/api/check/login",
          api(prefix, "/api/check/login", () => Effect.succeed(json({ errno: 0, uk, request_id: counters.requests })))
        ),
        HttpRouter.get(
          "/api/user/getinfo",
          api(prefix, "/api/user/getinfo", (query) =>
            Effect.succeed(
              query.get("user_list")?.includes(String(uk))
                ? json({ errno: 0, records: [{ uname, uk, vip_type: 0, avatar_url: "" }] })
                : json({ errno: 2, errmsg: "param error" })
            ))
        ),
        HttpRouter.get("/api/list", api(prefix, "/api/list", list)),
        HttpRouter.post("/api/list", api(prefix, "/api/list", list)),
        HttpRouter.get(
          "/api/quota",
          api(prefix, "/api/quota", () => {
            const used = [...files.values()].reduce((sum, f) => sum + f.size, 0)
            return Effect.succeed(
              json({ errno: 0, total: 1_099_511_627_776, used, free: 1_099_511_627_776 - used, expire: false })
            )
          })
        ),
        HttpRouter.get(
          "/api/gettemplatevariable",
          api(prefix, "/api/gettemplatevariable", (query) =>
            Effect.succeed(
              (query.get("fields") ?? "").includes("bdstoken")
                ? json({ errno: 0, result: { bdstoken } })
                : json({ errno: 2, errmsg: "param error" })
            ))
        ),
        HttpRouter.post("/api/filemanager", api(prefix, "/api/filemanager", filemanager))
      )

    const primary = yield* FakeServer.serve(router(undefined))
    const dm = yield* FakeServer.serve(router("dm"))
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
        jsToken = randomToken("JS").toUpperCase()
        return jsToken
      },
      expireCookie: () => void (ndus = randomToken("Y2YqaCTe")),
      moveRegion: (prefix) => void (region = prefix === "www" ? undefined : prefix),
      removeTokenFromPage: (removed) => void (tokenInPage = !removed),
      setBdstokenEnforcement: (on) => void (enforce = on),
      lastApiRequest: () => lastApiRequest,
      redirectHomepageTo: (location) => void (homepageRedirect = location),
      files: () => [...files.values()],
      addFiles: (dir, count) => {
        const base = dir.replace(/\/$/, "")
        if (base !== "" && !files.has(base)) {
          fsIds += 1
          files.set(base, { path: base, isdir: 1, size: 0, fs_id: fsIds })
        }
        return Array.from({ length: count }, (_, i) => {
          const path = `${base}/file-${String(i + 1).padStart(5, "0")}.bin`
          fsIds += 1
          files.set(path, { path, isdir: 0, size: 1024 + i, fs_id: fsIds })
          return path
        })
      },
      lastCookie: () => lastCookie
    }
  })
