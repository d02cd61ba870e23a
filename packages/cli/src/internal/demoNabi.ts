import { NabiAuth, NabiClient, TonSigner } from "@authfx/nabi"
import { NabiFake } from "@authfx/testkit"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { DemoRow } from "../Demo.js"
import { failedRow } from "./demoWhatsGate.js"
import { narrate, step } from "./narrate.js"

const label = "nabi"

const MyProfiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String })) })
const Update = Schema.Struct({ updateProfile: Schema.Struct({ id: Schema.String }) })
const update = "mutation U($request: UpdateProfileInput!) { updateProfile(request: $request) { id } }"

/**
 * Nabi against its fake, with 3-second access tokens: the signed-nonce login,
 * a proactive renewal with the refresh token (no new nonce), an expired access
 * token recovered with one replay, a profile of another wallet as a typed
 * `ProfileMismatch` that keeps the session, and a refused signature.
 */
export const demo: Effect.Effect<DemoRow, never, HttpClient.HttpClient> = Effect.scoped(
  Effect.gen(function*() {
    const fake = yield* NabiFake.make({ accessLifetimeSeconds: 3 })
    const env = fake.env()
    const context = yield* Layer.build(
      NabiClient.layer({ url: fake.url, engine: { refreshMargin: "500 millis", expirySkew: "200 millis" } }).pipe(
        Layer.provide(
          TonSigner.layerFromMnemonic({ mnemonic: Redacted.make(env["NABI_MNEMONIC"]!), address: env["NABI_ADDRESS"]! })
        )
      )
    ).pipe(Effect.orDie)
    const nabi = Context.get(context, NabiClient.NabiClient)
    const tally = yield* narrate(label, Context.get(context, NabiAuth.NabiAuth))
    const profiles = nabi.query("query { myProfiles { id } }", undefined, MyProfiles)

    yield* step(label, `fake at ${fake.url}; access tokens live 3 s`)
    const first = yield* profiles
    yield* step(label, `nonce signed, tokens issued; my profiles: ${first.myProfiles.map((p) => p.id).join(", ")}`)

    yield* step(label, "waiting 2.8 s: the access token should be renewed with the refresh token")
    yield* Effect.sleep("2800 millis")
    yield* profiles
    yield* step(label, `  → ${fake.counters.refreshes} refreshToken, still ${fake.counters.nonces} nonce signed`)

    yield* step(label, "Nabi expires every access token now")
    fake.expireAccessTokens()
    yield* profiles
    yield* step(label, `  → one 401, one refresh, the query replayed once`)

    yield* step(label, "updating a profile another wallet owns")
    const mismatch = yield* nabi.query(update, { request: { id: "p-other", name: "x" } }, Update).pipe(
      Effect.match({ onFailure: (e) => e, onSuccess: () => undefined })
    )
    if (mismatch === undefined) {
      return failedRow(label, { _tag: "Unexpected", message: "another wallet's profile was updated" })
    }
    yield* step(label, `  → ${mismatch._tag}: ${mismatch.message} (not retried; the session is kept)`)

    yield* step(label, "Nabi revokes every token and refuses the wallet's signatures")
    fake.revokeAll()
    fake.rejectSignatures(true)
    const refused = yield* profiles.pipe(Effect.match({ onFailure: (e) => e, onSuccess: () => undefined }))
    if (refused === undefined) {
      return failedRow(label, { _tag: "Unexpected", message: "a refused signature was accepted" })
    }
    yield* step(label, `  → ${refused._tag}: ${refused.message}`)

    const ok = mismatch._tag === "ProfileMismatch" && refused._tag === "CredentialsRejected" &&
      fake.counters.refreshes >= 2
    return {
      provider: label,
      ...tally,
      requests: fake.counters.requests,
      outcome: ok
        ? "ok (typed ProfileMismatch and CredentialsRejected shown)"
        : `unexpected: ${mismatch._tag}, ${refused._tag}`
    }
  }).pipe(Effect.catchAll((error) => Effect.succeed(failedRow(label, error))))
)
