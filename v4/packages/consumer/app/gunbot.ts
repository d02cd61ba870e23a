// Gunbot from the packed tarballs: log in with the ENC: password, two calls, then a wrong password as a typed
// CredentialsRejected. The README example is examples/status.ts of @authfx/gunbot.
import { GunbotClient } from "@authfx/gunbot"
import { GunbotFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, type Program } from "./main.js"
import { program as status } from "./readme/gunbot/status.js"

const client = (overrides: Readonly<Record<string, string>> = {}) =>
  GunbotClient.layerConfig().pipe(Layer.provide(envWith(overrides)))

export const fake: Program["fake"] = Effect.map(GunbotFake.make(), (fake) => fake.env())

export const program: Program["program"] = Effect.gen(function*() {
  const gunbot = yield* GunbotClient.GunbotClient
  console.log(`authenticated: ${(yield* gunbot.status).message}`)
  console.log(`call: ${(yield* gunbot.balances).length} balances`)
  // A second client whose environment holds a password Gunbot does not know: refused, typed, not retried.
  return yield* Effect.flatMap(GunbotClient.GunbotClient, (other) => other.status).pipe(
    Effect.provide(client({ GUNBOT_PASSWORD: "not-the-password" })),
    Effect.as("none"),
    Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
  )
}).pipe(Effect.provide(client()))

export const readme: Program["readme"] = status
