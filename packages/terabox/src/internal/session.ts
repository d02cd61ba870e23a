import { SessionRejected } from "@authfx/core/Authenticated"
import type * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthHttpClient from "@authfx/core/AuthHttpClient"
import * as AuthResponse from "@authfx/core/AuthResponse"
import * as Coordination from "@authfx/core/Coordination"
import * as Policy from "@authfx/core/Policy"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Url from "@authfx/core/Url"
import * as ConfigKeys from "@authfx/protocol/ConfigKeys"
import { pageTokens } from "@authfx/protocol/TeraboxPage"
import * as SessionRules from "@authfx/protocol/TeraboxSession"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import {
  CheckLogin,
  Errno,
  TemplateVariable,
  type Terabox,
  type TeraboxAuthError,
  type TeraboxSession,
  TeraboxSessionSchema
} from "../Terabox.js"
import { CookieJar } from "./cookies.js"

export const provider = "terabox"

export const defaultUrl = SessionRules.defaultUrl

export const userAgent = SessionRules.userAgent

export const defaultAllowedDomains = SessionRules.defaultAllowedDomains

/** The bound on each exchange, body included, when `timeout` is not given. */
export const defaultTimeout = "30 seconds"

export const commonQuery = SessionRules.commonQuery

export type Options = import("../TeraboxClient.js").Options

export interface Internals {
  readonly auth: Authenticated.Authenticated<Terabox>
  readonly jar: CookieJar
  readonly classify: (
    response: HttpClientResponse.HttpClientResponse
  ) => Effect.Effect<
    void,
    SessionRejected | AuthError.CredentialsRejected | AuthError.TransportError | AuthError.ProtocolError
  >
  readonly sign: (
    request: HttpClientRequest.HttpClientRequest,
    session: TeraboxSession
  ) => HttpClientRequest.HttpClientRequest
}

/** How errors name the URL and the cookie: the options, or the variables `layerConfig` read them from. */
export const keysOf = (options: Pick<Options, "configKeys">) =>
  ConfigKeys.resolve(["url", "ndus", "jsToken"], options.configKeys)

const cookieExpiredAs = (ndusKey: string) => (status?: number) =>
  new AuthError.CredentialsRejected({
    provider,
    reason: "CookieExpired",
    code: -6,
    ...(status !== undefined ? { status } : {}),
    description: SessionRules.cookieExpiredDescription(ndusKey)
  })

export const validateUrl = (url: string, key = "url"): Effect.Effect<string, AuthError.ConfigurationError> =>
  Url.validate({ provider, key, url, example: "https://www.terabox.com", originOnly: true })

const mapPlatformError = (error: HttpClientError.HttpClientError) => AuthResponse.fromHttpClientError(provider, error)

/** The JSON body of an answer; HTML or garbage is a `ProtocolError` (saying where, never what). */
export const readJson = (response: HttpClientResponse.HttpClientResponse) => AuthResponse.readJson(provider, response)

export const decodeJson = <A, I>(schema: Schema.Schema<A, I>, response: HttpClientResponse.HttpClientResponse) =>
  AuthResponse.decodeJson(provider, schema, response)

const decodeErrno = Schema.decodeUnknownOption(Errno)

/** The region an answer points to (`SessionRules.regionPrefix`: a DNS label from its headers, or none). */
export const regionPrefix = (response: HttpClientResponse.HttpClientResponse): string | undefined =>
  SessionRules.regionPrefix(response.headers)

export const make = (
  options: Options
): Effect.Effect<
  Internals,
  AuthError.ConfigurationError | AuthError.CredentialsMissing,
  HttpClient.HttpClient | Scope.Scope
