import { NandboxConnection } from "@authfx/nandbox"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

// Reads NANDBOX_TOKEN (re-read after a 100099) and NANDBOX_URL (default wss://w1.nandbox.net:5020/nandbox/api/).
const NandboxLive = NandboxConnection.layerConfig().pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))

/** Answers the first `count` text messages with an echo; frames survive reconnections. */
export const echo = (count: number) =>
  Effect.gen(function*() {
    const nandbox = yield* NandboxConnection.NandboxConnection
    return yield* nandbox.inbound.pipe(
      Stream.filter((frame) => frame.method === "message"),
      Stream.take(count),
      Stream.mapEffect((frame) => {
        const message = frame["message"] as { readonly chat?: { readonly id?: string }; readonly text?: string }
        return nandbox.send({ method: "sendMessage", chat_id: message.chat?.id, text: `echo: ${message.text}` })
      }),
      Stream.runCount
    )
  }).pipe(
    // The token was regenerated and NANDBOX_TOKEN still holds the old one: no reconnection loop.
    Effect.catchTag("CredentialsRejected", (error) => Effect.fail(`update NANDBOX_TOKEN: ${error.message}`)),
    Effect.provide(NandboxLive)
  )
