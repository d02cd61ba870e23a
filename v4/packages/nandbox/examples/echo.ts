import { NandboxConnection } from "@authfx/nandbox"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"

// Node 22 (or a browser) has a global WebSocket; `ws` or undici can be given as a WebSocketConstructor instead.
// Reads NANDBOX_TOKEN (re-read after a 100099) and NANDBOX_URL (default wss://w1.nandbox.net:5020/nandbox/api/).
const NandboxLive = NandboxConnection.layerConfig().pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))

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
