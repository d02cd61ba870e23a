import { GunbotClient } from "@authfx/gunbot"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"

// Reads GUNBOT_URL, GUNBOT_PASSWORD (plain or ENC:) and GUNBOT_WALLET; the password is encrypted once.
const GunbotLive = GunbotClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

export const program = Effect.gen(function*() {
  const gunbot = yield* GunbotClient.GunbotClient
  const status = yield* gunbot.status
  // `POST /api/v1/balances`: Gunbot's `Asset`, `Exchange`, `Available Qty`, `On Order`, typed.
  const balances = yield* gunbot.balances
  return `${status.message}; assets: ${balances.map((b) => `${b.availableQty} ${b.asset} on ${b.exchange}`).join(", ")}`
}).pipe(
  Effect.provide(GunbotLive),
  // A wrong password or wallet: typed, and never retried in a loop.
  Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`login refused: ${error.message}`)),
  // Gunbot refused a call (its ErrorResponse), naming the route.
  Effect.catchTag("GunbotApiError", (error) => Effect.succeed(`refused: ${error.message}`)),
  // A short wallet key or a malformed URL: found before any request.
  Effect.catchTag("ConfigurationError", (error) => Effect.succeed(`fix ${error.key}: ${error.message}`))
)
