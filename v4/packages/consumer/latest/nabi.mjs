// Issue 29's line for Nabi: in an empty folder, `npm install @authfx/nabi @authfx/testkit effect@4`, then plain
// JavaScript under Node 22: the v3 line's names (TonSigner.layerFromMnemonic, NabiClient.layer, query) sign Nabi's
// nonce with the demo wallet and authenticate against the testkit's Nabi fake over a loopback socket, with effect
// 4's fetch client.
import { NabiClient, TonSigner } from "@authfx/nabi"
import { NabiFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const Profiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String })) })

const program = Effect.scoped(Effect.gen(function*() {
  const fake = yield* NabiFake.make()
  const NabiLive = NabiClient.layer({ url: fake.url }).pipe(
    Layer.provide(TonSigner.layerFromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic) })),
    Layer.provide(FetchHttpClient.layer)
  )
  const { myProfiles } = yield* Effect.flatMap(
    NabiClient.NabiClient,
    (nabi) => nabi.query("query { myProfiles { id } }", undefined, Profiles)
  ).pipe(Effect.provide(NabiLive))
  const ids = myProfiles.map((profile) => profile.id).join(",")
  return `authenticated: profiles ${ids}; logins ${fake.counters.logins}, nonces ${fake.counters.nonces}`
}))

Effect.runPromise(program).then((line) => {
  console.log(line)
  process.exit(0)
}, (error) => {
  console.error(error)
  process.exit(1)
})
