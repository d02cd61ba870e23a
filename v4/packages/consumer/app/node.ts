// `node out/node.js <provider>`: the provider's program under Node, its fake in the same process, the variables
// the fake prints set in the environment, and @effect/platform-node's undici client and WebSocket (what a Node
// service uses).
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { load, main, runtime } from "./main.js"

const { program } = await load()

main(Effect.scoped(Effect.gen(function*() {
  console.log(`runtime: ${runtime()}`)
  Object.assign(process.env, yield* program.fake)
  const typed = yield* program.program.pipe(
    Effect.provide(Layer.merge(NodeHttpClient.layerUndici, NodeSocket.layerWebSocketConstructor))
  )
  console.log(`typed error: ${typed}`)
  if (typed === "none") return yield* Effect.fail("no typed error")
})))
