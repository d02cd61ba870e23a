// Issue 29's "done when": in an empty folder, `npm install @authfx/gunbot @authfx/testkit effect@4`, then plain
// JavaScript under Node 22: the v3 line's names (GunbotClient.layer, status, balances) authenticate against the
// testkit's Gunbot fake over a loopback socket, with effect 4's fetch client.
import { GunbotClient } from "@authfx/gunbot"
import { GunbotFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const program = Effect.scoped(Effect.gen(function*() {
  const fake = yield* GunbotFake.make()
  const env = fake.env()
  const GunbotLive = GunbotClient.layer({
    url: env.GUNBOT_URL,
    password: Redacted.make(env.GUNBOT_PASSWORD),
    gunthyWallet: Redacted.make(env.GUNBOT_WALLET)
  }).pipe(Layer.provide(FetchHttpClient.layer))
  const status = yield* Effect.flatMap(GunbotClient.GunbotClient, (gunbot) => gunbot.status).pipe(
    Effect.provide(GunbotLive)
  )
  return `authenticated: ${status.message}; logins ${fake.counters.logins}, authorized calls ${fake.counters.authorized}`
}))

Effect.runPromise(program).then((line) => {
  console.log(line)
  process.exit(0)
}, (error) => {
  console.error(error)
  process.exit(1)
})
