/**
 * A loopback Terabox web API, written from what the maintained open-source
 * clients expect of the real site: the `ndus` cookie; a homepage (`/main`, `/`)
 * that embeds the jsToken as the real page does (the URL-encoded `fn("…")` form
 * and a one-line `templateData`); `302` to an absolute `/login` for a dead
 * cookie; errno answers with HTTP 200; a region move through a
 * `region-domain-prefix` header.
 *
 * One server cannot serve several hostnames, so a region is a second server
 * sharing the same state: `regionOrigins` maps each prefix to its origin.
 * Undocumented behaviour is switchable: bdstoken enforcement on writes and the
 * errno for a stale jsToken (4000023 or 450016).
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
  /** Whether `/api/filemanager` refuses a missing or wrong bdstoken (default false). */
  readonly enforceBdstoken?: boolean | undefined
  /** The errno of a stale jsToken (default 4000023). */
  readonly staleJsTokenErrno?: 4000023 | 450016 | undefined
  /** Whether the page carries bdstoken in templateData (default true; else only `/api/gettemplatevariable`). */
  readonly bdstokenInPage?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Counters {
  requests: number
  /** Homepage loads (jsToken scrapes). */
  pages: number
  /** API answers with errno 4000023 / 450016. */
  staleJsToken: number
  /** API answers with errno -6. */
  notLoggedIn: number
  /** Answers that carried a `region-domain-prefix` move. */
  regionMoves: number
  /** Write operations applied. */
  writes: number
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
  /** A new jsToken: the old one answers errno 4000023 (or 450016). */
  readonly rotateJsToken: () => string
  /** The cookie dies: the homepage redirects to `/login`, the API answers errno -6. */
  readonly expireCookie: () => void
  /** The session moves to region `prefix`: the current origin answers -6 with `region-domain-prefix`. */
  readonly moveRegion: (prefix: string) => void
  /** The homepage stops embedding the jsToken (as if the site changed). */
  readonly removeTokenFromPage: (removed: boolean) => void
  readonly setBdstokenEnforcement: (on: boolean) => void
  readonly files: () => ReadonlyArray<File>
  /** The Cookie header of the last API request. */
  readonly lastCookie: () => string | undefined
}

const templateData = (values: Record<string, unknown>) =>
  `<script>var templateData = ${JSON.stringify(values)};</script>`

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
    let tokenInPage = true
    /** The region the session lives in: `undefined` for the primary origin. */
    let region: string | undefined
    let lastCookie: string | undefined
    const counters: Counters = { requests: 0, pages: 0, staleJsToken: 0, notLoggedIn: 0, regionMoves: 0, writes: 0 }
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

    /** The checks every API call meets, in the order the site applies them. */
    const api = (
      prefix: string | undefined,
      handler: (
        query: URLSearchParams
      ) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
    ) =>
      Effect.gen(function*() {
        counters.requests += 1
        const fault = yield* faults.next
        if (fault !== undefined) return fault
        const request = yield* HttpServerRequest.HttpServerRequest
        lastCookie = request.headers["cookie"]
        const query = new URL(request.url, "http://fake").searchParams
        if (cookiesOf(request.headers["cookie"]).get("ndus") !== ndus) {
          counters.notLoggedIn += 1
          return json({ errno: -6, request_id: counters.requests })
        }
        if (region !== prefix) {
          // The session lives in another region: say so on every call.
          counters.notLoggedIn += 1
          counters.regionMoves += 1
          return json({ errno: -6, request_id: counters.requests }, { "region-domain-prefix": region ?? "www" })
        }
        if (query.get("app_id") !== "250528" || query.get("web") !== "1") {
          return json({ errno: 2, errmsg: "param error" })
        }
        if (query.get("jsToken") !== jsToken) {
          counters.staleJsToken += 1
          return json({ errno: staleErrno, errmsg: "need verify" })
        }
        return yield* handler(query)
      })

    const page = (prefix: string | undefined) =>
      Effect.gen(function*() {
        counters.requests += 1
        const fault = yield* faults.next
        if (fault !== undefined) return fault
        const request = yield* HttpServerRequest.HttpServerRequest
        const origin = prefix === undefined ? origins["www"]! : origins[prefix]!
        if (cookiesOf(request.headers["cookie"]).get("ndus") !== ndus) {
          return HttpServerResponse.empty({ status: 302, headers: { location: `${origin}/login?redirect=%2Fmain` } })
        }
        counters.pages += 1
        const encoded = encodeURIComponent(`function fn(a){window.jsToken = a};fn("${jsToken}")`)
        const body = [
          "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>TeraBox</title>",
          tokenInPage
            ? templateData({
              bdstoken: bdstokenInPage ? bdstoken : "",
              csrf,
              jsToken: encodeURIComponent(`fn("${jsToken}")`),
              loginstate: 1,
              uk
            })
            : templateData({ loginstate: 1 }),
          "</head><body><div id=\"app\"></div>",
          tokenInPage ? `<script>eval(decodeURIComponent(\`${encoded}\`))</script>` : "",
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

    const filemanager = (query: URLSearchParams) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (enforce && query.get("bdstoken") !== bdstoken) return json({ errno: 2, errmsg: "bdstoken invalid" })
        const form = yield* request.urlParamsBody.pipe(
          Effect.orElseSucceed(() => [] as ReadonlyArray<readonly [string, string]>)
        )
        const raw = form.find(([key]) => key === "filelist")?.[1]
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

    const router = (prefix: string | undefined) =>
      HttpRouter.empty.pipe(
        HttpRouter.get("/main", page(prefix)),
        HttpRouter.get("/", page(prefix)),
        HttpRouter.get("/login", Effect.succeed(HttpServerResponse.html("<html>login</html>"))),
        HttpRouter.get(
          "/api/check/login",
          api(prefix, () => Effect.succeed(json({ errno: 0, uk, request_id: counters.requests })))
        ),
        HttpRouter.get(
          "/api/user/getinfo",
          api(prefix, (query) =>
            Effect.succeed(
              query.get("user_list")?.includes(String(uk))
                ? json({ errno: 0, records: [{ uname, uk, vip_type: 0, avatar_url: "" }] })
                : json({ errno: 2, errmsg: "param error" })
            ))
        ),
        HttpRouter.get(
          "/api/list",
          api(prefix, (query) => {
            const dir = query.get("dir") ?? "/"
            if (dir !== "/" && files.get(dir)?.isdir !== 1) return Effect.succeed(json({ errno: -9 }))
            return Effect.succeed(json({ errno: 0, list: entries(dir), guid: 0 }))
          })
        ),
        HttpRouter.get(
          "/api/quota",
          api(prefix, () => {
            const used = [...files.values()].reduce((sum, f) => sum + f.size, 0)
            return Effect.succeed(
              json({ errno: 0, total: 1_099_511_627_776, used, free: 1_099_511_627_776 - used, expire: false })
            )
          })
        ),
        HttpRouter.get(
          "/api/gettemplatevariable",
          api(prefix, (query) =>
            Effect.succeed(
              (query.get("fields") ?? "").includes("bdstoken")
                ? json({ errno: 0, result: { bdstoken } })
                : json({ errno: 2, errmsg: "param error" })
            ))
        ),
        HttpRouter.post("/api/filemanager", api(prefix, filemanager))
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
      files: () => [...files.values()],
      lastCookie: () => lastCookie
    }
  })
