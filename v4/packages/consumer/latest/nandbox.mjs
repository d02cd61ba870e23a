// Issue 29's line for nandbox: in an empty folder, `npm install @authfx/nandbox @authfx/testkit effect@4`, then
// plain JavaScript under Node 22: the v3 line's names (NandboxConnection.layer, NandboxAuth, send) authenticate the
// bot against the testkit's nandbox fake over a loopback WebSocket, Node 22's global one.
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Socket from "effect/socket/Socket"

const program = Effect.scoped(Effect.gen(function*() {
  const fake = yield* NandboxFake.make()
  const env = fake.env()
  const NandboxLive = NandboxConnection.layer({
    url: env.NANDBOX_URL,
    token: Redacted.make(env.NANDBOX_TOKEN)
  }).pipe(Layer.provide(Socket.layerWebSocketConstructorGlobal))
  const session = yield* Effect.gen(function*() {
    const session = yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session)
    const nandbox = yield* NandboxConnection.NandboxConnection
    yield* nandbox.send({ method: "sendMessage", chat_id: "90091", text: "hello" })
    return session
  }).pipe(Effect.provide(NandboxLive))
  // The frame reached the fake on the authenticated socket.
  for (let i = 0; i < 200 && fake.received().length === 0; i++) yield* Effect.sleep("5 millis")
  const frames = fake.received().length
  return `authenticated: bot ${session.name}; authentications ${fake.counters.authentications}, frames received ${frames}`
}))

Effect.runPromise(program).then((line) => {
  console.log(line)
  process.exit(0)
}, (error) => {
  console.error(error)
  process.exit(1)
})
