import { GunbotFake, SecretScan } from "@authfx/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Redacted from "effect/Redacted"
import * as GunbotClient from "../src/GunbotClient.js"

describe("GunbotClient.keyed", () => {
  it.effect("one account's refused password never touches another's session or shows in its errors", () =>
    Effect.gen(function*() {
      const alice = yield* GunbotFake.make({ password: SecretScan.sentinel("alice-password") })
      const bob = yield* GunbotFake.make({ password: SecretScan.sentinel("bob-password") })
      const fleet: Record<string, GunbotFake.GunbotFake> = { alice, bob }
      const instances = yield* GunbotClient.keyed({
        config: (account) =>
          Effect.succeed({
            url: fleet[account]!.url,
            password: Redacted.make(fleet[account]!.password()),
            gunthyWallet: Redacted.make(fleet[account]!.gunthyWallet),
            retry: false as const
          })
      })
      const status = (account: string) => instances.use(account, (client) => client.status)
      // Ten concurrent callers per account: one login each.
      yield* Effect.all(Array.from({ length: 20 }, (_, i) => status(i % 2 === 0 ? "alice" : "bob")), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual([alice.counters.logins, bob.counters.logins], [1, 1])
      // Alice's password changes on her Gunbot; her next login is refused, Bob's session is untouched.
      alice.changePassword("changed")
      alice.revokeTokens()
      const refused = yield* Effect.flip(status("alice"))
      assert.strictEqual(refused._tag, "CredentialsRejected")
      assert.strictEqual((yield* status("bob")).message, "Authenticated")
      assert.strictEqual(bob.counters.logins, 1)
      const rendered = [JSON.stringify(refused), String(refused), refused.message].join("\n")
      assert.notInclude(rendered, bob.password())
      assert.notInclude(rendered, alice.password())
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})
