import { TeraboxAuth, TeraboxClient } from "@authfx/terabox"
import { TeraboxFake } from "@authfx/testkit"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Story from "./story.js"

const provider = "terabox"
const summary = "only the ndus cookie: jsToken and bdstoken read from the homepage, re-read when refused"
const words: Story.Words = {
  acquired: "tokens read from the homepage",
  refreshed: "homepage re-read for new tokens",
  acquiredCount: ["page read", "page reads"],
  refreshedCount: ["page re-read", "page re-reads"]
}

/**
 * Terabox against its fake: only the `ndus` cookie given (tokens read from the
 * homepage), a jsToken rotation recovered with one re-read and one replay, a
 * region move followed, a write carrying bdstoken, and an expired cookie as a
 * typed failure.
 */
export const demo: Effect.Effect<Story.Chapter, never, HttpClient.HttpClient> = Story.told(
  { provider, summary, words },
  Effect.gen(function*() {
    // Every route checks the jsToken here (the real site is known to on writes only), so that the rotation
    // below shows on a read.
    const fake = yield* TeraboxFake.make({ uname: "authfx_demo", enforceBdstoken: true, jsTokenRequiredOn: "all" })
    const context = yield* Layer.build(
      TeraboxClient.layer({
        url: fake.url,
        ndus: Redacted.make(fake.ndus()),
        regionOrigin: (prefix) => fake.regionOrigins[prefix] ?? `https://${prefix}.terabox.com`
      })
    )
    const terabox = Context.get(context, TeraboxClient.TeraboxClient)
    const story = yield* Story.make(Context.get(context, TeraboxAuth.TeraboxAuth), words)

    yield* story.scenario(
      "read the tokens from the homepage, then who am I and what is in /docs",
      Effect.gen(function*() {
        const info = yield* terabox.userInfo
        const files = yield* terabox.list("/docs")
        return { ok: fake.counters.pages === 1, text: `user ${info.uname}; /docs has ${files.length} files` }
      })
    )

    yield* story.scenario(
      "Terabox rotates the jsToken: \"need verify\" once, the page re-read, the call sent once more",
      Effect.gen(function*() {
        const before = { pages: fake.counters.pages, refused: fake.counters.staleJsToken }
        fake.rotateJsToken()
        const quota = yield* terabox.quota
        const reread = fake.counters.pages - before.pages
        const refused = fake.counters.staleJsToken - before.refused
        return {
          ok: reread === 1 && refused === 1,
          text: `recovered: a new jsToken (${refused} refusal, ${reread} homepage re-read), the quota call replayed: ` +
            `${quota.used} bytes used`
        }
      })
    )

    yield* story.scenario(
      "the session moves to another region; a rename carries bdstoken",
      Effect.gen(function*() {
        fake.moveRegion("dm")
        yield* terabox.rename("/docs/notes.txt", "todo.txt")
        return { ok: fake.counters.writes === 1, text: "followed to the dm origin; renamed (bdstoken enforced)" }
      })
    )

    yield* story.scenario(
      "the ndus cookie expires: typed CredentialsRejected saying to renew it",
      Effect.gen(function*() {
        fake.expireCookie()
        const outcome = yield* terabox.list("/").pipe(Effect.flip)
        return { ok: outcome._tag === "CredentialsRejected", text: Story.typed(outcome) }
      }).pipe(Effect.catchAll(() => Effect.succeed({ ok: false, text: "a dead cookie was accepted" })))
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
