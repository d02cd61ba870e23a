// Runs unchanged under Node, Bun and Deno from the packed tarballs: the runtime's own fetch, the
// configuration from its environment (the testkit fake runs in another process, under Node).
import { GunbotAuth, GunbotClient } from "@authfx/gunbot"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, main } from "./main.js"

const client = (overrides: Readonly<Record<string, string>>) =>
  GunbotClient.layerConfig({ retry: false }).pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(envWith(overrides))
  )

main(
  Effect.gen(function*() {
    const session = yield* Effect.flatMap(GunbotAuth.GunbotAuth, (auth) => auth.session)
    console.log(`authenticated: token expires ${session.claims?.exp ?? "never"}`)
    const status = yield* Effect.flatMap(GunbotClient.GunbotClient, (gunbot) => gunbot.status)
    console.log(`call: status ${status.message}`)
    return yield* Effect.flatMap(GunbotClient.GunbotClient, (gunbot) => gunbot.status).pipe(
      Effect.provide(client({ GUNBOT_PASSWORD: "a-password-nobody-configured" })),
      Effect.as("none"),
      Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
    )
  }).pipe(Effect.provide(client({})))
)
