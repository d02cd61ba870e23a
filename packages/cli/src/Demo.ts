/**
 * `authfx demo`: the session engine at work, narrated.
 *
 * Until the provider packages land, the demo drives the core engine with an
 * in-process example provider that issues two-second sessions.
 *
 * @since 0.1.0
 */
import * as Authenticated from "@authfx/core/Authenticated"
import * as AuthError from "@authfx/core/AuthError"
import * as AuthEvent from "@authfx/core/AuthEvent"
import type * as Provider from "@authfx/core/Provider"
import * as SessionEngine from "@authfx/core/SessionEngine"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

interface ExampleSession {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
}

interface Example extends Provider.Provider<"example", ExampleSession, AuthError.CredentialsRejected> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface DemoRow {
  readonly provider: string
  readonly logins: number
  readonly refreshes: number
  readonly replays: number
  readonly requests: number
  readonly outcome: string
}

/**
 * Runs the demo and returns the final table's rows.
 *
 * @since 0.1.0
 * @category demo
 */
export const run: Effect.Effect<ReadonlyArray<DemoRow>, AuthError.CredentialsRejected> = Effect.scoped(
  Effect.gen(function*() {
    let logins = 0
    let refreshes = 0
    let replays = 0
    let requests = 0
    let acceptPassword = true
    let serial = 0

    const login = Effect.gen(function*() {
      logins += 1
      if (!acceptPassword) {
        return yield* new AuthError.CredentialsRejected({ provider: "example", reason: "WrongPassword" })
      }
      const now = yield* Clock.currentTimeMillis
      serial += 1
      return { token: Redacted.make(`example-token-${serial}`), expiresAt: now + 2_000 }
    }).pipe(Effect.delay("50 millis"))

    const auth = yield* SessionEngine.make<Example>({
      provider: "example",
      acquire: login,
      refresh: () => Effect.sync(() => void (refreshes += 1, logins -= 1)).pipe(Effect.zipRight(login)),
      expiresAt: (s) => s.expiresAt,
      refreshMargin: "500 millis",
      expirySkew: "100 millis"
    })

    yield* auth.events.pipe(
      Stream.runForEach((event) => Console.log(`  [example] ${narrate(event)}`)),
      Effect.forkScoped
    )
    yield* Effect.yieldNow()

    // A request the "server" rejects when it carries the first token it issued.
    const server = { revoked: undefined as ExampleSession | undefined }
    const request = (session: ExampleSession) =>
      Effect.suspend(() => {
        requests += 1
        return session === server.revoked
          ? Effect.fail(new Authenticated.SessionRejected({ status: 401 }))
          : Effect.void
      })

    yield* Console.log("example: 5 concurrent calls on a cold cache")
    yield* Effect.all(Array.from({ length: 5 }, () => auth.session), { concurrency: "unbounded" })
    yield* Console.log(`  → ${logins} login for 5 callers`)

    yield* Console.log("example: waiting 1.8 s for the proactive refresh")
    yield* Effect.sleep("1800 millis")

    yield* Console.log("example: the server revokes the current session")
    server.revoked = yield* auth.session
    yield* Authenticated.withSession(
      auth,
      (s) => request(s).pipe(Effect.tapError(() => Effect.sync(() => void (replays += 1))))
    )
    yield* Console.log(`  → recovered with one replay`)

    yield* Console.log("example: the password is changed on the server")
    acceptPassword = false
    yield* auth.invalidate(yield* auth.session)
    const outcome = yield* auth.refresh.pipe(
      Effect.match({
        onFailure: (error) => `typed ${error._tag}`,
        onSuccess: () => "unexpected success"
      })
    )
    yield* Console.log(`  → ${outcome}`)

    return [{ provider: "example", logins, refreshes, replays, requests, outcome }]
  })
)

const narrate = AuthEvent.match({
  Acquired: (e) => `acquired session #${e.generation}${e.expiresAt === undefined ? "" : ", valid 2 s"}`,
  Refreshed: (e) => `refreshed → session #${e.generation}`,
  Rejected: (e) => `session #${e.generation} rejected by the provider`,
  Invalidated: (e) => `session #${e.generation} invalidated`,
  Failed: (e) => `${e.operation} failed (attempt ${e.attempt}): ${e.error}`
})

/**
 * The final table, as text.
 *
 * @since 0.1.0
 * @category demo
 */
export const table = (rows: ReadonlyArray<DemoRow>): string => {
  const header = ["provider", "logins", "refreshes", "replays", "requests", "outcome"]
  const cells = rows.map((r) => [
    r.provider,
    String(r.logins),
    String(r.refreshes),
    String(r.replays),
    String(r.requests),
    r.outcome
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: ReadonlyArray<string>) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ")
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n")
}
