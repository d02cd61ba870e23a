import { GunbotAuth, GunbotClient } from "@authfx/gunbot"
import { GunbotFake } from "@authfx/testkit"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Story from "./story.js"

const provider = "gunbot"
const summary = "password login for 3-second JWTs, a new login before each expires"
const words: Story.Words = {
  acquired: "password login",
  refreshed: "renewed",
  acquiredCount: ["password login", "password logins"],
  refreshedCount: ["renewal", "renewals"]
}

/**
 * Gunbot against its fake, with 3-second tokens: concurrent callers sharing one
 * login, a proactive re-login before `exp`, a revoked token recovered with one
 * re-login and one replay, and a changed password as a typed failure.
 */
export const demo: Effect.Effect<Story.Chapter, never, HttpClient.HttpClient> = Story.told(
  { provider, summary, words },
  Effect.gen(function*() {
    const fake = yield* GunbotFake.make({ tokenLifetimeSeconds: 3 })
    // Configured exactly as a user would be, from the variables the fake hands out. Short demo tokens: renew at
    // 80% of the lifetime, at the latest half a second before `exp`.
    const context = yield* Layer.build(
      GunbotClient.layerConfig({ engine: { refreshMargin: "500 millis", expirySkew: "200 millis" } })
    ).pipe(Effect.withConfigProvider(Story.configFrom(fake.env())))
    const client = Context.get(context, GunbotClient.GunbotClient)
    const story = yield* Story.make(Context.get(context, GunbotAuth.GunbotAuth), words)

    yield* story.scenario(
      "5 concurrent calls on a cold start share one login",
      Effect.gen(function*() {
        yield* Effect.all(Array.from({ length: 5 }, () => client.status), { concurrency: "unbounded" })
        return { ok: fake.counters.logins === 1, text: `${fake.counters.logins} login for 5 calls` }
      })
    )

    yield* story.scenario(
      "wait 2.8 s: the next login happens before the token expires",
      Effect.gen(function*() {
        yield* Effect.sleep("2800 millis")
        yield* client.status
        return {
          ok: fake.counters.rejected === 0 && fake.counters.logins >= 2,
          text: `${fake.counters.logins} logins so far, ${fake.counters.rejected} requests refused`
        }
      })
    )

    yield* story.scenario(
      "Gunbot restarts and forgets its tokens: one 401, one new login, the call sent once more",
      Effect.gen(function*() {
        const [logins, rejected] = [fake.counters.logins, fake.counters.rejected]
        fake.revokeTokens()
        const status = yield* client.status
        // A proactive renewal may land at the same moment on a busy machine: at least one new login, one 401.
        return {
          ok: fake.counters.logins > logins && fake.counters.rejected - rejected === 1,
          text: `${fake.counters.rejected - rejected} refusal, ${
            fake.counters.logins - logins
          } new login; Gunbot says "${status.message}"`
        }
      })
    )

    yield* story.scenario(
      "the password is changed in Gunbot's config: typed CredentialsRejected",
      Effect.gen(function*() {
        fake.changePassword("a-new-password")
        const outcome = yield* client.status.pipe(Effect.flip)
        return { ok: outcome._tag === "CredentialsRejected", text: Story.typed(outcome) }
      }).pipe(Effect.catchAll(() => Effect.succeed({ ok: false, text: "the old password was accepted" })))
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
