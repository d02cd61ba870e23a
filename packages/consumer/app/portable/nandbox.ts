// Runs unchanged under Node, Bun and Deno from the packed tarballs: the runtime's own WebSocket (the
// global one, through `Socket.WebSocketConstructor`), the configuration from its environment (the
// testkit fake runs in another process, under Node).
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { envWith, main, runtime } from "./main.js"

const connection = (overrides: Readonly<Record<string, string>>) =>
  NandboxConnection.layerConfig().pipe(
    Layer.provide(Socket.layerWebSocketConstructorGlobal),
    Layer.provide(envWith(overrides))
  )

main(
  Effect.gen(function*() {
    const session = yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session)
    console.log(`authenticated: bot ${session.name}`)
    const nandbox = yield* NandboxConnection.NandboxConnection
    yield* nandbox.send({ method: "sendMessage", chat_id: "90091", text: `hello from ${runtime()}` })
    console.log("call: sendMessage written on the authenticated socket")
    const botId = (process.env["NANDBOX_TOKEN"] ?? "").split(":")[0]
    return yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session).pipe(
      Effect.provide(connection({ NANDBOX_TOKEN: `${botId}:0:a0token0nobody0issued000000000` })),
      Effect.as("none"),
      Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
    )
  }).pipe(Effect.provide(connection({})))
)
