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
import type { DemoRow } from "../Demo.js"
import { failedRow } from "./demoWhatsGate.js"

interface ExampleSession {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt: number
}

interface Example extends Provider.Provider<"example", ExampleSession, AuthError.CredentialsRejected> {}

/**
 * The engine's proactive refresh, with an in-process provider issuing
 * two-second sessions: shown here until a provider with expiring tokens lands.
 */
export const demo: Effect.Effect<DemoRow> = Effect.scoped(
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
      Stream.runForEach((event) => Console.log(`  [engine] ${narrate(event)}`)),
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

    yield* Console.log("engine: 5 concurrent calls on a cold cache")
    yield* Effect.all(Array.from({ length: 5 }, () => auth.session), { concurrency: "unbounded" })
    yield* Console.log(`  → ${logins} login for 5 callers`)

    yield* Console.log("engine: waiting 1.8 s for the proactive refresh")
    yield* Effect.sleep("1800 millis")

    yield* Console.log("engine: the server revokes the current session")
    server.revoked = yield* auth.session
    yield* Authenticated.withSession(
      auth,
      (s) => request(s).pipe(Effect.tapError(() => Effect.sync(() => void (replays += 1))))
    )
    yield* Console.log(`  → recovered with one replay`)

    yield* Console.log("engine: the password is changed on the server")
    acceptPassword = false
    yield* auth.invalidate(yield* auth.session)
    const outcome = yield* auth.refresh.pipe(
      Effect.match({
        onFailure: (error) => `typed ${error._tag}`,
        onSuccess: () => "unexpected success"
      })
    )
    yield* Console.log(`  → ${outcome}`)

    return { provider: "engine", logins, refreshes, replays, requests, outcome: `ok (${outcome} shown)` }
  }).pipe(Effect.catchAll((error) => Effect.succeed(failedRow("engine", error))))
)

const narrate = AuthEvent.match({
  Acquired: (e) => `acquired session #${e.generation}${e.expiresAt === undefined ? "" : ", valid 2 s"}`,
  Refreshed: (e) => `refreshed → session #${e.generation}`,
  Rejected: (e) => `session #${e.generation} rejected by the provider`,
  Invalidated: (e) => `session #${e.generation} invalidated`,
  Failed: (e) => `${e.operation} failed (attempt ${e.attempt}): ${e.error}`
})
