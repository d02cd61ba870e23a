import { WhatsGateFake } from "@authfx/testkit"
import { WhatsGateAuth, WhatsGateClient } from "@authfx/whatsgate"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Story from "./story.js"

const provider = "whatsgate"
const summary = "a static Access-Token, read from a secret store and re-read when WhatsGate refuses it"
const words: Story.Words = {
  acquired: "token read from the secret store",
  refreshed: "token re-read from the secret store",
  acquiredCount: ["token read", "token reads"],
  refreshedCount: ["token re-read", "token re-reads"]
}

/**
 * WhatsGate against its fake: authenticated calls, a token regenerated in the
 * dashboard and rotated in the secret store (one re-read, one replay), then
 * regenerated without rotation (a typed failure, nothing more sent).
 */
export const demo: Effect.Effect<Story.Chapter, never, HttpClient.HttpClient> = Story.told(
  { provider, summary, words },
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
    )
    const client = Context.get(context, WhatsGateClient.WhatsGateClient)
    const story = yield* Story.make(Context.get(context, WhatsGateAuth.WhatsGateAuth), words)

    yield* story.scenario(
      `ask device ${fake.device}'s status and send a message`,
      Effect.gen(function*() {
        const status = yield* client.status()
        const sent = yield* client.sendText({ phone: "987654321", message: "Hello from authfx" })
        return { ok: true, text: `device ${status}; sendText: ${sent}` }
      })
    )

    yield* story.scenario(
      "the token is regenerated in the dashboard and the new one put in the secret store",
      Effect.gen(function*() {
        secret.value = fake.regenerateToken()
        yield* client.sendText({ phone: "987654321", message: "after the rotation" })
        return {
          ok: fake.counters.rejected === 1,
          text: `${fake.counters.rejected} refusal, token re-read, the message sent once more and delivered`
        }
      })
    )

    yield* story.scenario(
      "regenerated again, the store keeps the old token: typed failure, nothing more sent with it",
      Effect.gen(function*() {
        fake.regenerateToken()
        const failure = yield* client.status().pipe(Effect.flip)
        const before = fake.counters.requests
        yield* client.status().pipe(Effect.ignore)
        const more = fake.counters.requests - before
        return {
          ok: failure._tag === "CredentialsRejected" && more <= 1,
          text: `${Story.typed(failure)}; the next call sent ${more} request(s) with the dead token`
        }
      }).pipe(Effect.catchAll(() => Effect.succeed({ ok: false, text: "the dead token was accepted" })))
    )

    return Story.chapter(story, {
      provider,
      summary,
      url: fake.url,
      words,
      requests: { count: fake.counters.requests, unit: "HTTP" },
      replays: true
    })
  })
)
