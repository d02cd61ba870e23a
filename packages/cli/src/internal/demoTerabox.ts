import { TeraboxAuth, TeraboxClient } from "@authfx/terabox"
import { TeraboxFake } from "@authfx/testkit"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { DemoRow } from "../Demo.js"
import { failedRow } from "./demoWhatsGate.js"
import { narrate, step } from "./narrate.js"

const label = "terabox"

/**
 * Terabox against its fake: only the `ndus` cookie given (tokens read from the
 * homepage), a jsToken rotation recovered with one re-read and one replay, a
 * region move followed, a write carrying bdstoken, and an expired cookie as a
 * typed failure.
 */
export const demo: Effect.Effect<DemoRow, never, HttpClient.HttpClient> = Effect.scoped(
  Effect.gen(function*() {
    const fake = yield* TeraboxFake.make({ uname: "authfx_demo", enforceBdstoken: true })
    const context = yield* Layer.build(
      TeraboxClient.layer({
        url: fake.url,
        ndus: Redacted.make(fake.ndus()),
        regionOrigin: (prefix) => fake.regionOrigins[prefix] ?? `https://${prefix}.terabox.com`
      })
    ).pipe(Effect.orDie)
    const terabox = Context.get(context, TeraboxClient.TeraboxClient)
    const tally = yield* narrate(label, Context.get(context, TeraboxAuth.TeraboxAuth))

    yield* step(label, `fake at ${fake.url}; only the ndus cookie is configured`)
    const info = yield* terabox.userInfo
    const files = yield* terabox.list("/docs")
    yield* step(
      label,
      `jsToken and bdstoken read from the homepage; user ${info.uname}; /docs has ${files.length} files`
    )

    yield* step(label, "Terabox rotates the jsToken")
    fake.rotateJsToken()
    const quota = yield* terabox.quota
    yield* step(label, `  → "need verify" answered once, page re-read, call replayed: ${quota.used} bytes used`)

    yield* step(label, "the session is moved to another region")
    fake.moveRegion("dm")
    yield* terabox.rename("/docs/notes.txt", "todo.txt")
    yield* step(label, `  → moved to the dm origin; rename done with bdstoken (enforced by this fake)`)

    yield* step(label, "the ndus cookie expires")
    fake.expireCookie()
    const outcome = yield* terabox.list("/").pipe(Effect.match({ onFailure: (e) => e, onSuccess: () => undefined }))
    if (outcome === undefined) return failedRow(label, { _tag: "Unexpected", message: "a dead cookie was accepted" })
    yield* step(label, `  → ${outcome._tag}: ${outcome.message}`)

    const ok = outcome._tag === "CredentialsRejected" && fake.counters.pages === 3 && fake.counters.writes === 1
    return {
      provider: label,
      ...tally,
      requests: fake.counters.requests,
      outcome: ok
        ? "ok (typed CredentialsRejected shown)"
        : `unexpected: ${outcome._tag}, ${fake.counters.pages} page reads`
    }
  }).pipe(Effect.catchAll((error) => Effect.succeed(failedRow(label, error))))
)
