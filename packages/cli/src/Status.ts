/**
 * `authfx status`: authenticate each configured provider from the environment
 * and say who we are, where, with which variables and until when — never what
 * a secret is.
 *
 * @since 0.1.0
 */
import * as AuthError from "@authfx/core/AuthError"
import type * as SessionState from "@authfx/core/SessionState"
import { GunbotAuth, GunbotClient } from "@authfx/gunbot"
import { NabiAuth, NabiClient } from "@authfx/nabi"
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import * as Redaction from "@authfx/protocol/Redaction"
import { RedisCoordination } from "@authfx/redis"
import { TeraboxAuth, TeraboxClient } from "@authfx/terabox"
import { WhatsGateAuth, WhatsGateClient } from "@authfx/whatsgate"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { type ProviderName, providers, variables } from "./internal/providers.js"
import * as Style from "./internal/style.js"

export {
  /**
   * @since 0.1.0
   * @category models
   */
  type ProviderName,
  /**
   * @since 0.1.0
   * @category models
   */
  providers,
  /**
   * @since 0.1.0
   * @category models
   */
  type Variable,
  /**
   * @since 0.1.0
   * @category models
   */
  variables
} from "./internal/providers.js"

/** The endpoint a provider talks to when its URL variable is unset. */
const defaultUrl: Partial<Record<ProviderName, string>> = {
  nandbox: "wss://w1.nandbox.net:5020/nandbox/api/",
  terabox: "https://www.terabox.com"
}

/**
 * What `status` found out about one provider. Holds no secret: variable names,
 * never their values.
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly provider: ProviderName
  readonly ok: boolean
  /** The endpoint, without credentials, query or fragment. */
  readonly url: string | undefined
  /** Who we are authenticated as. */
  readonly account: string | undefined
  /** What else the provider said. */
  readonly details: ReadonlyArray<string>
  /** The variables the credential was read from (names only). */
  readonly credentials: ReadonlyArray<string>
  /** When the session (access token) expires, epoch milliseconds; absent when it does not. */
  readonly expiresAt: number | undefined
  /** When the engine renews the session ahead of its expiry, epoch milliseconds; absent when it does not. */
  readonly renewsAt: number | undefined
  /**
   * The engine's reading of the session (`auth.state`): authenticated, its
   * generation, the account; never a secret.
   */
  readonly session:
    | {
      readonly authenticated: boolean
      readonly generation: number
      readonly account: string | undefined
      readonly acquiredAt: number | undefined
    }
    | undefined
  /** Until when the session can be renewed without the secret (a refresh token), epoch milliseconds. */
  readonly renewableUntil: number | undefined
  /** Why there is no session. */
  readonly error: { readonly tag: string; readonly reason: string | undefined; readonly message: string } | undefined
  /** When the check ended, epoch milliseconds (for "time left"). */
  readonly checkedAt: number
  readonly elapsedMillis: number
}

interface Identity {
  readonly account: string
  readonly details?: ReadonlyArray<string>
  readonly url?: string | undefined
  readonly renewableUntil?: number | undefined
  /** The engine's state once the provider answered: expiry, renewal time, generation. */
  readonly state: SessionState.SessionState
}

interface Failure {
  readonly _tag: string
  readonly message: string
  readonly reason?: unknown
  readonly key?: unknown
  readonly description?: unknown
}

const Http = NodeHttpClient.layerUndici

