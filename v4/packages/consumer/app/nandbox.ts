// nandbox from the packed tarballs: the bot's WebSocket (the runtime's: @effect/platform-node's under Node, the
// global one under Bun and Deno), TOKEN_AUTH, a frame sent on the authenticated socket, then a token nobody issued
// as a typed CredentialsRejected. The README example is examples/echo.ts of @authfx/nandbox, answering two messages
// the fake broadcasts once the bot has authenticated.
import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake } from "@authfx/testkit"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { envWith, type Program, runtime } from "./main.js"
import { echo } from "./readme/nandbox/echo.js"

const connection = (overrides: Readonly<Record<string, string>> = {}) =>
  NandboxConnection.layerConfig().pipe(Layer.provide(envWith(overrides)))

/** The fake the README example runs against (`readme` sees what it received). */
let started: NandboxFake.NandboxFake | undefined

export const fake: Program["fake"] = Effect.map(NandboxFake.make(), (fake) => {
  started = fake
  return fake.env()
})

export const program: Program["program"] = Effect.gen(function*() {
  const session = yield* Effect.flatMap(NandboxAuth.NandboxAuth, (auth) => auth.session)
  console.log(`authenticated: bot ${session.name}`)
  const nandbox = yield* NandboxConnection.NandboxConnection
  yield* nandbox.send({ method: "sendMessage", chat_id: "90091", text: `hello from ${runtime()}` })
  console.log("call: sendMessage written on the authenticated socket")
  // A second connection whose environment holds a token nobody issued (the same bot id): refused, typed, no loop.
  const botId = (process.env["NANDBOX_TOKEN"] ?? "").split(":")[0]
  return yield* Effect.flatMap(NandboxAuth.NandboxAuth, (other) => other.session).pipe(
    Effect.provide(connection({ NANDBOX_TOKEN: `${botId}:0:a0token0nobody0issued000000000` })),
    Effect.as("none"),
    Effect.catchTag("CredentialsRejected", (error) => Effect.succeed(`CredentialsRejected (${error.reason})`))
  )
}).pipe(Effect.provide(connection()))

/** The text of each frame the fake received (on an authenticated socket: it answers any other with 100099). */
export const seen: Program["seen"] = () => started?.received().map((frame) => frame["text"]) ?? []

/** Polls `done` every 5 ms, for at most a second. */
const waitFor = (done: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200 && !done(); i++) yield* Effect.sleep("5 millis")
    if (!done()) return yield* Effect.die("the fake did not see what the example should have done")
  })

export const readme: Program["readme"] = Effect.gen(function*() {
  const fake = started!
  const running = yield* Effect.forkChild(echo(2))
  yield* waitFor(() => fake.counters.authentications > 0)
  yield* Effect.sleep("20 millis")
  fake.broadcast({ method: "message", message: { chat: { id: "c1" }, text: "one" } })
  fake.broadcast({ method: "message", message: { chat: { id: "c1" }, text: "two" } })
  const answered = yield* Fiber.join(running)
  yield* waitFor(() => fake.received().length >= 2)
  return `echoed ${answered}: ${fake.received().map((frame) => frame["text"]).join(", ")}`
})
