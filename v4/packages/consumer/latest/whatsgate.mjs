// Issue 29's "done when": in an empty folder, `npm install @authfx/whatsgate effect@4`, then plain JavaScript.
// No variable is set: the client's configuration fails, typed, from effect 4 and the package as npm installed them.
import { WhatsGateClient } from "@authfx/whatsgate"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"

const WhatsGateLive = WhatsGateClient.layerConfig().pipe(
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({})))
)

const program = Effect.flatMap(WhatsGateClient.WhatsGateClient, (whatsgate) => whatsgate.status()).pipe(
  Effect.provide(WhatsGateLive),
  Effect.as("none"),
  Effect.catchTag("ConfigurationError", (error) => Effect.succeed(`ConfigurationError (${error.reason} ${error.key})`))
)

Effect.runPromise(program).then((typed) => {
  console.log(`typed error: ${typed}`)
  process.exit(typed === "none" ? 1 : 0)
}, (error) => {
  console.error(error)
  process.exit(1)
})
