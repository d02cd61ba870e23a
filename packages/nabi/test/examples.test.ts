import { NabiFake, TestEnv } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import { sign } from "@ton/crypto"
import { mnemonicToPrivateKey } from "@ton/crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { rename } from "../examples/profiles.js"
import { layerWithSigner, remoteSigner } from "../examples/signer.js"
import { NabiClient } from "../src/NabiClient.js"

describe("README examples", () => {
  it("are the example files as they are (type-checked with the package)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    for (const file of ["profiles.ts", "signer.ts"]) {
      assert.include(readme, readFileSync(new URL(`../examples/${file}`, import.meta.url), "utf8").trim())
    }
  })

  it.scoped("the profile example runs against the fake with the environment `authfx fakes` prints", () =>
    Effect.gen(function*() {
      const fake = yield* NabiFake.make()
      const env = fake.env()
      yield* TestEnv.set(env)
      assert.strictEqual(yield* rename("p-demo", "mine"), "renamed p-demo to mine")
      assert.strictEqual(yield* rename("p-other", "theirs"), `${env["NABI_ADDRESS"]} does not own p-other`)
    }))

  it.scoped("a custom signer authenticates", () =>
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
})
