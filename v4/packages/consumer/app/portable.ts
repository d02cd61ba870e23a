// `bun out/portable.js <provider>`, `deno run --allow-net=127.0.0.1 --allow-env out/portable.js <provider>`: the
// provider's program, unchanged, with the runtime's own fetch and WebSocket; the configuration is the environment,
// which names the fakes running in a Node process of their own (`fakes.ts`).
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Socket from "effect/socket/Socket"
import { load, main, runtime } from "./main.js"

const { program } = await load()

main(Effect.gen(function*() {
  console.log(`runtime: ${runtime()}`)
  const typed = yield* program.program.pipe(
    Effect.provide(Layer.merge(FetchHttpClient.layer, Socket.layerWebSocketConstructorGlobal))
  )
  console.log(`typed error: ${typed}`)
  if (typed === "none") return yield* Effect.fail("no typed error")
}))
