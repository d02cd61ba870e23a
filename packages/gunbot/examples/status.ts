import { GunbotClient } from "@authfx/gunbot"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

// Reads GUNBOT_URL, GUNBOT_PASSWORD (plain or ENC:) and GUNBOT_WALLET; the password is encrypted once.
const GunbotLive = GunbotClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

// `POST /api/v1/balances` answers an array (the OpenAPI specification's BalanceItem).
const Balances = Schema.Array(
  Schema.Struct({ exchange: Schema.String, asset: Schema.String, availableQty: Schema.String })
)

export const program = Effect.gen(function*() {
  const gunbot = yield* GunbotClient.GunbotClient
  const status = yield* gunbot.status
  const balances = yield* gunbot.post("/balances", {}, Balances)
  return `${status.message}; assets: ${balances.map((b) => `${b.availableQty} ${b.asset} on ${b.exchange}`).join(", ")}`
}).pipe(
  Effect.provide(GunbotLive),
  // A wrong password or wallet: typed, and never retried in a loop.
  Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`login refused: ${error.message}`)),
  // A short wallet key or a malformed URL: found before any request.
  Effect.catchTag("ConfigurationError", (error) => Effect.succeed(`fix ${error.key}: ${error.message}`))
)