/** The endpoint without userinfo, query or fragment, or `undefined` if it is not a URL. */
const displayUrl = (raw: string): string | undefined => {
  try {
    const url = new URL(raw)
    return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "")}`
  } catch {
    return undefined
  }
}

const readOption = (name: string): Effect.Effect<Option.Option<string>> =>
  Config.option(Config.string(name)).pipe(Effect.orElseSucceed(() => Option.none<string>()))

/** What each provider says about who we are. */
const identify: Record<ProviderName, Effect.Effect<Identity, Failure>> = {
  nandbox: Effect.gen(function*() {
    const auth = yield* NandboxAuth.NandboxAuth
    const session = yield* auth.session
    return {
      account: `bot "${session.name}" (id ${session.botId})`,
      details: ["No expiry: the connection stays authenticated until it closes"],
      state: yield* auth.state
    }
  }).pipe(
    Effect.scoped,
    Effect.provide(
      NandboxConnection.layerConfig({ reconnect: Schedule.stop }).pipe(
        Layer.provide(NodeSocket.layerWebSocketConstructor)
      )
    )
  ),
  nabi: Effect.gen(function*() {
    const auth = yield* NabiAuth.NabiAuth
    const session = yield* auth.session
    return {
      account: `wallet ${session.address}`,
      renewableUntil: session.refreshExpiresAt,
      state: yield* auth.state
    }
  }).pipe(Effect.scoped, Effect.provide(NabiClient.layerConfig({ retry: false }).pipe(Layer.provide(Http)))),
  whatsgate: Effect.gen(function*() {
    const client = yield* WhatsGateClient.WhatsGateClient
    const auth = yield* WhatsGateAuth.WhatsGateAuth
    const device = yield* readOption("WHATSGATE_DEVICE")
    if (Option.isNone(device)) {
      return yield* new AuthError.ConfigurationError({
        provider: "whatsgate",
        reason: "Missing",
        key: "WHATSGATE_DEVICE",
        description: "WhatsGate has no endpoint that checks a token alone: name a device to ask its status"
      })
    }
    const status = yield* client.status(device.value)
    return {
      account: `device ${device.value} (${status})`,
      details: ["No expiry: the Access-Token is static"],
      state: yield* auth.state
    }
  }).pipe(Effect.scoped, Effect.provide(WhatsGateClient.layerConfig().pipe(Layer.provide(Http)))),
  gunbot: Effect.gen(function*() {
    const client = yield* GunbotClient.GunbotClient
    const auth = yield* GunbotAuth.GunbotAuth
    const status = yield* client.status
    const session = yield* auth.session
    const sub = session.claims?.sub
    return {
      account: sub === undefined ? "the Gunbot GUI" : `user "${sub}"`,
      details: [`Gunbot says "${status.message}"${status.isDemo === true ? " (demo mode)" : ""}`],
      state: yield* auth.state
    }
  }).pipe(Effect.scoped, Effect.provide(GunbotClient.layerConfig({ retry: false }).pipe(Layer.provide(Http)))),
  terabox: Effect.gen(function*() {
    const client = yield* TeraboxClient.TeraboxClient
    const auth = yield* TeraboxAuth.TeraboxAuth
    const info = yield* client.userInfo
    const session = yield* auth.session
    return {
      account: `user ${info.uname} (uk ${info.uk})`,
      url: displayUrl(session.origin),
      details: ["Expiry unknown: the ndus cookie lasts until Terabox ends the browser session"],
      state: yield* auth.state
    }
  }).pipe(Effect.scoped, Effect.provide(TeraboxClient.layerConfig({ retry: false }).pipe(Layer.provide(Http))))
}

/**
 * The providers to check: the ones named, or every one whose secret variable
 * is set.
 *
 * @since 0.1.0
 * @category status
 */
export const selected = (named: ReadonlyArray<ProviderName>): Effect.Effect<ReadonlyArray<ProviderName>> =>
  named.length > 0
    ? Effect.succeed([...new Set(named)])
    : Effect.filter(providers, (provider) => Effect.map(readOption(variables[provider][0]!.name), Option.isSome))

/**
 * A configuration problem found before anything is sent, worded the same way
 * for every provider: `NANDBOX_TOKEN is empty`, `GUNBOT_URL is not set`.
 *
 * @since 0.1.0
 * @category status
 */
export const configurationProblem = (provider: ProviderName): Effect.Effect<string | undefined> =>
  Effect.gen(function*() {
    for (const v of variables[provider]) {
      const value = yield* readOption(v.name)
      // An empty optional variable is the same as an absent one (NABI_ADDRESS="" derives the address).
      if (Option.isSome(value) && value.value.trim() === "" && v.required) return `${v.name} is empty`
      if (Option.isNone(value) && v.required) return `${v.name} is not set`
    }
    return undefined
  })

/** The same wording for the configuration errors the provider packages raise. */
const describeFailure = (provider: ProviderName, error: Failure): string => {
  if (error._tag === "ConfigurationError" && typeof error.key === "string") {
    const tail = typeof error.description === "string" && error.description !== "" ? `: ${error.description}` : ""
    return `${error.key} is ${error.reason === "Missing" ? "not set" : "invalid"}${tail}`
  }
  if (error._tag === "CredentialsMissing" && (error.reason === "Empty" || error.reason === "NotConfigured")) {
    return `${variables[provider][0]!.name} is ${error.reason === "Empty" ? "empty" : "not set"}`
  }
  return `${error._tag}: ${error.message}`
}

/** The endpoint as configured, for the report (before any answer). */
const configuredUrl = (provider: ProviderName): Effect.Effect<string | undefined> =>
  Effect.map(
    readOption(`${provider.toUpperCase()}_URL`),
    (url) => displayUrl(Option.getOrElse(url, () => defaultUrl[provider] ?? ""))
  )

/** The secret variables that are set: where the credential came from. */
const credentialSources = (provider: ProviderName): Effect.Effect<ReadonlyArray<string>> =>
  Effect.map(
    Effect.filter(
      variables[provider].filter((v) => v.secret),
      (v) => Effect.map(readOption(v.name), Option.isSome)
    ),
    (list) => list.map((v) => v.name)
  )

/**
 * Checks one provider: reads its configuration, authenticates, asks who we
 * are, all within `timeout`. Never fails: a failure is a report saying why.
 *
 * @since 0.1.0
 * @category status
 */
export const check = (provider: ProviderName, timeout: Duration.DurationInput): Effect.Effect<Report> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const url = yield* configuredUrl(provider)
    const credentials = yield* credentialSources(provider)
    const problem = yield* configurationProblem(provider)
    const outcome: Either.Either<Identity, NonNullable<Report["error"]>> = problem !== undefined
      ? Either.left({ tag: "ConfigurationError", reason: undefined, message: problem })
      : yield* identify[provider].pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new AuthError.TransportError({
              provider,
              reason: "Timeout",
              description: `no answer within ${Duration.format(Duration.decode(timeout))}`
            })
        }),
        Effect.mapError((error) => ({
          tag: error._tag,
          reason: typeof error.reason === "string" ? error.reason : undefined,
          message: describeFailure(provider, error)
        })),
        Effect.either
      )
    const checkedAt = yield* Clock.currentTimeMillis
    const common = { provider, credentials, checkedAt, elapsedMillis: checkedAt - started }
    return Either.match(outcome, {
      onLeft: (error): Report => ({
        ...common,
        ok: false,
        url,
        account: undefined,
        details: [],
        expiresAt: undefined,
        renewsAt: undefined,
        renewableUntil: undefined,
        session: undefined,
        error
      }),
      onRight: (identity): Report => ({
        ...common,
        ok: true,
        url: identity.url ?? url,
        account: identity.account,
        details: identity.details ?? [],
        expiresAt: identity.state.expiresAt,
        renewsAt: identity.state.renewsAt,
        renewableUntil: identity.renewableUntil,
        session: {
          authenticated: identity.state.authenticated,
          generation: identity.state.generation,
          account: identity.state.account,
          acquiredAt: identity.state.acquiredAt
        },
        error: undefined
      })
    })
  })

/**
 * A duration as a person reads it: `42s`, `29m 58s`, `6d 23h`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatLeft = (millis: number): string => {
  if (millis <= 0) return "expired"
  const s = Math.floor(millis / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`
}

