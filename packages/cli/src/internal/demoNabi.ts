import { NabiAuth, NabiClient } from "@authfx/nabi"
import { NabiFake } from "@authfx/testkit"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Story from "./story.js"

const provider = "nabi"
const summary = "a TON wallet signs a nonce for 3-second access tokens, renewed with the refresh token"
const words: Story.Words = {
  acquired: "signed-nonce login",
  refreshed: "renewed with the refresh token",
  acquiredCount: ["signed login", "signed logins"],
  refreshedCount: ["refresh-token renewal", "refresh-token renewals"]
}

const MyProfiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String })) })
const Update = Schema.Struct({ updateProfile: Schema.Struct({ id: Schema.String }) })
const update = "mutation U($request: UpdateProfileInput!) { updateProfile(request: $request) { id } }"

/**
 * Nabi against its fake, with 3-second access tokens: the signed-nonce login,
 * a proactive renewal with the refresh token (no new nonce), an expired access
 * token recovered with one replay, a profile of another wallet as a typed
 * `ProfileMismatch` that keeps the session, and a refused signature.
 */
export const demo: Effect.Effect<Story.Chapter, never, HttpClient.HttpClient> = Story.told(
  { provider, summary, words },
  Effect.gen(function*() {
    const fake = yield* NabiFake.make({ accessLifetimeSeconds: 3 })
    // Configured exactly as a user would be, from the variables the fake hands out.
    const context = yield* Layer.build(
      NabiClient.layerConfig({ engine: { refreshMargin: "500 millis", expirySkew: "200 millis" } })
    ).pipe(Effect.withConfigProvider(Story.configFrom(fake.env())))
    const nabi = Context.get(context, NabiClient.NabiClient)
    const story = yield* Story.make(Context.get(context, NabiAuth.NabiAuth), words)
    const profiles = nabi.query("query { myProfiles { id } }", undefined, MyProfiles)

    yield* story.scenario(
      "sign the server's nonce with the wallet, get tokens, query my profiles",
      Effect.map(profiles, (first) => ({
        ok: fake.counters.nonces === 1,
        text: `${fake.counters.nonces} nonce signed; my profiles: ${first.myProfiles.map((p) => p.id).join(", ")}`
      }))
    )

    yield* story.scenario(
      "wait 2.8 s: the access token is renewed with the refresh token before it expires",
      Effect.gen(function*() {
        yield* Effect.sleep("2800 millis")
        yield* profiles
        return {
          ok: fake.counters.refreshes >= 1 && fake.counters.nonces === 1,
          text: `${fake.counters.refreshes} refreshToken call(s), still ${fake.counters.nonces} nonce signed`
        }
      })
    )

    yield* story.scenario(
      "Nabi expires every access token: one 401, one renewal, the query sent once more",
      Effect.gen(function*() {
        const refreshes = fake.counters.refreshes
        fake.expireAccessTokens()
        yield* profiles
        return {
          ok: fake.counters.refreshes > refreshes && fake.counters.nonces === 1,
          text: `recovered with ${fake.counters.refreshes - refreshes} renewal(s), no new signature`
        }
      })
    )

    yield* story.scenario(
      "update a profile another wallet owns: typed ProfileMismatch, not retried, session kept",
      Effect.gen(function*() {
        const before = (yield* Context.get(context, NabiAuth.NabiAuth).session).accessExpiresAt
        const mismatch = yield* nabi.query(update, { request: { id: "p-other", name: "x" } }, Update).pipe(Effect.flip)
        const after = (yield* Context.get(context, NabiAuth.NabiAuth).session).accessExpiresAt
        return {
          ok: mismatch._tag === "ProfileMismatch" && before === after,
          text: `${Story.typed(mismatch)}; the session is ${before === after ? "kept" : "replaced"}`
        }
      }).pipe(Effect.catchAll(() => Effect.succeed({ ok: false, text: "another wallet's profile was updated" })))
    )

    yield* story.scenario(
      "Nabi revokes every token and refuses the wallet's signatures: typed CredentialsRejected",
      Effect.gen(function*() {
        fake.revokeAll()
        fake.rejectSignatures(true)
        const refused = yield* profiles.pipe(Effect.flip)
        return { ok: refused._tag === "CredentialsRejected", text: Story.typed(refused) }
      }).pipe(Effect.catchAll(() => Effect.succeed({ ok: false, text: "a refused signature was accepted" })))
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
