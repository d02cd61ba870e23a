import { NandboxAuth, NandboxConnection } from "@authfx/nandbox"
import { NandboxFake } from "@authfx/testkit"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { DemoRow } from "../Demo.js"
import { failedRow } from "./demoWhatsGate.js"
import { narrate, step } from "./narrate.js"

const label = "nandbox"

const waitFor = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400 && !condition(); i++) yield* Effect.sleep("5 millis")
  })

/**
 * nandbox against its fake: authentication on connect, an outage during which
 * frames are queued and then delivered in order, a regenerated token rotated in
 * the secret store (re-authentication), and an unrotated one (a typed failure,
 * no reconnection loop).
 */
export const demo: Effect.Effect<DemoRow> = Effect.scoped(
  Effect.gen(function*() {
    const fake = yield* NandboxFake.make({ botName: "authfx demo bot" })
    const secret = { value: fake.token() }
    const context = yield* Layer.build(
      NandboxConnection.layer({
        url: fake.url,
        token: Effect.sync(() => Redacted.make(secret.value)),
        reconnect: Schedule.exponential("50 millis").pipe(Schedule.jittered)
      }).pipe(Layer.provide(NodeSocket.layerWebSocketConstructor))
    ).pipe(Effect.orDie)
    const nandbox = Context.get(context, NandboxConnection.NandboxConnection)
    const auth = Context.get(context, NandboxAuth.NandboxAuth)
    const tally = yield* narrate(label, auth)
    const state = () => Effect.runSync(SubscriptionRef.get(nandbox.state))

    const session = yield* auth.session
    yield* step(label, `fake at ${fake.url}; authenticated as "${session.name}" (bot ${session.botId})`)
    yield* nandbox.send({ method: "sendMessage", text: "hello" })
    yield* waitFor(() => fake.received().length === 1)

    yield* step(label, "the network drops and the server refuses connections for a while; 3 frames are sent meanwhile")
    fake.refuseConnections(true)
    fake.dropConnections()
    yield* waitFor(() => state()._tag === "Reconnecting")
    const sends = yield* Effect.forEach(
      [1, 2, 3],
      (n) => Effect.fork(nandbox.send({ method: "sendMessage", text: `queued ${n}` }))
    )
    yield* Effect.sleep("200 millis")
    fake.refuseConnections(false)
    yield* Fiber.joinAll(sends)
    yield* waitFor(() => fake.received().length === 4)
    yield* step(
      label,
      `  → ${fake.counters.refused} connections refused; received in order: ${
        fake.received().map((f) => f["text"]).join(", ")
      }`
    )

    yield* step(label, "the token is regenerated and rotated in the secret store")
    secret.value = fake.regenerateToken()
    yield* waitFor(() => {
      const s = state()
      return s._tag === "Connected" && s.session.generation === 3
    })
    yield* step(label, `  → re-authenticated (session #${(yield* auth.session).generation})`)

    yield* step(label, "the token is regenerated again, but the secret store is not updated")
    fake.regenerateToken()
    yield* waitFor(() => state()._tag === "Failed")
    const connections = fake.counters.connections
    const outcome = yield* nandbox.send({ method: "sendMessage", text: "lost?" }).pipe(
      Effect.match({ onFailure: (e) => e, onSuccess: () => undefined })
    )
    yield* Effect.sleep("200 millis")
    if (outcome === undefined) {
      return failedRow(label, { _tag: "Unexpected", message: "a frame was sent with a dead token" })
    }
    yield* step(
      label,
      `  → ${outcome._tag}: ${outcome.message}; ${fake.counters.connections - connections} reconnection attempts since`
    )

    const inOrder = fake.received().map((f) => f["text"]).join(",") === "hello,queued 1,queued 2,queued 3"
    const ok = inOrder && outcome._tag === "CredentialsRejected" && fake.counters.connections === connections
    return {
      provider: label,
      ...tally,
      requests: fake.counters.frames,
      outcome: ok ? "ok (typed CredentialsRejected shown)" : `unexpected: ${outcome._tag}, in order: ${inOrder}`
    }
  }).pipe(Effect.catchAll((error) => Effect.succeed(failedRow(label, error))))
)