const formatTime = (millis: number): string => `${new Date(millis).toISOString().slice(0, 19).replace("T", " ")} UTC`

const until = (at: number, now: number): string =>
  `${formatTime(at)} (${at > now ? `in ${formatLeft(at - now)}` : "expired"})`

/**
 * One provider's report as text: a heading line, then indented facts, as
 * `gh auth status` prints them.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (report: Report, style: Style.Style = Style.make(false)): string => {
  const mark = report.ok ? style.green("✓") : style.red("✗")
  const heading = `${mark} ${style.bold(report.provider.padEnd(10))} ${report.url ?? "(no valid URL)"} ${
    style.dim(`(${(report.elapsedMillis / 1000).toFixed(1)} s)`)
  }`
  const lines = [heading]
  const item = (text: string) => lines.push(`  - ${text}`)
  if (report.ok) {
    item(`Logged in as ${report.account}`)
  } else {
    item(style.red(report.error?.message ?? "failed"))
  }
  if (report.credentials.length > 0) item(`Credential from ${report.credentials.join(", ")}`)
  for (const detail of report.details) item(detail)
  if (report.expiresAt !== undefined) {
    const renews = report.renewsAt === undefined ? "" : `; renewal due ${until(report.renewsAt, report.checkedAt)}`
    const renewable = report.renewableUntil === undefined
      ? ""
      : `; renewable until ${until(report.renewableUntil, report.checkedAt)}`
    item(`Session expires ${until(report.expiresAt, report.checkedAt)}${renews}${renewable}`)
  }
  if (report.session !== undefined) {
    const account = report.session.account === undefined ? "" : ` for account ${report.session.account}`
    item(
      `Session ${
        report.session.authenticated ? "authenticated" : "not authenticated"
      }${account}, generation ${report.session.generation}`
    )
  }
  return lines.join("\n")
}

const iso = (millis: number | undefined): string | null => millis === undefined ? null : new Date(millis).toISOString()

/**
 * One provider's report as a JSON object (one line): never a secret.
 *
 * @since 0.1.0
 * @category formatting
 */
