import { WhatsGateFake } from "@authfx/testkit"
import { WhatsGateAuth, WhatsGateClient } from "@authfx/whatsgate"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { DemoRow } from "../Demo.js"
import { narrate, step } from "./narrate.js"

const label = "whatsgate"

/**
 * WhatsGate against its fake: authenticated calls, a token regenerated in the
 * dashboard and rotated in the secret store (one re-read, one replay), then
 * regenerated without rotation (a typed failure, nothing more sent).
 */
export const demo: Effect.Effect<DemoRow, never, HttpClient.HttpClient> = Effect.scoped(
  Effect.gen(function*() {
    const fake = yield* WhatsGateFake.make()
    // The secret store the application reads its token from.
    const secret = { value: fake.token() }
    const context = yield* Layer.build(
      WhatsGateClient.layer({
        url: fake.url,
        device: fake.device,
        token: Effect.sync(() => Redacted.make(secret.value))
      })
    ).pipe(Effect.orDie)
    const client = Context.get(context, WhatsGateClient.WhatsGateClient)
    const tally = yield* narrate(label, Context.get(context, WhatsGateAuth.WhatsGateAuth))

    yield* step(label, `fake at ${fake.url}; device ${fake.device}`)
    const status = yield* client.status()
    const sent = yield* client.sendText({ phone: "987654321", message: "Hello from authfx" })
    yield* step(label, `device ${status}; sendText → ${sent}`)

    yield* step(label, "the token is regenerated in the dashboard and rotated in the secret store")
    secret.value = fake.regenerateToken()
    yield* client.sendText({ phone: "987654321", message: "after the rotation" })
    yield* step(label, `  → recovered: ${fake.counters.rejected} rejection, token re-read once, request replayed once`)

    yield* step(label, "the token is regenerated again, but the secret store is not updated")
    fake.regenerateToken()
    const before = fake.counters.requests
    const failure = yield* client.status().pipe(Effect.match({ onFailure: (e) => e, onSuccess: () => undefined }))
    yield* client.status().pipe(Effect.ignore)
    if (failure === undefined) return failedRow(label, { _tag: "Unexpected", message: "the dead token was accepted" })
    yield* step(label, `  → ${failure._tag}: ${failure.message}`)
    yield* step(label, `  → a second call sent ${fake.counters.requests - before - 1} request(s) with the dead token`)

    return {
      provider: label,
      ...tally,
      requests: fake.counters.requests,
      outcome: failure._tag === "CredentialsRejected"
        ? "ok (typed CredentialsRejected shown)"
        : `unexpected ${failure._tag}`
    }
  }).pipe(Effect.catchAll((error) => Effect.succeed(failedRow(label, error))))
)

export const failedRow = (provider: string, error: { readonly _tag: string; readonly message: string }): DemoRow => ({
  provider,
  logins: 0,
  refreshes: 0,
  replays: 0,
  requests: 0,
  outcome: `FAILED ${error._tag}: ${error.message}`
})
