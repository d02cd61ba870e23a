import { WhatsGateClient } from "@authfx/whatsgate"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"

// Reads WHATSGATE_URL, WHATSGATE_ACCESS_TOKEN (re-read after a rejection) and WHATSGATE_DEVICE.
const WhatsGateLive = WhatsGateClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))

export const program = Effect.gen(function*() {
  const whatsgate = yield* WhatsGateClient.WhatsGateClient
  const status = yield* whatsgate.status()
  yield* Console.log(`device is ${status}`)
  return yield* whatsgate.sendText({ phone: "987654321", message: "Hello from Effect" })
}).pipe(
  // WhatsGate refused the request itself: its own message, typed.
  Effect.catchTag("WhatsGateApiError", (error) => Effect.succeed(`not sent: ${error.description}`)),
  // The token was regenerated and the secret not updated: re-read once, then this.
  Effect.catchTag("CredentialsRejected", (error) => Effect.fail(`update WHATSGATE_ACCESS_TOKEN: ${error.message}`)),
  Effect.provide(WhatsGateLive)
)