export const toJson = (report: Report): string =>
  JSON.stringify({
    provider: report.provider,
    ok: report.ok,
    url: report.url ?? null,
    account: report.account ?? null,
    details: report.details,
    credentials: report.credentials,
    expiresAt: iso(report.expiresAt),
    secondsLeft: report.expiresAt === undefined ? null : Math.floor((report.expiresAt - report.checkedAt) / 1000),
    renewsAt: iso(report.renewsAt),
    renewableUntil: iso(report.renewableUntil),
    session: report.session === undefined ? null : {
      authenticated: report.session.authenticated,
      generation: report.session.generation,
      account: report.session.account ?? null,
      acquiredAt: iso(report.session.acquiredAt)
    },
    error: report.error === undefined
      ? null
      : { tag: report.error.tag, reason: report.error.reason ?? null, message: report.error.message },
    elapsedMillis: report.elapsedMillis
  })

/**
 * What `status` found out about the fleet's Redis (`AUTHFX_REDIS_URL`):
 * reachable, or why not — `Authentication` when Redis refused the credentials
 * (a wrong password, an ACL user without the commands it needs), which is not
 * an outage.
 *
 * @since 0.1.0
 * @category models
 */
export interface CoordinationReport {
  readonly ok: boolean
  /** The Redis URL without its credentials. */
  readonly url: string
  readonly error: { readonly reason: string; readonly message: string } | undefined
  readonly elapsedMillis: number
}

/**
 * Checks the Redis of `AUTHFX_REDIS_URL` the way the fleet uses it (connect,
 * authenticate, run a script); `undefined` when the variable is not set.
 *
 * @since 0.1.0
 * @category status
 */
