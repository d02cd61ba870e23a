// Nabi from the packed tarballs: the TON-signed nonce login, a GraphQL query, then an address whose wallet holds
// another key as a typed CredentialsRejected. The README examples are examples/{profiles,signer,tonConnect}.ts of
// @authfx/nabi: the profile example with the environment `authfx fakes` prints, the custom signer and the TON
// Connect wiring against fakes of their own, each signing with the demo wallet's key.
import { NabiAuth, NabiClient, TonSigner } from "@authfx/nabi"
import { NabiFake } from "@authfx/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { envWith, type Program } from "./main.js"
import { rename } from "./readme/nabi/profiles.js"
import { layerWithSigner, remoteSigner } from "./readme/nabi/signer.js"
import { layerTonConnect } from "./readme/nabi/tonConnect.js"

const client = (overrides: Readonly<Record<string, string>> = {}) =>
  NabiClient.layerConfig({ retry: false }).pipe(Layer.provide(envWith(overrides)))

const Profiles = Schema.Struct({ myProfiles: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String })) })

export const fake: Program["fake"] = Effect.map(NabiFake.make(), (fake) => fake.env())

export const program: Program["program"] = Effect.gen(function*() {
  const session = yield* Effect.flatMap(NabiAuth.NabiAuth, (auth) => auth.session)
  console.log(`authenticated: wallet ${session.address}`)
  const nabi = yield* NabiClient.NabiClient
  const { myProfiles } = yield* nabi.query("query { myProfiles { id name } }", undefined, Profiles)
  console.log(`call: profiles ${myProfiles.map((profile) => profile.id).join(",")}`)
  // A second client that signs for an address whose wallet holds another key: Nabi refuses the signature, typed.
  const stranger = { NABI_ADDRESS: `0:${"ab".repeat(32)}`, NABI_ADDRESS_CHECK: "off" }
  return yield* Effect.flatMap(NabiAuth.NabiAuth, (other) => other.session).pipe(
    Effect.provide(client(stranger)),
    Effect.as("none"),
    Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
  )
}).pipe(Effect.provide(client()))

/** One query through a client layer: the login it needs, and nothing else. */
const query = <E>(layer: Layer.Layer<NabiClient.NabiClient, E>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(layer)
    return yield* Context.get(context, NabiClient.NabiClient).query(
      "query { myProfiles { id } }",
      undefined,
      Schema.Unknown
    )
  })

export const readme: Program["readme"] = Effect.gen(function*() {
  // examples/profiles.ts: a profile of the configured wallet, then one of another wallet.
  const profiles = [yield* rename("p-demo", "mine"), yield* rename("p-other", "theirs")]
  const wallet = yield* TonSigner.fromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic) })

  // examples/signer.ts: the application's signing function stands in for a remote wallet.
  const raw = yield* NabiFake.make()
  let signed = 0
  const signer = remoteSigner(wallet.address, wallet.publicKey, (message) => {
    signed += 1
    return Effect.runPromise(wallet.sign!(message))
  })
  yield* query(layerWithSigner(raw.url, signer))

  // examples/tonConnect.ts: a stand-in for TonConnectUI, the demo key playing the wallet app.
  const signData = yield* NabiFake.make({ signatureMode: "sign_data" })
  let asked = 0
  const ui = {
    signData: (payload: { type: "text"; text: string }) => {
      asked += 1
      return Effect.runPromise(wallet.signData!({ text: payload.text, domain: "127.0.0.1" }))
    }
  }
  const account = {
    address: wallet.address,
    publicKey: Buffer.from(wallet.publicKey).toString("hex"),
    walletStateInit: wallet.walletStateInit!
  }
  yield* query(layerTonConnect(signData.url, ui, account))

  return [
    ...profiles,
    `signer: ${signed} signature, ${raw.counters.logins} login`,
    `tonConnect: ${asked} signData, ${signData.counters.logins} login`
  ]
})
