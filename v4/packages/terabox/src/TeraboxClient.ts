/**
 * `TeraboxClient`: typed reads (`userInfo`, `list` / `listStream`, `quota`)
 * and writes (`rename`, `move`, `copy`, `delete`, carrying bdstoken) on the
 * Terabox web API, with the common query, the cookie jar and the tokens added
 * to every call, each exchange bounded by `timeout` (default 30 s, the body
 * included).
 *
 * - a folder is listed page by page until an empty page: nothing is lost past
 *   the first page, and a listing that cannot finish is a typed error;
 * - errno `4000023` / `450016` (a stale jsToken): re-read the homepage and
 *   replay once;
 * - errno `-6` with a `region-domain-prefix` or `url-domain-prefix` header, or
 *   a homepage redirect to another allowed Terabox host: move to that region
 *   and replay once; `-6` otherwise, or a redirect to `/login`: `CredentialsRejected`
 *   (`CookieExpired`) saying the `ndus` cookie must be renewed;
 * - errno `31034` (too frequent): retried with the transient schedule;
 * - any other errno: `TeraboxApiError` with its reason.
 *
 * effect 4 differences: `http`'s error type names what this client fails with, since effect 4's
 * `HttpClient.With` is invariant in its error; `timeout` takes a `Duration.Input`. The fleet options `coordination` and `account` are the v3 line's.
 *
 * @since 1.0.0
 */
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthResponse from "@authfx/core/AuthResponse"
import type * as Coordination from "@authfx/core/Coordination"
import * as Keyed from "@authfx/core/Keyed"
import * as SessionRules from "@authfx/protocol/TeraboxSession"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as listing from "./internal/listing.js"
import * as internal from "./internal/session.js"
import {
  Errno,
  FileManagerResponse,
  GetInfo,
  ListResponse,
  QuotaResponse,
  reasonOf,
  TeraboxApiError,
  type TeraboxError
} from "./Terabox.js"
import type { Terabox } from "./Terabox.js"
import { TeraboxAuth } from "./TeraboxAuth.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface UserInfo {
  readonly uname: string
  readonly uk: number
  readonly vipType: number | undefined
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Entry {
  readonly name: string
  readonly path: string
  readonly isDir: boolean
  readonly size: number
  readonly fsId: number
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Quota {
  readonly total: number
  readonly used: number
  readonly free: number
}

/**
 * How a folder is listed: the size of each page and the bounds that stop a listing that would not end.
 *
 * @since 1.0.0
 * @category models
 */
export interface ListOptions {
  /** Entries asked for per page, 1 to 1000 (default 1000); anything else is a `ConfigurationError`. */
  readonly pageSize?: number | undefined
  /** The most pages with entries read (default 10,000); one more is a `ProtocolError` (`TooLarge`). */
  readonly maxPages?: number | undefined
  /** The most entries read (default 1,000,000); one more is a `ProtocolError` (`TooLarge`). */
  readonly maxEntries?: number | undefined
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Service {
  readonly userInfo: Effect.Effect<UserInfo, TeraboxError>
  /**
   * Every entry of `dir`: all its pages, read one after the other until an empty one. An error on any page fails
   * the whole listing (never a short result), and so do a server that repeats a page and the bounds of `options`.
   */
  readonly list: (dir: string, options?: ListOptions) => Effect.Effect<ReadonlyArray<Entry>, TeraboxError>
  /**
   * The entries of `dir` as a stream: a page is fetched when the one before has been consumed, so memory holds one
   * page. Ends after the last page; fails as `list` does.
   *
   * @since 1.0.0
   */
  readonly listStream: (dir: string, options?: ListOptions) => Stream.Stream<Entry, TeraboxError>
  readonly quota: Effect.Effect<Quota, TeraboxError>
  readonly rename: (path: string, newName: string) => Effect.Effect<void, TeraboxError>
  readonly move: (path: string, destDir: string, newName?: string) => Effect.Effect<void, TeraboxError>
  readonly copy: (path: string, destDir: string, newName?: string) => Effect.Effect<void, TeraboxError>
  readonly delete: (paths: ReadonlyArray<string>) => Effect.Effect<void, TeraboxError>
  /**
   * The authenticated client: paths relative to the session's origin, common query and tokens added. Its error type
   * names what its `classify` fails with (effect 4's `HttpClient.With` is invariant in its error).
   */
  readonly http: HttpClient.HttpClient.With<HttpError>
}

/**
 * @since 1.0.0
 * @category tags
 */
export class TeraboxClient extends Context.Service<TeraboxClient, Service>()("@authfx/terabox/TeraboxClient") {}

/**
 * What the authenticated client (`Service.http`) fails with.
 *
 * @since 1.0.0
 * @category models
 */
export type HttpError = AuthHttpClient.AuthHttpClientError<
  Terabox,
  AuthError.CredentialsRejected | AuthError.TransportError | AuthError.ProtocolError
>

/**
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /** The origin (default `https://www.terabox.com`). */
  readonly url?: string | undefined
  /** A bare `ndus` value or a whole `Cookie` string copied from the browser. */
  readonly ndus: Redacted.Redacted<string>
  /** Skip reading the homepage at start (it is still re-read when stale). */
  readonly jsToken?: Redacted.Redacted<string> | undefined
  readonly bdstoken?: Redacted.Redacted<string> | undefined
  /** The origin of a region prefix (default `https://<prefix>.terabox.com`). */
  readonly regionOrigin?: ((prefix: string) => string) | undefined
  /**
   * The domains a homepage redirect may move the session to (a host equal to one, or under it). Default: Terabox's
   * web domains (`terabox.com`, `1024terabox.com`, `terabox.app`, …). A redirect elsewhere is a `ProtocolError`,
   * and nothing is sent there.
   */
  readonly allowedDomains?: ReadonlyArray<string> | undefined
  /** Retry of transient failures (default `Policy.transientSchedule()`); `false` for none. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | false | undefined
  /**
   * The bound on each exchange — the homepage read, `check/login`, every API call and each page of a listing —
   * from connecting to the last byte of the body (default 30 seconds); past it, `TransportError` (`Timeout`).
   *
   * @since 1.0.0
   */
  readonly timeout?: Duration.Input | undefined
  /**
   * One session (jsToken, bdstoken) per account across the fleet: the
   * `Coordination` to use (default: the one in the context, if any); `false`
   * to work alone.
   *
   * @since 1.0.0
   */
  readonly coordination?: Coordination.Service | false | undefined
  /**
   * The account's key in the coordination (default: a fingerprint of the
   * `ndus` cookie, never the cookie itself); a keyed service passes its key.
   *
   * @since 1.0.0
   */
  readonly account?: string | undefined
  /**
   * How errors name `url`, `ndus` and `jsToken`: the options by default; `layerConfig` sets the variables it read
   * them from (`TERABOX_URL`, `TERABOX_NDUS`, `TERABOX_JS_TOKEN`), so that a message names a variable only when the
   * value came from it.
   *
   * @since 1.0.0
   */
  readonly configKeys?: {
    readonly url?: string | undefined
    readonly ndus?: string | undefined
    readonly jsToken?: string | undefined
  } | undefined
}

const provider = internal.provider

const decode = <A, I>(schema: Schema.Codec<A, I>) => (response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(internal.readJson(response), (json): Effect.Effect<A, TeraboxError> => {
    const errno = Schema.decodeUnknownOption(Errno)(json)
    if (Option.isSome(errno) && errno.value.errno !== 0) {
      return Effect.fail(
        new TeraboxApiError({ provider, reason: reasonOf(errno.value.errno), errno: errno.value.errno })
      )
    }
    return AuthResponse.decodeValue(provider, schema, json, response)
  })

/**
 * The client and its `Authenticated<Terabox>`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<
  { readonly client: Service; readonly auth: TeraboxAuth["Service"] },
  AuthError.ConfigurationError | AuthError.CredentialsMissing,
  HttpClient.HttpClient | Scope.Scope
> =>
  Effect.gen(function*() {
    const { auth, classify, sign } = yield* internal.make(options)
    const http: HttpClient.HttpClient.With<HttpError> = AuthHttpClient.make(yield* HttpClient.HttpClient, {
      auth,
      sign,
      classify,
      retry: options.retry,
      timeout: options.timeout ?? internal.defaultTimeout,
      redactedHeaders: ["cookie"],
      secretUrlParams: ["jsToken", "bdstoken"]
    })

    const filemanager = (opera: "rename" | "move" | "copy" | "delete", filelist: ReadonlyArray<unknown>) =>
      HttpClientRequest.post("/api/filemanager").pipe(
        // As alist and OpenList send it: `opera` and `onnest` in the query, `async` with `filelist` in the form body
        // (seiya sends only `filelist` there).
        HttpClientRequest.setUrlParams({ opera, onnest: "fail" }),
        HttpClientRequest.bodyUrlParams({ async: "0", filelist: JSON.stringify(filelist) }),
        http.execute,
        Effect.flatMap(internal.readJson),
        Effect.flatMap((json) =>
          Schema.decodeUnknownEffect(FileManagerResponse)(json).pipe(
            Effect.mapError((error) => AuthError.fromParseError({ provider, error }))
          )
        ),
        Effect.flatMap((result) =>
          result.errno === 0
            ? Effect.void
            : Effect.fail(
              new TeraboxApiError({
                provider,
                reason: reasonOf(result.errno),
                errno: result.errno,
                ...(result.info !== undefined ? { items: result.info } : {})
              })
            )
        ),
        Effect.withSpan(`TeraboxClient.${opera}`, { attributes: { "authfx.provider": provider } })
      )

    /**
     * One page of `/api/list`: `GET` with the query alist and OpenList send (`dir`, `order`, `desc`, `num`, `page`;
     * `drivers/terabox/util.go`, `getFiles`), which the site serves as it serves seiya-dev's form-body `POST`.
     */
    const listPage = (dir: string, page: number, size: number) =>
      http.get("/api/list", { urlParams: SessionRules.listQuery(dir, page, size) }).pipe(
        Effect.flatMap(decode(ListResponse)),
        Effect.map(({ list }) =>
          list.map((e): Entry => ({
            name: e.server_filename,
            path: e.path,
            isDir: e.isdir === 1 || e.isdir === true,
            size: e.size,
            fsId: e.fs_id
          }))
        ),
        Effect.withSpan("TeraboxClient.listPage", { attributes: { "authfx.provider": provider, page } })
      )

    const listStream = (dir: string, options?: ListOptions): Stream.Stream<Entry, TeraboxError> =>
      Stream.unwrap(
        Effect.map(listing.limits(options), (limits) =>
          listing.pages({
            what: `GET /api/list?dir=${encodeURIComponent(dir)}`,
            limits,
            fetch: (page, size) => listPage(dir, page, size),
            id: (entry) => entry.fsId
          }))
      ).pipe(Stream.withSpan("TeraboxClient.list", { attributes: { "authfx.provider": provider } }))

    const client: Service = {
      userInfo: Effect.gen(function*() {
        const session = yield* auth.session
        const info = yield* http.get("/api/user/getinfo", {
          urlParams: { user_list: JSON.stringify([session.uk]), need_relation: "0", need_secret_info: "1" }
        }).pipe(Effect.flatMap(decode(GetInfo)))
        const [record] = info.records
        return { uname: record.uname, uk: session.uk, vipType: record.vip_type }
      }).pipe(Effect.withSpan("TeraboxClient.userInfo")),
      list: (dir, options) => Stream.runCollect(listStream(dir, options)),
      listStream,
      quota: http.get("/api/quota", { urlParams: { checkexpire: "1", checkfree: "1" } }).pipe(
        Effect.flatMap(decode(QuotaResponse)),
        Effect.map(({ total, used }) => ({ total, used, free: total - used })),
        Effect.withSpan("TeraboxClient.quota")
      ),
      rename: (path, newName) => filemanager("rename", [{ path, newname: newName }]),
      move: (path, destDir, newName) =>
        filemanager("move", [{ path, dest: destDir, newname: SessionRules.nameOf(path, newName) }]),
      copy: (path, destDir, newName) =>
        filemanager("copy", [{ path, dest: destDir, newname: SessionRules.nameOf(path, newName) }]),
      delete: (paths) => filemanager("delete", paths),
      http
    }
    return { client, auth }
  })

