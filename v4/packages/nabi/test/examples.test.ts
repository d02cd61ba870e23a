import { NabiFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import { mnemonicToPrivateKey, sign } from "@ton/crypto"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { rename } from "../examples/profiles.js"
import { layerWithSigner, remoteSigner } from "../examples/signer.js"
import { layerTonConnect } from "../examples/tonConnect.js"
import { NabiClient } from "../src/NabiClient.js"
import * as TonSigner from "../src/TonSigner.js"

describe("README examples", () => {
  it("are the example files as they are (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    for (const file of ["profiles.ts", "signer.ts", "tonConnect.ts"]) {
      assert.include(readme, readFileSync(new URL(`../examples/${file}`, import.meta.url), "utf8").trim())
    }
  })

  it.live("the profile example runs against the fake with the environment `authfx fakes` prints", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      assert.strictEqual(yield* rename("p-demo", "mine"), "renamed p-demo to mine")
      assert.strictEqual(yield* rename("p-other", "theirs"), `${env["NABI_ADDRESS"]} does not own p-other`)
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, TestEnv.configProvider)))

  it.live("a custom signer authenticates", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const keys = yield* Effect.promise(() => mnemonicToPrivateKey(NabiFake.demoAccount.mnemonic.split(" ")))
      let calls = 0
      const signer = remoteSigner(NabiFake.demoAccount.address, keys.publicKey, async (message) => {
        calls += 1
        return sign(Buffer.from(message), keys.secretKey)
      })
      const context = yield* Layer.build(layerWithSigner(fake.url, signer))
      yield* Context.get(context, NabiClient).query("query { myProfiles { id } }", undefined, Schema.Unknown)
      assert.deepStrictEqual([calls, fake.counters.logins], [1, 1])
    }))

  it.live("the TON Connect example logs in through a wallet's signData, over fetch", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make({ signatureMode: "sign_data" })
      // A stand-in for TonConnectUI: the demo key plays the wallet app.
      const wallet = yield* TonSigner.fromMnemonic({ mnemonic: Redacted.make(NabiFake.demoAccount.mnemonic) })
      const asked: Array<string> = []
      const ui = {
        signData: (payload: { type: "text"; text: string }) => {
          asked.push(payload.text)
          return Effect.runPromise(wallet.signData!({ text: payload.text, domain: "127.0.0.1" }))
        }
      }
      const account = {
        address: wallet.address,
        publicKey: Buffer.from(wallet.publicKey).toString("hex"),
        walletStateInit: wallet.walletStateInit!
      }
      const context = yield* Layer.build(layerTonConnect(fake.url, ui, account))
      yield* Context.get(context, NabiClient).query("query { myProfiles { id } }", undefined, Schema.Unknown)
      assert.deepStrictEqual([asked.length, fake.counters.logins], [1, 1])
    }))
})
