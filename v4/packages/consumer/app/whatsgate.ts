// WhatsGate from the packed tarballs: authenticate, one call, then a token nobody issued as a typed
// CredentialsRejected. The README example is examples/send.ts of @authfx/whatsgate.
import { WhatsGateFake } from "@authfx/testkit"
import { WhatsGateAuth, WhatsGateClient } from "@authfx/whatsgate"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, type Program } from "./main.js"
import { program as send } from "./readme/whatsgate/send.js"

const client = (overrides: Readonly<Record<string, string>> = {}) =>
  WhatsGateClient.layerConfig().pipe(Layer.provide(envWith(overrides)))

export const fake: Program["fake"] = Effect.map(WhatsGateFake.make(), (fake) => fake.env())

export const program: Program["program"] = Effect.gen(function*() {
  const auth = yield* WhatsGateAuth.WhatsGateAuth
  const whatsgate = yield* WhatsGateClient.WhatsGateClient
  yield* auth.session
  console.log(`authenticated: device is ${yield* whatsgate.status()}`)
  console.log(`call: balance ${JSON.stringify(yield* whatsgate.balance())}`)
  // A second client whose environment holds a token nobody issued: refused, typed, not retried.
  return yield* Effect.flatMap(WhatsGateClient.WhatsGateClient, (other) => other.status()).pipe(
    Effect.provide(client({ WHATSGATE_ACCESS_TOKEN: "wg-a-token-nobody-issued" })),
    Effect.as("none"),
    Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
  )
}).pipe(Effect.provide(client()))

export const readme: Program["readme"] = send
