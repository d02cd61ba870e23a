// The README examples, as a user copies them: each package's examples/*.ts (the files its README embeds) is copied
// into app/readme/<package>/ when the app is made, type-checked with the app, and run here against the fakes.
import { NabiClient, TonSigner } from "@authfx/nabi"
import { GunbotFake, NabiFake, NandboxFake, TeraboxFake, WhatsGateFake } from "@authfx/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { program as acme } from "./readme/core/provider.js"
import { program as gunbot } from "./readme/gunbot/status.js"
import { rename } from "./readme/nabi/profiles.js"
import { layerWithSigner, remoteSigner } from "./readme/nabi/signer.js"
import { layerTonConnect } from "./readme/nabi/tonConnect.js"
import { echo } from "./readme/nandbox/echo.js"
import { tidy } from "./readme/terabox/files.js"
import { program as whatsgate } from "./readme/whatsgate/send.js"

/** The variables `authfx fakes` prints for a fake, set for the life of the scope (the examples read them). */
const withEnv = (env: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => Object.assign(process.env, env)),
    () => Effect.sync(() => Object.keys(env).forEach((name) => delete process.env[name]))
  )

/** Polls `done` every 5 ms, for at most a second. */
const waitFor = (done: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !done(); i++) yield* Effect.sleep("5 millis")
    if (!done()) return yield* Effect.dieMessage("the fake did not see what the example should have done")
  })

const main = Effect.gen(function*() {
  console.log(`readme core: ${yield* acme}`)
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* GunbotFake.make()
    yield* withEnv(fake.env())
    console.log(`readme gunbot: ${yield* gunbot}`)
  }))
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* WhatsGateFake.make()
    yield* withEnv(fake.env())
    console.log(`readme whatsgate: ${yield* whatsgate}`)
  }))
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* TeraboxFake.make({ uname: "alice" })
    yield* withEnv(fake.env())
    console.log(`readme terabox: ${yield* tidy}`)
  }))
  // Nabi: the profile example with the environment `authfx fakes` prints (a profile of its wallet, then one of
  // another wallet), then the custom signer and the TON Connect wiring, each signing with the demo wallet's key.
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* NabiFake.make()
    yield* withEnv(fake.env())
    console.log(`readme nabi: ${yield* rename("p-demo", "mine")}`)
    console.log(`readme nabi: ${yield* rename("p-other", "theirs")}`)
  }))
  const wallet = yield* TonSigner.fromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic) })
  const query = (layer: Layer.Layer<NabiClient.NabiClient, unknown>) =>
    Effect.gen(function*() {
      const context = yield* Layer.build(layer)
      return yield* Context.get(context, NabiClient.NabiClient).query(
        "query { myProfiles { id } }",
        undefined,
        Schema.Unknown
      )
    })
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* NabiFake.make()
    let signed = 0
    const signer = remoteSigner(wallet.address, wallet.publicKey, (message) => {
      signed += 1
      return Effect.runPromise(wallet.sign!(message))
    })
    yield* query(layerWithSigner(fake.url, signer))
    console.log(`readme nabi signer: ${signed} signature, ${fake.counters.logins} login`)
  }))
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* NabiFake.make({ signatureMode: "sign_data" })
    // A stand-in for TonConnectUI: the demo key plays the wallet app.
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
    yield* query(layerTonConnect(fake.url, ui, account))
    console.log(`readme nabi tonConnect: ${asked} signData, ${fake.counters.logins} login`)
  }))
  // nandbox: the echo example answers two messages the fake broadcasts once the bot has authenticated.
  yield* Effect.scoped(Effect.gen(function*() {
    const fake = yield* NandboxFake.make()
    yield* withEnv(fake.env())
    const running = yield* Effect.fork(echo(2))
    yield* waitFor(() => fake.counters.authentications > 0)
    yield* Effect.sleep("20 millis")
    fake.broadcast({ method: "message", message: { chat: { id: "c1" }, text: "one" } })
    fake.broadcast({ method: "message", message: { chat: { id: "c1" }, text: "two" } })
    const answered = yield* Fiber.join(running)
    yield* waitFor(() => fake.received().length >= 2)
    console.log(`readme nandbox: echoed ${answered}: ${fake.received().map((frame) => frame["text"]).join(", ")}`)
  }))
})

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