export const checkCoordination: Effect.Effect<CoordinationReport | undefined> = Effect.gen(function*() {
  const configured = yield* Config.option(Config.redacted("AUTHFX_REDIS_URL")).pipe(
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
  )
  if (Option.isNone(configured)) return undefined
  const started = yield* Clock.currentTimeMillis
  const result = yield* Effect.either(RedisCoordination.check({ url: configured.value }))
  const elapsedMillis = (yield* Clock.currentTimeMillis) - started
  const url = Redaction.userInfo(Redacted.value(configured.value))
  return Either.match(result, {
    onLeft: (error): CoordinationReport => ({
      ok: false,
      url,
      error: {
        reason: error.reason,
        message: error.reason === "Authentication"
          ? `Redis refused the credentials (Authentication)${error.description ? `: ${error.description}` : ""}`
          : `Redis is not reachable (${error.reason})${error.description ? `: ${error.description}` : ""}`
      },
      elapsedMillis
    }),
    onRight: (): CoordinationReport => ({ ok: true, url, error: undefined, elapsedMillis })
  })
})

/**
 * The Redis check as text, or as one JSON line.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatCoordination = (
  report: CoordinationReport,
  style: Style.Style = Style.make(false),
  json = false
): string => {
  if (json) {
    return JSON.stringify({
      coordination: "redis",
      ok: report.ok,
      url: report.url,
      error: report.error ?? null,
      elapsedMillis: report.elapsedMillis
    })
  }
  const mark = report.ok ? style.green("✓") : style.red("✗")
  const lines = [
    `${mark} ${style.bold("redis".padEnd(10))} ${report.url} ${
      style.dim(`(${(report.elapsedMillis / 1000).toFixed(1)} s)`)
    }`
  ]
  lines.push(
    report.ok
      ? "  - Fleet coordination reachable (AUTHFX_REDIS_URL)"
      : `  - ${style.red(report.error?.message ?? "failed")}`
  )
  return lines.join("\n")
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly providers: ReadonlyArray<ProviderName>
  readonly timeout: Duration.DurationInput
  readonly json: boolean
}

const spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/**
 * Checks the providers concurrently and prints each report as soon as it is
 * known (JSON lines with `json`); on a terminal a spinner line says what is
 * still pending. Returns every report, in the order they finished.
 *
 * @since 0.1.0
 * @category status
 */
export const run = (options: RunOptions): Effect.Effect<ReadonlyArray<Report>> =>
  Effect.gen(function*() {
    const list = yield* selected(options.providers)
    if (list.length === 0) return []
    const style = Style.stdout()
    const live = !options.json && Style.isTerminal()
    const pending = new Set(list)
    const reports: Array<Report> = []
    const started = yield* Clock.currentTimeMillis
    let frame = 0
    const clearLine = () => live && process.stdout.write("\r\u001b[2K")
    const drawSpinner = (now: number) => {
      if (!live || pending.size === 0) return
      clearLine()
      const spinner = style.cyan(spinnerFrames[frame++ % spinnerFrames.length]!)
      process.stdout.write(
        `${spinner} checking ${[...pending].join(", ")} ${style.dim(`${((now - started) / 1000).toFixed(1)} s`)}`
      )
    }
    const print = (report: Report) =>
      Effect.gen(function*() {
        pending.delete(report.provider)
        reports.push(report)
        clearLine()
        process.stdout.write(`${options.json ? toJson(report) : format(report, style)}\n`)
        drawSpinner(yield* Clock.currentTimeMillis)
      })
    const spin = Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => drawSpinner(now))).pipe(
      Effect.repeat(Schedule.spaced("80 millis"))
    )
    yield* Effect.scoped(Effect.gen(function*() {
      if (live) yield* Effect.forkScoped(spin)
      yield* Effect.forEach(list, (provider) => Effect.flatMap(check(provider, options.timeout), print), {
        concurrency: "unbounded",
        discard: true
      })
    }))
    clearLine()
    // The fleet's Redis, when one is configured: a refused password is said as such, not as an outage.
    const coordination = yield* checkCoordination
    if (coordination !== undefined) {
      process.stdout.write(`${formatCoordination(coordination, style, options.json)}\n`)
    }
    return reports
  })