> =>
  Effect.gen(function*() {
    const keys = keysOf(options)
    const cookieExpired = cookieExpiredAs(keys.ndus)
    const startOrigin = yield* validateUrl(options.url ?? defaultUrl, keys.url)
    const jar = CookieJar.parse(Redacted.value(options.ndus))
    if (!jar.has("ndus")) {
      return yield* new AuthError.CredentialsMissing({
        provider,
        reason: "Empty",
        description: `${keys.ndus} holds no ndus cookie`
      })
    }
    const regionOrigin = options.regionOrigin ?? SessionRules.defaultRegionOrigin
    const allowedDomains = options.allowedDomains ?? defaultAllowedDomains
    // The platform's client spans record the whole URL, and the jsToken travels
    // in the query: these requests get authfx's own spans instead.
    // Pages and answers are read within the bound of each exchange (`timeout`) and bounded in size.
    // `bounded` also keeps `fetch` (FetchHttpClient) from following a redirect: it would carry the cookie wherever
    // `Location` points, and hide the `/login` redirect that says the cookie is dead.
    const client = AuthHttpClient.bounded(HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true))
    const retry = options.retry === undefined ? Policy.transientSchedule() : options.retry
    /** A region the site told us to move to, for the next renewal. */
    let pendingRegion: string | undefined

    const keepCookies = (response: HttpClientResponse.HttpClientResponse) => {
      for (const cookie of Object.values(response.cookies.cookies)) {
        if (cookie.value.length > 0) jar.set(cookie.name, cookie.value)
      }
    }

    const headers = (origin: string) => ({
      cookie: jar.header(),
      "user-agent": userAgent,
      referer: `${origin}/main?category=all`
    })

    const send = (request: HttpClientRequest.HttpClientRequest) => {
      const once = client.execute(request).pipe(
        Effect.mapError(mapPlatformError),
        Effect.tap((response) => Effect.sync(() => keepCookies(response))),
        Effect.flatMap((response) =>
          AuthResponse.isTransientStatus(response.status)
            ? AuthResponse.transientAnswer(provider, response)
            : Effect.succeed(response)
        ),
        Policy.timeout(provider, options.timeout ?? defaultTimeout)
      )
      return retry === false ? once : once.pipe(Policy.retryTransient(retry))
    }

    /**
     * The homepage with the cookie: its tokens, a move to another allowed Terabox host, or why there are none.
     */
    const scrape = (origin: string) =>
      Effect.gen(function*() {
        const request = `GET ${origin}/main`
        const response = yield* send(
          HttpClientRequest.get(`${origin}/main`).pipe(HttpClientRequest.setHeaders(headers(origin)))
        )
        if (response.status >= 300 && response.status < 400) {
          const redirect = SessionRules.homepageRedirect(response.headers["location"], origin, allowedDomains)
          switch (redirect._tag) {
            case "CookieExpired":
              return yield* cookieExpired(response.status)
            case "Moved":
              return { _tag: "Moved" as const, origin: redirect.origin }
            default:
              return yield* new AuthError.ProtocolError({
                provider,
                reason: "UnexpectedStatus",
                status: response.status,
                request,
                description: redirect.description
              })
          }
        }
        // A client that follows redirects itself (HttpClient.followRedirects) lands on the login page.
        if (SessionRules.isLoginPath(SessionRules.pathOf(response.request.url))) {
          return yield* cookieExpired(response.status)
        }
        if (response.status !== 200) {
          return yield* new AuthError.ProtocolError({
            provider,
            reason: "UnexpectedStatus",
            status: response.status,
            request
          })
        }
        const html = yield* response.text.pipe(Effect.mapError((error) => AuthError.fromResponseError(provider, error)))
        const tokens = pageTokens(html)
        if (tokens.jsToken === undefined) {
          return yield* new AuthError.ProtocolError({
            provider,
            reason: "MissingToken",
            request,
            description: SessionRules.missingTokenDescription(keys.jsToken)
          })
        }
        return { _tag: "Tokens" as const, jsToken: tokens.jsToken, bdstoken: tokens.bdstoken }
      }).pipe(Effect.withSpan("TeraboxAuth.scrape", { attributes: { "authfx.provider": provider } }))

    const apiGet = (
      origin: string,
      jsToken: Redacted.Redacted<string>,
      path: string,
      params: Record<string, string> = {}
    ) =>
      send(
        HttpClientRequest.get(`${origin}${path}`).pipe(
          HttpClientRequest.setHeaders(headers(origin)),
          HttpClientRequest.setUrlParams({ ...commonQuery, ...params, jsToken: Redacted.value(jsToken) })
        )
      )

    /** `check/login`: the account id, or a move to another region. */
    const checkLogin = (origin: string, jsToken: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const response = yield* apiGet(origin, jsToken, "/api/check/login")
        const json = yield* readJson(response)
        const errno = decodeErrno(json)
        const answer = SessionRules.checkLogin(
          errno._tag === "Some" ? errno.value.errno : undefined,
          regionPrefix(response),
          origin,
          regionOrigin
        )
        switch (answer._tag) {
          case "LoggedIn": {
            const { uk } = yield* decodeJson(CheckLogin, response)
            return { uk, movedTo: answer.movedTo, stale: false }
          }
          case "Moved":
            return { uk: 0, movedTo: answer.origin, stale: false }
          case "CookieExpired":
            return yield* cookieExpired()
          case "Stale":
            return { uk: 0, movedTo: undefined, stale: true }
          case "Unexpected":
            return yield* new AuthError.ProtocolError({
              provider,
              reason: "UnexpectedStatus",
              request: `GET ${origin}/api/check/login`,
              ...(errno._tag === "Some" ? { code: errno.value.errno } : {}),
              description: answer.description
            })
        }
      }).pipe(Effect.withSpan("TeraboxAuth.checkLogin", { attributes: { "authfx.provider": provider } }))

    const bdstokenAt = (origin: string, jsToken: Redacted.Redacted<string>) =>
      apiGet(origin, jsToken, "/api/gettemplatevariable", { fields: JSON.stringify(["bdstoken"]) }).pipe(
        Effect.flatMap((response) => decodeJson(TemplateVariable, response)),
        Effect.map(({ result }) => result.bdstoken.length > 0 ? Redacted.make(result.bdstoken) : undefined),
        Effect.orElseSucceed(() => undefined)
      )

    /**
     * A session at `origin`: the given tokens or the page's, checked with
     * `check/login`, following one region move and re-reading a stale
     * jsToken once.
     */
    const establish = (
      origin: string,
      given: {
        readonly jsToken?: Redacted.Redacted<string> | undefined
        readonly bdstoken?: Redacted.Redacted<string> | undefined
      }
    ): Effect.Effect<TeraboxSession, TeraboxAuthError> =>
      Effect.gen(function*() {
        let current = origin
        let jsToken = given.jsToken
        let bdstoken = given.bdstoken
        for (let attempt = 0; attempt < 3; attempt++) {
          if (jsToken === undefined) {
            const tokens = yield* scrape(current)
            if (tokens._tag === "Moved") {
              current = tokens.origin
              continue
            }
            jsToken = Redacted.make(tokens.jsToken)
            if (bdstoken === undefined && tokens.bdstoken !== undefined) bdstoken = Redacted.make(tokens.bdstoken)
          }
          const check = yield* checkLogin(current, jsToken)
          if (check.movedTo !== undefined && attempt === 0) {
            current = check.movedTo
            jsToken = undefined
            continue
          }
          if (check.stale) {
            jsToken = undefined
            continue
          }
          if (check.movedTo !== undefined) break
          return {
            origin: current,
            jsToken,
            bdstoken: bdstoken ?? (yield* bdstokenAt(current, jsToken)),
            uk: check.uk
          }
        }
        return yield* new AuthError.ProtocolError({
          provider,
          reason: "UnexpectedStatus",
          description: "the session could not be established: region moves or stale tokens kept coming"
        })
      })

    // The session belongs to this cookie: a record of another one is never adopted, whatever key it is under.
    const identity = yield* Coordination.fingerprint(Redacted.value(jar.get("ndus")!))
    const account = options.account ?? identity
    const coordination = account === undefined ? undefined : yield* Coordination.forSession({
      service: options.coordination,
      provider,
      key: Coordination.key(provider, account),
      schema: TeraboxSessionSchema,
      account: identity
    })

    const auth = yield* SessionEngine.make<Terabox>({
      provider,
      spanPrefix: "TeraboxAuth",
      coordination,
      acquire: establish(startOrigin, { jsToken: options.jsToken, bdstoken: options.bdstoken }),
      // A rejected jsToken: read the page again. A region move: the same, at the new origin.
      refresh: (previous) =>
        Effect.suspend(() => {
          const origin = pendingRegion !== undefined ? regionOrigin(pendingRegion) : previous.origin
          pendingRegion = undefined
          return establish(origin, { bdstoken: previous.bdstoken })
        })
    })

    const classify = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.gen(function*() {
        keepCookies(response)
        if (response.status >= 300 && response.status < 400) {
          if (SessionRules.isLoginRedirect(response.headers["location"])) return yield* cookieExpired(response.status)
          return
        }
        // The errno classification applies to JSON answers only: the generic client also reads pages and files,
        // which carry no errno and must come back as they are.
        if (!SessionRules.mayCarryErrno(response.headers["content-type"])) return
        const text = yield* response.text.pipe(Effect.mapError(mapPlatformError))
        if (!text.trimStart().startsWith("{")) return
        const json = yield* readJson(response)
        const errno = decodeErrno(json)
        if (errno._tag === "None") return
        const answer = SessionRules.apiAnswer(errno.value.errno, regionPrefix(response))
        switch (answer._tag) {
          case "Stale":
            return yield* new SessionRejected({
              code: errno.value.errno,
              description: "need verify: the jsToken is stale"
            })
          case "RateLimited":
            return yield* new AuthError.TransportError({
              provider,
              reason: "RateLimited",
              code: errno.value.errno,
              request: AuthError.describeRequest(response.request)
            })
          case "Moved":
            pendingRegion = answer.prefix
            return yield* new SessionRejected({
              code: errno.value.errno,
              description: `the session moved to region ${answer.prefix}`
            })
          case "CookieExpired":
            return yield* cookieExpired()
          case "Other":
            return
        }
      })

    const sign = (request: HttpClientRequest.HttpClientRequest, session: TeraboxSession) =>
      request.pipe(
        HttpClientRequest.prependUrl(session.origin),
        HttpClientRequest.setHeaders(headers(session.origin)),
        HttpClientRequest.appendUrlParams(commonQuery),
        // Where the tokens leave Redacted: the query of the request they sign.
        HttpClientRequest.appendUrlParam("jsToken", Redacted.value(session.jsToken)),
        (signed) =>
          signed.method === "POST" && session.bdstoken !== undefined
            ? HttpClientRequest.appendUrlParam(signed, "bdstoken", Redacted.value(session.bdstoken))
            : signed
      )

    return { auth, jar, classify, sign }
  })