/**
 * `TeraboxClient` and `TeraboxAuth` together, and `Cookie` registered as a
 * secret header name.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  TeraboxClient | TeraboxAuth,
  AuthError.ConfigurationError | AuthError.CredentialsMissing,
  HttpClient.HttpClient
> =>
  Layer.effectContext(
    Effect.gen(function*() {
      const { auth, client } = yield* make(options)
      return Context.make(TeraboxClient, client).pipe(Context.add(TeraboxAuth, auth))
    })
  ).pipe(Layer.merge(AuthHttpClient.layerRedactedHeaders(["cookie"])))

/**
 * From `TERABOX_URL` (default `https://www.terabox.com`), `TERABOX_NDUS` (a bare
 * value or a whole cookie string) and the optional `TERABOX_JS_TOKEN` and
 * `TERABOX_BDSTOKEN`.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig = (
  extra: Omit<Options, "url" | "ndus" | "jsToken" | "bdstoken" | "configKeys"> = {}
): Layer.Layer<
  TeraboxClient | TeraboxAuth,
  AuthError.ConfigurationError | AuthError.CredentialsMissing,
  HttpClient.HttpClient
> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const ndus = yield* Config.Redacted("TERABOX_NDUS").pipe(
        Effect.mapError(() =>
          new AuthError.CredentialsMissing({
            provider,
            reason: "NotConfigured",
            description: "TERABOX_NDUS is not set"
          })
        )
      )
      const optional = (name: string) =>
        Config.option(Config.Redacted(name)).pipe(
          Effect.orElseSucceed(() => Option.none()),
          Effect.map(Option.getOrUndefined)
        )
      const url = yield* Config.option(Config.String("TERABOX_URL")).pipe(
        Effect.orElseSucceed(() => Option.none<string>()),
        Effect.map(Option.getOrUndefined)
      )
      return layer({
        ...extra,
        url,
        ndus,
        // Read from these variables: errors about them name them.
        configKeys: { url: "TERABOX_URL", ndus: "TERABOX_NDUS", jsToken: "TERABOX_JS_TOKEN" },
        jsToken: yield* optional("TERABOX_JS_TOKEN"),
        bdstoken: yield* optional("TERABOX_BDSTOKEN")
      })
    })
  )

/**
 * Many users' Terabox sessions in one process: a `TeraboxClient` per user, built from that user's cookie on
 * first use, bounded by `capacity` and `idleTimeToLive` (see `Keyed`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const keyed = <E = never, R = never>(options: Keyed.AccountsOptions<Options, E, R>) =>
  Keyed.fromLayer(TeraboxClient, (config, account) => layer({ account, ...config }), options)
