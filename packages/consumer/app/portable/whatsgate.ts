// Runs unchanged under Node, Bun and Deno from the packed tarballs: the runtime's own fetch, the
// configuration from its environment (the testkit fake runs in another process, under Node).
import { WhatsGateAuth, WhatsGateClient } from "@authfx/whatsgate"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, main } from "./main.js"

const client = (overrides: Readonly<Record<string, string>>) =>
  WhatsGateClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(envWith(overrides)))

main(
  Effect.gen(function*() {
    yield* Effect.flatMap(WhatsGateAuth.WhatsGateAuth, (auth) => auth.session)
    const status = yield* Effect.flatMap(WhatsGateClient.WhatsGateClient, (whatsgate) => whatsgate.status())
    console.log(`authenticated: device is ${status}`)
    const balance = yield* Effect.flatMap(WhatsGateClient.WhatsGateClient, (whatsgate) => whatsgate.balance())
    console.log(`call: balance ${JSON.stringify(balance)}`)
    return yield* Effect.flatMap(WhatsGateClient.WhatsGateClient, (whatsgate) => whatsgate.status()).pipe(
      Effect.provide(client({ WHATSGATE_ACCESS_TOKEN: "wg-a-token-nobody-issued" })),
      Effect.as("none"),
      Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
    )
  }).pipe(Effect.provide(client({})))
)
