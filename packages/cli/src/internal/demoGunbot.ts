import { GunbotAuth, GunbotClient } from "@authfx/gunbot"
import { GunbotFake } from "@authfx/testkit"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { DemoRow } from "../Demo.js"
import { failedRow } from "./demoWhatsGate.js"
import { narrate, step } from "./narrate.js"

const label = "gunbot"

/**
 * Gunbot against its fake, with 3-second tokens: concurrent callers sharing one
 * login, a proactive re-login before `exp`, a revoked token recovered with one
 * re-login and one replay, and a changed password as a typed failure.
 */
export const demo: Effect.Effect<DemoRow, never, HttpClient.HttpClient> = Effect.scoped(
  Effect.gen(function*() {
    const fake = yield* GunbotFake.make({ tokenLifetimeSeconds: 3 })
    const context = yield* Layer.build(
      GunbotClient.layer({
        url: fake.url,
        password: Redacted.make(fake.password()),
        gunthyWallet: Redacted.make(fake.gunthyWallet),
        // Short demo tokens: renew at 80% of the lifetime, at the latest half a second before `exp`.
        engine: { refreshMargin: "500 millis", expirySkew: "200 millis" }
      })
    ).pipe(Effect.orDie)
    const client = Context.get(context, GunbotClient.GunbotClient)
    const tally = yield* narrate(label, Context.get(context, GunbotAuth.GunbotAuth))

    yield* step(label, `fake at ${fake.url}; tokens live 3 s`)
    yield* Effect.all(Array.from({ length: 5 }, () => client.status), { concurrency: "unbounded" })
    yield* step(label, `5 concurrent calls → ${fake.counters.logins} login`)

    yield* step(label, "waiting 2.8 s: the next login should happen before the token expires")
    yield* Effect.sleep("2800 millis")
    yield* client.status
    const refusedBeforeExpiry = fake.counters.rejected
    yield* step(label, `  → ${fake.counters.logins} logins so far, ${refusedBeforeExpiry} requests refused`)

    yield* step(label, "Gunbot restarts and forgets every token it issued")
    fake.revokeTokens()
    const status = yield* client.status
    yield* step(label, `  → ${status.message}: one 401, one new login, the call replayed once`)

    yield* step(label, "the password is changed in Gunbot's config")
    fake.changePassword("a-new-password")
    const outcome = yield* client.status.pipe(Effect.match({ onFailure: (e) => e, onSuccess: () => undefined }))
    if (outcome === undefined) return failedRow(label, { _tag: "Unexpected", message: "the old password was accepted" })
    yield* step(label, `  → ${outcome._tag}: ${outcome.message}`)

    const proactive = refusedBeforeExpiry === 0 && fake.counters.logins === 3
    return {
      provider: label,
      ...tally,
      requests: fake.counters.requests,
      outcome: outcome._tag === "CredentialsRejected" && proactive
        ? "ok (typed CredentialsRejected shown)"
        : `unexpected: ${outcome._tag}, ${refusedBeforeExpiry} requests refused before expiry`
    }
  }).pipe(Effect.catchAll((error) => Effect.succeed(failedRow(label, error))))
)
